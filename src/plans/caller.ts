/**
 * How the plan runner reaches the studio: by tool name and JSON arguments, exactly like any MCP client. The CLI
 * implements it with an in-process MCP client; tests can use any client. The runner never touches services.
 */

/** A tool's error body (`structuredContent.error` of a failed call). */
export interface ToolFailure {
  code: string;
  message: string;
  field?: string;
  model?: string;
}

export class ToolCallError extends Error {
  constructor(
    readonly tool: string,
    readonly failure: ToolFailure,
  ) {
    super(`${tool}: ${failure.code}: ${failure.message}`);
    this.name = 'ToolCallError';
  }
}

/** Progress of one call as a fraction 0..1. */
export type ProgressFn = (fraction: number, message?: string) => void;

export interface ToolCaller {
  /** The tool's structured result; throws ToolCallError when the tool reports an error. */
  call(tool: string, args: Record<string, unknown>, onProgress?: ProgressFn): Promise<Record<string, unknown>>;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ToolCallError && err.failure.code === 'not_found';
}
