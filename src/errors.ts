/**
 * Errors that may reach an agent. Every error carries a stable code and a message that is safe to show:
 * no secrets, no raw provider bodies, no stack traces. Anything that is not a StudioError is reported as
 * `internal` with a generic message (see `toSafeError`).
 */
export type ErrorCode =
  | 'invalid_input'
  | 'safety_blocked'
  | 'rate_limited'
  | 'quota'
  | 'provider_unavailable'
  | 'provider_error'
  | 'timeout'
  | 'not_found'
  | 'conflict'
  | 'canceled'
  | 'budget_exceeded'
  | 'internal';

export interface StudioErrorDetails {
  /** The argument or field the error is about, in the tool's own naming. */
  field?: string;
  /** The model id (`<provider>/<model>`) the error is about. */
  model?: string;
  /** What would have been accepted, for the agent to correct itself. */
  accepts?: string;
  /** Whether repeating the same call later may succeed. */
  retryable?: boolean;
  /** Milliseconds the provider asked us to wait, when it said so. */
  retryAfterMs?: number;
  /** HTTP status of the provider reply, when there was one. */
  status?: number;
  /** The provider refused a create before accepting any work (429): sending it again cannot bill twice. */
  createRefused?: boolean;
}

export class StudioError extends Error {
  readonly code: ErrorCode;
  readonly details: StudioErrorDetails;

  constructor(code: ErrorCode, message: string, details: StudioErrorDetails = {}) {
    super(message);
    this.name = 'StudioError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string } & StudioErrorDetails {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function invalidInput(message: string, details: StudioErrorDetails = {}): StudioError {
  return new StudioError('invalid_input', message, details);
}

export function notFound(kind: string, id: string, field?: string): StudioError {
  return new StudioError('not_found', `${kind} '${id}' does not exist${field ? ` (field '${field}')` : ''}`, {
    field,
  });
}

/** Map anything thrown to an error that is safe to return to an agent. */
export function toSafeError(err: unknown): StudioError {
  if (err instanceof StudioError) return err;
  if (err instanceof Error && err.name === 'AbortError') {
    return new StudioError('canceled', 'the operation was canceled');
  }
  return new StudioError('internal', 'internal error in studio-mcp (see the server log for details)');
}
