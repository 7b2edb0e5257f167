import { readFile } from 'node:fs/promises';
import { redact, type StudioConfig } from '../config.js';
import { StudioError } from '../errors.js';
import { knownExtension, mimeForExtension } from '../media/mime.js';
import { DEFAULT_DOWNLOAD_TIMEOUT_MS, DEFAULT_MAX_DOWNLOAD_BYTES, downloadToFile, writeBytes } from './download.js';
import { type ErrorReply, type HttpIo, ProviderHttp, type RetryPolicy } from './http.js';
import type { Redactor } from './safe-message.js';
import type { AdapterContext, Availability, MediaInput, ProviderOutput } from './types.js';
import { type HostLookup, outputHostsFromEnv, UrlGuard } from './url-guard.js';

/** What every real adapter can be given besides the config; all optional, all for tests or tuning. */
export interface AdapterDeps {
  /** Used for every call instead of `ctx.fetch` when given. */
  fetch?: typeof fetch;
  /** DNS lookup used by the URL guard. */
  lookup?: HostLookup;
  /** Overrides every adapter's polling cadence (STUDIO_POLL_INTERVAL_MS). */
  pollIntervalMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout for API calls (ms). */
  timeoutMs?: number;
  /** Allowed output hosts (default: the documented ones plus STUDIO_OUTPUT_HOSTS). */
  outputHosts?: readonly string[];
  maxDownloadBytes?: number;
  downloadTimeoutMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Environment for the few settings that are not in StudioConfig (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The fetch + signal an adapter call uses. */
export function ioOf(ctx: AdapterContext, deps: AdapterDeps): HttpIo {
  return { fetch: deps.fetch ?? ctx.fetch, signal: ctx.signal, ...(ctx.queueBacksOff ? { queueBacksOff: true } : {}) };
}

export function redactorFor(config: StudioConfig): Redactor {
  return (text) => redact(text, config);
}

/** A URL guard that trusts exactly the given configured base URLs. */
export function guardFor(deps: AdapterDeps, trustedBaseUrls: ReadonlyArray<string | undefined>): UrlGuard {
  return new UrlGuard({
    trustedBaseUrls,
    allowedHosts: deps.outputHosts ?? outputHostsFromEnv(deps.env ?? process.env),
    lookup: deps.lookup,
  });
}

export function httpFor(
  provider: string,
  authEnv: readonly string[],
  config: StudioConfig,
  deps: AdapterDeps,
  classifyError?: (reply: ErrorReply) => StudioError | undefined,
): ProviderHttp {
  return new ProviderHttp({
    provider,
    authEnv,
    redact: redactorFor(config),
    retry: deps.retry,
    timeoutMs: deps.timeoutMs,
    classifyError,
    sleep: deps.sleep,
    random: deps.random,
  });
}

/** The error for a call made without its credentials (availability() says the same without throwing). */
export function missingCredentials(provider: string, env: readonly string[]): StudioError {
  return new StudioError('provider_unavailable', `${provider} is not configured: set ${env.join(' or ')}`, { retryable: false });
}

/** Strip trailing slashes so `${base}/path` never doubles them. */
export function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Guess a MIME type from a URL's file extension. */
export function mimeFromUrl(url: string): string | undefined {
  try {
    const ext = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
    return ext ? mimeForExtension(ext) : undefined;
  } catch {
    return undefined;
  }
}

/** A neutral upload file name: the media id plus an extension (local file names never leave the machine). */
export function uploadName(media: MediaInput): string {
  const ext = knownExtension(media.mime) ?? /\.[a-z0-9]+$/i.exec(media.path)?.[0] ?? '.bin';
  return `${media.mediaId.replace(/[^A-Za-z0-9_-]/g, '_')}${ext}`;
}

export async function readMedia(media: MediaInput): Promise<Buffer> {
  try {
    return await readFile(media.path);
  } catch {
    throw new StudioError('not_found', `the file of media '${media.mediaId}' cannot be read`, { retryable: false });
  }
}

/** A Blob of a media file, for multipart uploads. */
export async function mediaBlob(media: MediaInput): Promise<Blob> {
  return new Blob([await readMedia(media)], { type: media.mime });
}

export interface OutputDownloader {
  http: ProviderHttp;
  guard: UrlGuard;
  deps: AdapterDeps;
  /** Headers to send when the URL is on the provider's own API origin (e.g. an auth header). */
  sameOriginHeaders?: Record<string, string>;
  apiBaseUrl: string;
}

/** Download a `url` output through the guard; auth headers only go to the provider's own API origin. */
export async function downloadUrlOutput(
  d: OutputDownloader,
  output: Extract<ProviderOutput, { kind: 'url' }>,
  destPath: string,
  ctx: AdapterContext,
  fallbackMime: string,
): Promise<{ mime: string }> {
  let sameOrigin = false;
  try {
    sameOrigin = new URL(output.url).origin === new URL(d.apiBaseUrl).origin;
  } catch {
    sameOrigin = false;
  }
  const got = await downloadToFile(
    {
      url: output.url,
      destPath,
      headers: sameOrigin ? d.sameOriginHeaders : undefined,
      maxBytes: d.deps.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES,
      timeoutMs: d.deps.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
    },
    { http: d.http, guard: d.guard, io: ioOf(ctx, d.deps) },
  );
  const sniffed = got.mime && got.mime !== 'application/octet-stream' && got.mime !== 'binary/octet-stream' ? got.mime : undefined;
  return { mime: output.mime ?? sniffed ?? mimeFromUrl(output.url) ?? fallbackMime };
}

/**
 * Collect URL strings (`scheme://…`) from a provider output value (a string, an array, or an object of them).
 * Every scheme is taken, not only http(s): a `file:` or `gopher:` output is refused by the URL guard with its
 * reason rather than silently read as "no output".
 */
export function collectUrls(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectUrls(v, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) collectUrls(v, out);
  }
  return out;
}

/** Collect base64 `data:` URIs from a provider output value (some models inline small files). */
export function collectDataUris(value: unknown, out: Array<{ data: Buffer; mime: string }> = []): Array<{ data: Buffer; mime: string }> {
  if (typeof value === 'string') {
    const m = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?(?:;[^,;]*)*;base64,(.*)$/is.exec(value);
    if (m?.[2] !== undefined) out.push({ data: Buffer.from(m[2], 'base64'), mime: m[1] ?? 'application/octet-stream' });
  } else if (Array.isArray(value)) {
    for (const v of value) collectDataUris(v, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) collectDataUris(v, out);
  }
  return out;
}

/** Words providers use when a refusal is about content safety. */
export const SAFETY_WORDS = /\b(nsfw|safety|unsafe|sensitive|moderation|moderated|flagged|content policy|inappropriate|prohibited|responsible ai|rai)\b/i;

/**
 * Save an output of the two kinds the URL-returning providers produce: inline bytes (a `data:` URI output) are
 * written as they are; a URL is downloaded through the guard.
 */
export async function downloadBytesOrUrl(
  provider: string,
  d: OutputDownloader,
  output: ProviderOutput,
  destPath: string,
  ctx: AdapterContext,
  fallbackMime: string,
): Promise<{ mime: string }> {
  if (output.kind === 'bytes') {
    await writeBytes(destPath, output.data, d.deps.maxDownloadBytes);
    return { mime: output.mime };
  }
  if (output.kind !== 'url') throw new StudioError('internal', `${provider} cannot download a '${output.kind}' output`);
  return downloadUrlOutput(d, output, destPath, ctx, fallbackMime);
}

/** Availability of a provider that needs one key: available when it is set, else the variable to set. */
export function keyAvailability(key: string | undefined, reason: string, env: readonly string[]): Availability {
  return key ? { available: true } : { available: false, reason, env: [...env] };
}
