import type { Studio } from '../studio/studio.js';

/** One argument of a prompt as `prompts/list` shows it (MCP prompt arguments are always strings). */
export interface PromptArgument {
  name: string;
  description: string;
  required: boolean;
}

/**
 * A film-making workflow offered as an MCP prompt. `render` reads live studio state (models and their availability,
 * a scene's shots) so the instructions name real ids and only what can run here.
 */
export interface PromptDef {
  name: string;
  title: string;
  description: string;
  arguments: PromptArgument[];
  /** The user message's text. Arguments are already checked: every required one is present and non-empty. */
  render(studio: Studio, args: Readonly<Record<string, string>>): string | Promise<string>;
}
