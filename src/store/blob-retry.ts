import type { Readable } from 'node:stream';
import { StudioError } from '../errors.js';
import type { BlobBackend, BlobPutOptions, ByteRange, Materialized } from './blob-backend.js';

/** How long a write keeps trying while object storage fails (STUDIO_S3_RETRY_SECONDS overrides it). */
export const BLOB_WRITE_RETRY_MS = 60_000;

/**
 * Writes that ride out an object store failing for a while (a restart, a 503 storm): the SDK's own retries end
 * after about a second, so a provider output already paid for would be lost to a short outage. `put` is tried
 * again with backoff, for up to `retryMs`, when the failure is one the backend marks retryable (5xx, 429, a broken
 * connection); any other error (403, a key that exists) goes to the caller at once.
 *
 * Sending a put again is safe: an unconditional put (a sidecar) rewrites the same bytes; a write-once put whose
 * first try did land is refused the second time with BlobExistsError, which callers of content-addressed keys
 * take as success. Its source file is consumed only when a try succeeds, so every try has it. Reads are not
 * retried here: their callers fail or retry as a whole.
 */
export class RetryingBlobBackend implements BlobBackend {
  readonly kind: BlobBackend['kind'];
  /** Present exactly when the wrapped backend has it (object storage): callers test for it. */
  readonly remote?: (key: string) => Promise<{ uri: string; url: string }>;

  constructor(
    private readonly inner: BlobBackend,
    private readonly retryMs: number = BLOB_WRITE_RETRY_MS,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.kind = inner.kind;
    const remote = inner.remote?.bind(inner);
    if (remote) this.remote = remote;
  }

  async put(key: string, source: string | Buffer, opts?: BlobPutOptions): Promise<void> {
    const deadline = Date.now() + this.retryMs;
    for (let delay = 250; ; delay = Math.min(2_000, delay * 2)) {
      try {
        return await this.inner.put(key, source, opts);
      } catch (err) {
        const retryable = err instanceof StudioError && err.details.retryable === true;
        if (!retryable || Date.now() + delay > deadline) throw err;
      }
      await this.sleep(delay);
    }
  }

  openRead(key: string, range?: ByteRange): Promise<Readable> {
    return this.inner.openRead(key, range);
  }

  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  materialize(key: string, opts?: { to?: string }): Promise<Materialized> {
    return this.inner.materialize(key, opts);
  }

  presignGet(key: string, ttlSeconds: number): Promise<string | null> {
    return this.inner.presignGet(key, ttlSeconds);
  }

  localPath(key: string): string | undefined {
    return this.inner.localPath(key);
  }
}
