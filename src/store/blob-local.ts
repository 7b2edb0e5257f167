import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  BlobExistsError,
  BlobNotFoundError,
  checkKey,
  rangeHeader,
  type BlobBackend,
  type BlobPutOptions,
  type ByteRange,
  type Materialized,
} from './blob-backend.js';

/**
 * Blobs as files under one folder (the embedded default). Every write goes through a temp file in the destination
 * folder: written, fsynced, then moved into place and the folder fsynced, so a reader sees the whole file or none
 * and a crash never leaves a half-written file under a final name. Write-once uses link(2), which refuses an
 * existing name atomically (two processes racing for one key: exactly one wins).
 */
export class LocalBlobBackend implements BlobBackend {
  readonly kind = 'local' as const;

  constructor(readonly root: string) {}

  localPath(key: string): string {
    return path.join(this.root, checkKey(key));
  }

  async put(key: string, source: string | Buffer, opts: BlobPutOptions = {}): Promise<void> {
    const dest = this.localPath(key);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      if (typeof source === 'string') {
        // A scratch file of the caller's on the same filesystem is moved, not copied (renders are large).
        if (!(opts.move && (await rename(source, tmp)))) await fsp.copyFile(source, tmp);
        await fsyncFile(tmp);
      } else {
        const fh = await fsp.open(tmp, 'w');
        try {
          await fh.writeFile(source);
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
      if (opts.onlyIfAbsent) await linkOnce(tmp, dest, key);
      else await fsp.rename(tmp, dest);
      await syncDir(path.dirname(dest));
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  async openRead(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.localPath(key);
    if (range) rangeHeader(range); // the same validation as the S3 backend
    const fh = await fsp.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' || err.code === 'EISDIR' ? new BlobNotFoundError(key) : err;
    });
    return fh.createReadStream(range ? { start: range.start, ...(range.end !== undefined ? { end: range.end } : {}) } : {});
  }

  async exists(key: string): Promise<boolean> {
    const st = await fsp.stat(this.localPath(key)).catch(() => undefined);
    return !!st?.isFile();
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.localPath(key), { force: true });
  }

  async materialize(key: string): Promise<Materialized> {
    const file = this.localPath(key);
    if (!(await this.exists(key))) throw new BlobNotFoundError(key);
    return { path: file, release: async () => {} };
  }

  async presignGet(): Promise<null> {
    return null;
  }
}

/** Rename unless source and destination are on different filesystems (then the caller copies). */
async function rename(from: string, to: string): Promise<boolean> {
  try {
    await fsp.rename(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EXDEV') return false;
    throw err;
  }
}

/** Give `tmp` the name `dest` only if nothing has it; falls back to check-then-rename where hard links are refused. */
async function linkOnce(tmp: string, dest: string, key: string): Promise<void> {
  try {
    await fsp.link(tmp, dest);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new BlobExistsError(key);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  }
  if (fs.existsSync(dest)) throw new BlobExistsError(key);
  await fsp.rename(tmp, dest);
}

async function fsyncFile(p: string): Promise<void> {
  const fh = await fsp.open(p, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await fsp.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}
