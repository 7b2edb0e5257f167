import { StudioError } from '../errors.js';

/** MCP prompts (the film-making workflows) arrive with their own issue; the list is empty until then. */
export interface PromptEntry {
  name: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}

export function listPrompts(): PromptEntry[] {
  return [];
}

export function getPrompt(name: string, _args: Record<string, string>): { messages: { role: 'user'; content: { type: 'text'; text: string } }[] } {
  throw new StudioError('not_found', `unknown prompt '${name}'`);
}
