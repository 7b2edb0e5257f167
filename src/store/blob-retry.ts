import type { Readable } from 'node:stream';
import { StudioError } from '../errors.js';
import type { BlobBackend, BlobPutOptions, ByteRange, Materialized } from './blob-backend.js';

/** A failure the backend marks retryable (5xx, 429, no answer). */
function marked(err: unknown): boolean {
  return err instanceof StudioError && err.details.retryable === true;
}

/** A body that broke off midway (the connection reset or closed early): the download as a whole can be tried again. */
function brokenConnection(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ERR_STREAM_PREMATURE_CLOSE'].includes(code);
}

/** How long a write or read keeps trying while object storage fails (STUDIO_S3_RETRY_SECONDS overrides it). */
export const BLOB_RETRY_MS = 60_000;

/**
 * Object storage calls that ride out the service failing for a while (a restart, a 503 storm): the SDK's own
 * retries end after about a second, so a provider output already paid for would be lost to a short outage, and a
 * render would fail on a blip while fetching its clips. `put`, `exists`, opening a read and `materialize` are tried
 * again with backoff, for up to `retryMs`, when the failure is one the backend marks retryable (5xx, 429, a broken
 * connection; for a download, a body cut off midway too); any other error (403, a key that exists, a missing key)
 * goes to the caller at once.
 *
 * Sending a put again is safe: an unconditional put (a sidecar) rewrites the same bytes; a write-once put whose
 * first try did land is refused the second time with BlobExistsError, which callers of content-addressed keys
 * take as success. Its source file is consumed only when a try succeeds, so every try has it. Reads change
 * nothing; a stream already handed to its reader that breaks later is the reader's to handle.
 */
export class RetryingBlobBackend implements BlobBackend {
  readonly kind: BlobBackend['kind'];
  /** Present exactly when the wrapped backend has it (object storage): callers test for it. */
  readonly remote?: (key: string) => Promise<{ uri: string; url: string }>;

  constructor(
    private readonly inner: BlobBackend,
    private readonly retryMs: number = BLOB_RETRY_MS,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.kind = inner.kind;
    const remote = inner.remote?.bind(inner);
    if (remote) this.remote = remote;
  }

  async put(key: string, source: string | Buffer, opts?: BlobPutOptions): Promise<void> {
    return this.again(() => this.inner.put(key, source, opts), marked);
  }

  /** Try `op` again with backoff while its failure is `retryable`, for up to retryMs; then the last error. */
  private async again<T>(op: () => Promise<T>, retryable: (err: unknown) => boolean): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    for (let delay = 250; ; delay = Math.min(2_000, delay * 2)) {
      try {
        return await op();
      } catch (err) {
        if (!retryable(err) || Date.now() + delay > deadline) throw err;
      }
      await this.sleep(delay);
    }
  }

  /** Opening a read is retried (a GET that failed sent nothing back); a stream that breaks later is the reader's. */
  openRead(key: string, range?: ByteRange): Promise<Readable> {
    return this.again(() => this.inner.openRead(key, range), marked);
  }

  exists(key: string): Promise<boolean> {
    return this.again(() => this.inner.exists(key), marked);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  /** A whole download again when it failed, midway included: each try writes its file afresh. */
  materialize(key: string, opts?: { to?: string }): Promise<Materialized> {
    return this.again(
      () => this.inner.materialize(key, opts),
      (err) => marked(err) || brokenConnection(err),
    );
  }

  presignGet(key: string, ttlSeconds: number): Promise<string | null> {
    return this.inner.presignGet(key, ttlSeconds);
  }

  localPath(key: string): string | undefined {
    return this.inner.localPath(key);
  }
}
