import type { z } from 'zod';
import { StudioError } from '../errors.js';
import { parseMaybeJson, type Redactor, shorten, summarizeProviderError } from './safe-message.js';

/**
 * The one way adapters talk HTTP: per-attempt timeouts tied to the job's abort signal, retries with exponential
 * backoff + jitter that honour Retry-After, and provider statuses mapped to StudioError codes with safe messages.
 *
 * Retry policy by kind of call, because a generation request that reached the provider bills even when the
 * reply is lost:
 * - `create` (anything that starts paid work): retried ONLY on 429 — the provider said it did not accept it.
 *   Network errors, timeouts and 5xx are never retried (we cannot know whether it was accepted).
 * - `read` (poll, get, cancel, download) and `upload` (a duplicate upload costs nothing): retried on network
 *   errors, timeouts, 408, 429 and 5xx.
 */
export type RequestKind = 'create' | 'read' | 'upload';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not slept on: the error goes back to the queue with `retryAfterMs`. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 20_000, maxRetryAfterMs: 60_000 };
export const DEFAULT_TIMEOUT_MS = 60_000;

export interface ProviderHttpOptions {
  /** Display name used in messages ("Replicate"). */
  provider: string;
  /** Env vars that hold the credentials, named in 401/403 messages. */
  authEnv: readonly string[];
  redact: Redactor;
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout (covers reading the body too). */
  timeoutMs?: number;
  /** Provider-specific mapping tried before the generic one (e.g. ElevenLabs `detail.status`). */
  classifyError?: (reply: ErrorReply) => StudioError | undefined;
  /** Injected for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** A non-2xx reply, parsed as far as possible, handed to `classifyError`. */
export interface ErrorReply {
  status: number;
  body: unknown;
  headers: Headers;
  what: string;
  retryAfterMs?: number;
  /** Short redacted summary of the provider's message, if any. */
  summary?: string;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string | URL;
  headers?: Record<string, string>;
  /** A factory, so a retried attempt can send the body again (streams and FormData are single-use). */
  body?: () => RequestInit['body'];
  kind: RequestKind;
  /** What the call does, for messages ("create prediction"). */
  what: string;
  timeoutMs?: number;
}

export interface HttpIo {
  fetch: typeof fetch;
  signal: AbortSignal;
  /** A 429 on create is not retried here: the job's shared queue backs the whole fleet off (AdapterContext.queueBacksOff). */
  queueBacksOff?: boolean;
}

/** Parse a Retry-After header (delta seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Sleep that ends early (rejecting) when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(canceledError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(canceledError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function canceledError(): StudioError {
  return new StudioError('canceled', 'the operation was canceled');
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Thrown fetch errors, classified. */
type TransportFailure = { kind: 'canceled' } | { kind: 'timeout' } | { kind: 'network' };

export class ProviderHttp {
  readonly provider: string;
  readonly redact: Redactor;
  private readonly opts: ProviderHttpOptions;
  private readonly retry: RetryPolicy;

  constructor(opts: ProviderHttpOptions) {
    this.opts = opts;
    this.provider = opts.provider;
    this.redact = opts.redact;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return (this.opts.sleep ?? abortableSleep)(ms, signal);
  }

  /** Exponential backoff with full jitter in [d/2, d]. */
  backoffMs(attempt: number): number {
    const d = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    const r = this.opts.random?.() ?? Math.random();
    return Math.round(d / 2 + (d / 2) * r);
  }

  /** Sleep the backoff of `attempt` (used by callers that retry a step of their own, e.g. a broken transfer). */
  backoffSleep(attempt: number, signal: AbortSignal): Promise<void> {
    return this.sleep(this.backoffMs(attempt), signal);
  }

  /**
   * Send a request with the retry policy of its kind. Resolves with a 2xx Response whose body is not read yet
   * (the per-attempt timeout still applies while it is read); throws a StudioError otherwise.
   */
  async send(call: HttpCall, io: HttpIo): Promise<Response> {
    const timeoutMs = call.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = AbortSignal.any([io.signal, timeout]);
      let res: Response;
      try {
        res = await io.fetch(call.url, {
          method: call.method,
          headers: call.headers,
          body: call.body?.(),
          signal,
          redirect: 'manual',
        });
      } catch (err) {
        if (err instanceof StudioError) throw err; // e.g. the URL guard refused a hop
        const failure = this.classifyTransport(io.signal, timeout);
        if (failure.kind === 'canceled') throw canceledError();
        const error = this.transportError(failure, call.what, timeoutMs);
        if (call.kind !== 'create' && attempt < this.retry.maxRetries) {
          await this.sleep(this.backoffMs(attempt), io.signal);
          continue;
        }
        throw error;
      }
      if (res.ok) return res;
      if (res.status >= 300 && res.status < 400) {
        // API calls never redirect legitimately; output downloads follow redirects through the URL guard.
        await res.body?.cancel().catch(() => undefined);
        throw new StudioError('provider_error', `${this.provider} answered ${call.what} with an unexpected redirect`, {
          status: res.status,
        });
      }
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.now());
      const canRetry =
        attempt < this.retry.maxRetries &&
        (call.kind === 'create' ? res.status === 429 && !io.queueBacksOff : isRetryableStatus(res.status)) &&
        (retryAfterMs === undefined || retryAfterMs <= this.retry.maxRetryAfterMs);
      if (canRetry) {
        await res.body?.cancel().catch(() => undefined);
        // Honour Retry-After exactly (plus a little jitter so parallel jobs do not stampede).
        const wait = retryAfterMs !== undefined ? retryAfterMs + Math.round(250 * (this.opts.random?.() ?? Math.random())) : this.backoffMs(attempt);
        await this.sleep(wait, io.signal);
        continue;
      }
      const text = await this.readText(res, io.signal, timeout, call.what, timeoutMs);
      const error = this.errorFor({ status: res.status, body: parseMaybeJson(text), headers: res.headers, what: call.what, retryAfterMs });
      // Refused, not accepted: the queue may send this create again (see JobQueue.backOff).
      if (call.kind === 'create' && res.status === 429) error.details.createRefused = true;
      throw error;
    }
  }

  /** Send and parse a JSON reply with `schema`. A reply that is not JSON or not the documented shape is a clear error. */
  async json<S extends z.ZodType>(call: HttpCall, schema: S, io: HttpIo): Promise<z.output<S>> {
    const timeoutMs = call.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const res = await this.send(call, io);
    let text: string;
    try {
      text = await res.text();
    } catch {
      if (io.signal.aborted) throw canceledError();
      throw this.transportError({ kind: 'timeout' }, call.what, timeoutMs);
    }
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      throw this.malformed(call.what, 'the reply is not JSON');
    }
    return this.parse(schema, value, call.what);
  }

  /** Validate a value with a zod schema; failures become a provider_error naming the first bad path (never values). */
  parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'the reply';
    throw this.malformed(what, `${where}: ${issue?.message ?? 'unexpected shape'}`);
  }

  malformed(what: string, detail: string): StudioError {
    return new StudioError('provider_error', `${this.provider} sent a reply to ${what} that studio-mcp cannot read (${shorten(detail, 160)})`, {
      retryable: false,
    });
  }

  private async readText(res: Response, signal: AbortSignal, timeout: AbortSignal, what: string, timeoutMs: number): Promise<string> {
    try {
      return await res.text();
    } catch {
      if (signal.aborted) throw canceledError();
      if (timeout.aborted) throw this.transportError({ kind: 'timeout' }, what, timeoutMs);
      return '';
    }
  }

  private classifyTransport(outer: AbortSignal, timeout: AbortSignal): TransportFailure {
    if (outer.aborted) return { kind: 'canceled' };
    if (timeout.aborted) return { kind: 'timeout' };
    return { kind: 'network' };
  }

  transportError(failure: TransportFailure, what: string, timeoutMs: number): StudioError {
    if (failure.kind === 'canceled') return canceledError();
    if (failure.kind === 'timeout') {
      return new StudioError('timeout', `${this.provider} did not answer ${what} within ${secondsText(timeoutMs)}`, {
        retryable: true,
      });
    }
    return new StudioError('provider_unavailable', `could not reach ${this.provider} for ${what} (network error)`, {
      retryable: true,
    });
  }

  /** Map a non-2xx reply to a StudioError with a safe message. */
  errorFor(reply: Omit<ErrorReply, 'summary'>): StudioError {
    const summary = summarizeProviderError(reply.body, this.redact);
    const full: ErrorReply = { ...reply, summary };
    const special = this.opts.classifyError?.(full);
    if (special) return special;
    const { status, what, retryAfterMs } = reply;
    const said = summary ? `: ${summary}` : '';
    const p = this.provider;
    if (status === 400 || status === 422) {
      return new StudioError('invalid_input', `${p} rejected ${what} (HTTP ${status})${said}`, { status, retryable: false });
    }
    if (status === 401 || status === 403) {
      return new StudioError(
        'provider_unavailable',
        `${p} refused the credentials for ${what} (HTTP ${status}); check ${this.opts.authEnv.join(' / ')}${said}`,
        { status, retryable: false },
      );
    }
    if (status === 402) return new StudioError('quota', `${p} says the account is out of credit or quota${said}`, { status, retryable: false });
    if (status === 404) return new StudioError('not_found', `${p} could not find what ${what} asked for (HTTP 404)${said}`, { status });
    if (status === 408) return new StudioError('timeout', `${p} timed out on ${what} (HTTP 408)`, { status, retryable: true });
    if (status === 409) return new StudioError('conflict', `${p} reported a conflict on ${what}${said}`, { status });
    if (status === 413) return new StudioError('invalid_input', `${p} says the input for ${what} is too large (HTTP 413)`, { status, retryable: false });
    if (status === 429) {
      return new StudioError('rate_limited', `${p} is rate limiting ${what}${said}`, { status, retryable: true, retryAfterMs });
    }
    if (status >= 500) {
      return new StudioError('provider_unavailable', `${p} had a server error on ${what} (HTTP ${status})${said}`, {
        status,
        retryable: true,
        retryAfterMs,
      });
    }
    return new StudioError('provider_error', `${p} answered ${what} with HTTP ${status}${said}`, { status });
  }
}

/** A timeout as people read it: whole seconds from 10 s, one decimal below (a 300 ms limit is "0.3 s", not "0 s"). */
function secondsText(ms: number): string {
  const s = ms / 1000;
  return `${s >= 10 ? Math.round(s) : Math.round(s * 10) / 10} s`;
}
