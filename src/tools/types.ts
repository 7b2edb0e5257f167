import type { ZodObject } from 'zod';
import type { Studio } from '../studio/studio.js';

/** MCP tool annotations (hints for clients about what a tool does to the world). */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export type JsonObjectSchema = { type: 'object'; properties: Record<string, unknown>; required?: string[]; [k: string]: unknown };

/** One client connection. It holds no tool state: every connection sees the same tools (MCP 2026-07-28). */
export interface Session {
  readonly id: string;
}

export interface ToolContext {
  studio: Studio;
  session: Session;
  signal: AbortSignal;
  /** Send MCP progress (only when the client gave a progress token). */
  progress: (progress: number, total: number | undefined, message?: string) => void;
  /** How long a generation may wait for its job before answering with the job id (default STUDIO_WAIT_SECONDS). */
  waitMs?: number;
  /** Told the id of each job the call submits (an MCP task follows its job: cancel, restart). */
  onJob?: (jobId: string) => void;
}

export interface ResourceLinkOut {
  uri: string;
  name: string;
  mimeType?: string;
  description?: string;
}

/** A tool's successful result: JSON for structuredContent, plus resource links. */
export interface ToolOutput {
  result: Record<string, unknown>;
  links?: ResourceLinkOut[];
}

export interface ToolDef {
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  /** Long-running: offered as an MCP task where the client supports tasks. */
  longRunning?: boolean;
  /** The published schema: the same for every connection (generation tools derive it from the offered models). */
  inputSchema(studio: Studio): JsonObjectSchema;
  /**
   * The schema the server checks a call against before run, when it is not the whole inputSchema: a generation
   * call's model fields are checked against the model it names (parseArgs), so only `model` and the studio
   * arguments are checked here.
   */
  callSchema?(studio: Studio): JsonObjectSchema;
  /** JSON Schema (2020-12) of the structuredContent of a successful result. */
  outputSchema?: JsonObjectSchema;
  /** The tool's `_meta` in tools/list (MCP Apps: `ui.resourceUri`, `ui.visibility`). */
  _meta?: Record<string, unknown>;
  /** The shape outputSchema was made from, with the members every successful result has (for tests). */
  outputShape?: ZodObject;
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutput>;
}
