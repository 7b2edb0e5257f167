import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * The temp-file helpers of the studio, in one place: a private temp folder (for ffmpeg's text files and
 * intermediates, and a job's work dir), and the temp-file-then-rename pattern by which a final file is either
 * complete or absent.
 */

export interface TempDir {
  dir: string;
  /** A path inside the folder; with `content`, the file is written (UTF-8) first. */
  file: (name: string, content?: string) => Promise<string>;
  /** Remove the folder and everything in it. */
  dispose: () => Promise<void>;
}

/**
 * A fresh private folder `<parent>/<prefix>XXXXXX`. The parent defaults to the OS temp folder; the studio passes
 * its own `tmp/` (same filesystem as its files, and swept of what a dead process left).
 */
export async function tempDir(prefix = 'studio-', parent = os.tmpdir()): Promise<TempDir> {
  const dir = await mkdtemp(path.join(parent, prefix));
  return {
    dir,
    file: async (name, content) => {
      const p = path.join(dir, name);
      if (content !== undefined) await writeFile(p, content, 'utf8');
      return p;
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Write `finalPath` through a sibling temp file: `write` fills the temp path, which is then renamed into place; on
 * any failure (or cancellation) the temp file is removed, so `finalPath` is either complete or absent.
 */
export async function writeThroughTemp<T>(finalPath: string, ext: string, write: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = siblingTemp(finalPath, ext);
  try {
    const result = await write(tmp);
    await rename(tmp, finalPath);
    return result;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** A temp path beside `finalPath` (same filesystem, so the caller's rename is atomic). */
export function siblingTemp(finalPath: string, ext = path.extname(finalPath)): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return path.join(path.dirname(path.resolve(finalPath)), `.${path.basename(finalPath)}.${process.pid}.${rand}.tmp${ext}`);
}
