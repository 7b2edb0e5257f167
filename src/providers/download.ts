import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { StudioError } from '../errors.js';
import { canceledError, type HttpIo, type ProviderHttp } from './http.js';
import type { UrlGuard } from './url-guard.js';

/**
 * Streaming downloads of provider outputs to a temp path. The studio renames the file into the library only after
 * we return, so a download that fails half way must leave nothing at `destPath`: a truncated video that looks
 * complete is worse than an error.
 */

export const DEFAULT_MAX_DOWNLOAD_BYTES = 2 * 1024 ** 3; // 2 GiB
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 15 * 60_000;

export interface DownloadRequest {
  url: string;
  destPath: string;
  /** Headers for the first hop (dropped by the guard when a redirect leaves the origin). */
  headers?: Record<string, string>;
  maxBytes?: number;
  /** Time cap for the whole transfer of one attempt. */
  timeoutMs?: number;
  /** Retries of a transfer that broke off (each starts from zero). */
  maxRetries?: number;
}

export interface DownloadDeps {
  http: ProviderHttp;
  guard: UrlGuard;
  io: HttpIo;
}

function tooLarge(max: number): StudioError {
  return new StudioError('provider_error', `the provider output is larger than the ${Math.round(max / 1024 ** 2)} MiB download limit`, {
    retryable: false,
  });
}

/**
 * Output URLs are signed and short-lived (Replicate: 1 hour); a 401/403/404/410 on one means it expired or was
 * never ours, not that our API key is wrong, so say that instead of "check the key".
 */
function expiredOrSame(err: unknown, provider: string): unknown {
  const status = err instanceof StudioError ? err.details.status : undefined;
  if (status === 401 || status === 403 || status === 404 || status === 410) {
    return new StudioError(
      'provider_error',
      `the output file from ${provider} is no longer available (HTTP ${status}); output URLs expire, run the job again`,
      {
        status,
        retryable: false,
      },
    );
  }
  return err;
}

/** Download `req.url` through the URL guard into `req.destPath`. Returns the reply's content type, if any. */
export async function downloadToFile(req: DownloadRequest, deps: DownloadDeps): Promise<{ mime?: string; bytes: number }> {
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  const timeoutMs = req.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const maxRetries = req.maxRetries ?? 2;
  const guardedFetch = deps.guard.wrapFetch(deps.io.fetch);
  await mkdir(path.dirname(req.destPath), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await deps.http
        .send(
          { method: 'GET', url: req.url, headers: req.headers, kind: 'read', what: 'download the output', timeoutMs },
          { fetch: guardedFetch, signal: deps.io.signal },
        )
        .catch((err: unknown) => {
          throw expiredOrSame(err, deps.http.provider);
        });
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw tooLarge(maxBytes);
      }
      if (!res.body) throw new StudioError('provider_error', `${deps.http.provider} sent an empty output file`);
      const bytes = await streamBodyToFile(res.body, req.destPath, maxBytes, Number.isFinite(declared) ? declared : undefined);
      return { mime: res.headers.get('content-type')?.split(';')[0]?.trim() || undefined, bytes };
    } catch (err) {
      await rm(req.destPath, { force: true });
      if (deps.io.signal.aborted) throw canceledError();
      if (err instanceof StudioError) throw err;
      // The transfer broke after the headers (socket reset, timeout while streaming): start over, a few times.
      if (attempt < maxRetries) {
        await deps.http.backoffSleep(attempt, deps.io.signal);
        continue;
      }
      throw new StudioError('provider_unavailable', `the download from ${deps.http.provider} broke off before the file was complete`, {
        retryable: true,
      });
    }
  }
}

async function streamBodyToFile(body: ReadableStream<Uint8Array>, destPath: string, maxBytes: number, declared?: number): Promise<number> {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > maxBytes) cb(tooLarge(maxBytes));
      else cb(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), counter, createWriteStream(destPath));
  // A server that closes cleanly but early (no chunked terminator check on some paths) is caught here.
  if (declared !== undefined && seen !== declared) throw new Error('short body');
  return seen;
}

/** Write inline output bytes (base64 from a JSON reply) to `destPath`, removing it again on failure. */
export async function writeBytes(destPath: string, data: Buffer, maxBytes = DEFAULT_MAX_DOWNLOAD_BYTES): Promise<void> {
  if (data.length > maxBytes) throw tooLarge(maxBytes);
  await mkdir(path.dirname(destPath), { recursive: true });
  try {
    await writeFile(destPath, data);
  } catch (err) {
    await rm(destPath, { force: true });
    throw err;
  }
}
