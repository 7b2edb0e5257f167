import type { Storyboard } from '../../src/storyboard/types.js';

/** What the view shows: one scene or one film (from the tool's arguments, its result, or the page's URL). */
export interface Target {
  kind: 'scene' | 'film';
  id: string;
}

export interface ResourceBytes {
  mimeType: string;
  bytes: Uint8Array;
}

export interface ToolOutcome {
  structuredContent: Record<string, unknown> | undefined;
  /** The text content joined, for error messages. */
  text: string;
  isError: boolean;
}

/**
 * The one seam between the rendering code and where it runs. Two implementations: inside an MCP Apps host (the
 * host proxies tool calls and resource reads to the server) and as the `--http` web page (the /studio/api routes).
 * The rendering code never knows which.
 */
export interface Bridge {
  /** The storyboard now (storyboard_get), or null while the target is not known yet. */
  storyboard(): Promise<Storyboard | null>;
  readResource(uri: string): Promise<ResourceBytes>;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolOutcome>;
  /**
   * Ask the agent to do something (anything that spends money goes this way, so the model stays the one that calls
   * paid tools). Returns true when the request reached the agent; false when the person must pass it on (the view
   * then shows the text to copy).
   */
  askAgent(text: string): Promise<boolean>;
  /** Tell the model about a decision without asking for a reply (approvals); a no-op where there is no model. */
  tellModel(text: string): Promise<void>;
  /** Called once with a function to run when the host pushes a fresher storyboard (a tool result). */
  onPush(listener: (board: Storyboard) => void): void;
}

/** The arguments of storyboard_get / storyboard_show for a target. */
export function targetArgs(t: Target): Record<string, string> {
  return t.kind === 'scene' ? { scene_id: t.id } : { film_id: t.id };
}

/** A target from tool arguments ({scene_id} or {film_id}); null when neither is a string. */
export function targetFromArgs(args: Record<string, unknown> | undefined): Target | null {
  if (typeof args?.scene_id === 'string') return { kind: 'scene', id: args.scene_id };
  if (typeof args?.film_id === 'string') return { kind: 'film', id: args.film_id };
  return null;
}

/** A minimal shape check of a storyboard that arrived over the wire: the view trusts its own types only after it. */
export function asStoryboard(v: unknown): Storyboard | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if ((o.kind !== 'scene' && o.kind !== 'film') || typeof o.id !== 'string' || typeof o.version !== 'string' || !Array.isArray(o.scenes)) return null;
  return v as Storyboard;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
