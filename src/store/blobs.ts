import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../temp.js';

/**
 * Files of the studio, behind a small interface so that object storage can take over later. Every write is atomic:
 * temp file in the same folder, fsync, rename, fsync of the folder. A reader therefore sees either no file or the
 * whole file, and a crash never leaves a half-written file under a final name.
 */
export class BlobStore {
  constructor(readonly home: string) {
    for (const d of ['media/video', 'media/image', 'media/voice', 'renders', 'tmp']) fs.mkdirSync(path.join(home, d), { recursive: true });
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

  /** Move a finished temp file into place under `rel`; refuses to overwrite (nothing is ever overwritten). */
  async commitFile(tmp: string, rel: string): Promise<void> {
    const dest = this.abs(rel);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    const fh = await fsp.open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (fs.existsSync(dest)) throw new Error(`refusing to overwrite ${rel}`);
    await fsp.rename(tmp, dest);
    await syncDir(path.dirname(dest));
  }

  /** Write bytes atomically to `rel` (sidecars may be rewritten: they are derived from the database). */
  async writeAtomic(rel: string, data: string | Buffer): Promise<void> {
    const dest = this.abs(rel);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await fsp.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, dest);
    await syncDir(path.dirname(dest));
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

async function syncDir(dir: string): Promise<void> {
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

export async function sha256File(p: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(p)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
