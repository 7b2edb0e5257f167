import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { mimeForExtension } from '../media/mime.js';
import { tempDir } from '../temp.js';
import { BlobExistsError, keyOfPath, type BlobBackend, type Materialized } from './blob-backend.js';
import { LocalBlobBackend } from './blob-local.js';

/**
 * Files of the studio, by key (`media/video/<sha256>.mp4`, `previews/…`), on a backend: the studio folder itself
 * (the embedded default) or an S3-compatible bucket (STUDIO_S3_BUCKET). Every write is atomic and media are
 * written once. Scratch (`tmp/`) is always local: ffmpeg works on local files, and a stored file is made local for
 * it with `withFile`/`withFiles` (on local storage that is the file itself, at no cost).
 *
 * `abs(key)` is the name of a stored file in the studio folder. On local storage it is the file; on object storage
 * it is only a name, which `localize` (inside withFiles) turns into a real scratch copy.
 */
export class BlobStore {
  readonly backend: BlobBackend;
  /** The studio folder as a blob store: the store itself on local storage, a cache of derived files otherwise. */
  private readonly local: LocalBlobBackend;

  constructor(
    readonly home: string,
    backend?: BlobBackend,
  ) {
    this.local = new LocalBlobBackend(home);
    this.backend = backend ?? this.local;
    const dirs = this.backend.kind === 'local' ? ['media/video', 'media/image', 'media/voice', 'renders', 'tmp'] : ['tmp'];
    for (const d of dirs) fs.mkdirSync(path.join(home, d), { recursive: true });
  }

  abs(rel: string): string {
    return path.join(this.home, rel);
  }

  /** A fresh scratch path under the studio's tmp folder (same filesystem, so renames are atomic). */
  tempPath(ext: string): string {
    return path.join(this.home, 'tmp', `${Date.now()}-${randomBytes(6).toString('hex')}${ext.startsWith('.') || ext === '' ? ext : '.' + ext}`);
  }

  /** A fresh scratch folder under the studio's tmp folder (for a job's work dir). */
  async tempDir(prefix: string): Promise<string> {
    return (await tempDir(`${prefix}-`, path.join(this.home, 'tmp'))).dir;
  }

  /** Store a finished temp file under `rel` (the temp file is consumed); refuses to overwrite: nothing is ever overwritten. */
  async commitFile(tmp: string, rel: string): Promise<void> {
    await this.backend.put(rel, tmp, { onlyIfAbsent: true, move: true, ...contentType(rel) });
  }

  /**
   * Store a temp file under a content-addressed key (its sha256 is in the name): a key that exists already holds
   * these very bytes, so finding it there is success, not a conflict.
   */
  async commitContent(tmp: string, rel: string): Promise<void> {
    try {
      await this.commitFile(tmp, rel);
    } catch (err) {
      if (!(err instanceof BlobExistsError)) throw err;
      await this.remove(tmp);
    }
  }

  /** Keep a derived file (a preview) in the studio folder only: on object storage, a cache of this machine's. */
  async commitLocal(tmp: string, rel: string): Promise<void> {
    await this.local.put(rel, tmp, { onlyIfAbsent: true, move: true });
  }

  /** Write bytes atomically to `rel` (sidecars may be rewritten: they are derived from the database). */
  async writeAtomic(rel: string, data: string | Buffer): Promise<void> {
    await this.backend.put(rel, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, contentType(rel));
  }

  exists(rel: string): Promise<boolean> {
    return this.backend.exists(rel);
  }

  /**
   * Whether a stored file is there, where that can be told without a round trip: on local storage, the file; on
   * object storage true (rows are written after their objects, and a missing object fails with its key when it is
   * made local for ffmpeg).
   */
  present(rel: string): boolean {
    const file = this.backend.localPath(rel);
    return file === undefined || fs.existsSync(file);
  }

  /** A local file with the stored bytes of `rel`; `release` when done (a no-op on local storage). */
  materialize(rel: string): Promise<Materialized> {
    return this.backend.materialize(rel);
  }

  /**
   * How a client reads stored `rel` where it runs: on local storage the file's path (no url: the client shares
   * this machine's files, or has none of them); on object storage the object's `s3://bucket/key` (honest about
   * where the bytes are, and usable with the bucket's own credentials) and a presigned GET URL for everyone else.
   */
  async clientRef(rel: string): Promise<{ path: string; url?: string }> {
    const remote = await this.backend.remote?.(rel);
    return remote ? { path: remote.uri, url: remote.url } : { path: this.abs(rel) };
  }

  /**
   * A local file with the bytes of stored `rel`, for readers that need a path (binary resources): on local storage
   * the file itself; on object storage a copy kept in the studio folder under `cacheRel` (stored files never change).
   */
  async localCopy(rel: string, cacheRel: string): Promise<string> {
    if (this.backend.kind === 'local') return this.abs(rel);
    const file = this.abs(cacheRel);
    if (fs.existsSync(file)) return file;
    const tmp = this.tempPath(path.posix.extname(rel));
    const copy = await this.backend.materialize(rel, { to: tmp });
    try {
      await this.commitLocal(tmp, cacheRel);
    } catch (err) {
      // Another reader cached it first: the same bytes.
      if (!(err instanceof BlobExistsError)) throw err;
    } finally {
      await copy.release();
    }
    return file;
  }

  /** A URL that reads `rel` for `ttlSeconds`, where the backend has them (object storage); else null. */
  presignGet(rel: string, ttlSeconds: number): Promise<string | null> {
    return this.backend.presignGet(rel, ttlSeconds);
  }

  /** Run `fn` with `file` (a name from abs(), or any other path) as a real local file; a scratch copy is removed after. */
  withFile<T>(file: string, fn: (local: string) => Promise<T>): Promise<T> {
    return this.withFiles(async (files) => {
      const local = files.localize(file);
      await files.ready();
      return fn(local);
    });
  }

  /** A lease that makes stored files local for ffmpeg: localize names, await ready(), and release() when done. */
  lease(): BlobLease {
    return new BlobLease(this);
  }

  /** Run `fn` with a lease that makes stored files local (localize each name, then await ready()); released after. */
  async withFiles<T>(fn: (files: BlobLease) => Promise<T>): Promise<T> {
    const lease = this.lease();
    try {
      return await fn(lease);
    } finally {
      await lease.release();
    }
  }

  /**
   * Delete scratch entries older than `olderThanMs` left by processes that died mid-write. Only old ones: another
   * process sharing the folder may be writing a fresh one right now.
   */
  sweepTmp(olderThanMs: number): number {
    const dir = path.join(this.home, 'tmp');
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      try {
        if (fs.statSync(p).mtimeMs < cutoff) {
          fs.rmSync(p, { recursive: true, force: true });
          removed++;
        }
      } catch {
        // Gone already (another process swept it).
      }
    }
    return removed;
  }

  async remove(p: string): Promise<void> {
    await fsp.rm(p, { force: true, recursive: true });
  }
}

/**
 * Stored files made local for one ffmpeg run. `localize(name)` answers at once (so paths can go into a render spec
 * synchronously); `ready()` downloads what object storage holds; `release()` deletes the downloads. Names outside
 * the store (scratch under tmp/, the caller's own files) pass through unchanged, as does everything on local storage.
 */
export class BlobLease {
  private readonly wanted = new Map<string, string>();
  private readonly fetched = new Set<string>();
  private dir: string | undefined;

  constructor(private readonly blobs: BlobStore) {}

  localize(file: string): string {
    if (this.blobs.backend.kind === 'local') return file;
    const key = keyOfPath(this.blobs.home, file);
    if (!key || key.startsWith('tmp/')) return file;
    let local = this.wanted.get(key);
    if (!local) {
      this.dir ??= this.blobs.tempPath('-lease');
      local = path.join(this.dir, key);
      this.wanted.set(key, local);
    }
    return local;
  }

  async ready(): Promise<void> {
    for (const [key, local] of this.wanted) {
      if (this.fetched.has(key)) continue;
      await this.blobs.backend.materialize(key, { to: local });
      this.fetched.add(key);
    }
  }

  async release(): Promise<void> {
    if (this.dir) await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

/** The Content-Type an object of this key is stored with (also by `studio-mcp migrate`). */
export function contentType(rel: string): { contentType?: string } {
  const mime = mimeForExtension(path.extname(rel)) ?? (rel.endsWith('.json') ? 'application/json' : undefined);
  return mime ? { contentType: mime } : {};
}

export async function sha256File(p: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(p)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
