import { type GetPromptResult, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { StudioError, toSafeError } from '../errors.js';
import type { Studio } from '../studio/studio.js';
import { addDialogue } from './add-dialogue.js';
import { checkContinuity } from './check-continuity.js';
import { planFilm } from './plan-film.js';
import { shootScene } from './shoot-scene.js';
import type { PromptArgument, PromptDef } from './types.js';

export type { PromptDef } from './types.js';

/** The film-making workflows, in the order an agent meets them. */
export const PROMPTS: readonly PromptDef[] = [planFilm, shootScene, addDialogue, checkContinuity];

export interface PromptEntry {
  name: string;
  title: string;
  description: string;
  arguments: PromptArgument[];
}

export function listPrompts(): PromptEntry[] {
  return PROMPTS.map((p) => ({ name: p.name, title: p.title, description: p.description, arguments: p.arguments }));
}

/**
 * A prompt with its arguments filled in from live studio state. Problems (unknown prompt, missing argument, an id
 * that does not exist) are protocol errors with the studio's safe message, like resource errors.
 */
export async function getPrompt(studio: Studio, name: string, args: Record<string, string>): Promise<GetPromptResult> {
  const def = PROMPTS.find((p) => p.name === name);
  if (!def) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `unknown prompt '${name}'; prompts: ${PROMPTS.map((p) => p.name).join(', ')}`);
  const missing = def.arguments.filter((a) => a.required && !(args[a.name] ?? '').trim()).map((a) => a.name);
  if (missing.length) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `prompt '${name}' needs ${missing.map((m) => `'${m}'`).join(', ')}`);
  const known = new Set(def.arguments.map((a) => a.name));
  const unknown = Object.keys(args).filter((k) => !known.has(k));
  if (unknown.length)
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `prompt '${name}' takes no ${unknown.map((u) => `'${u}'`).join(', ')}; it takes ${[...known].join(', ')}`,
    );
  try {
    const text = await def.render(studio, args);
    return { description: def.description, messages: [{ role: 'user', content: { type: 'text', text } }] };
  } catch (err) {
    const safe = toSafeError(err);
    if (!(err instanceof StudioError)) studio.log(`prompt ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    throw new ProtocolError(safe.code === 'internal' ? ProtocolErrorCode.InternalError : ProtocolErrorCode.InvalidParams, safe.message);
  }
}
