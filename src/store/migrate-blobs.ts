import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobBackend } from './blob-backend.js';
import { contentType, sha256File } from './blobs.js';

/**
 * The folders of a studio that hold stored files (what a blob backend holds): media with their sidecars, renders of
 * older studios, subtitles. Not the database, scratch (`tmp/`), previews (a cache every process makes itself) or
 * plan state (read from the local folder by `studio-mcp run`).
 */
export const BLOB_DIRS = ['media', 'renders', 'subtitles'] as const;

/** A content-addressed key: its file name is the sha256 of its bytes. */
const ADDRESSED = /^([0-9a-f]{64})(\.[A-Za-z0-9]+)?$/;

export interface BlobFile {
  key: string;
  file: string;
}

/** Every stored file of the studio folder `home`, by key, in key order (so runs visit them alike). */
export function listBlobs(home: string): BlobFile[] {
  const out: BlobFile[] = [];
  const walk = (rel: string): void => {
    const dir = path.join(home, rel);
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const key = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(key);
      else if (e.isFile()) out.push({ key, file: path.join(dir, e.name) });
    }
  };
  for (const d of BLOB_DIRS) walk(d);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Bytes that are not what the studio says they are (a damaged file, a damaged object). */
export class BlobHashError extends Error {
  constructor(
    readonly key: string,
    readonly expected: string,
    readonly actual: string,
    where: string,
  ) {
    super(`${where} '${key}' hashes to sha256 ${actual}, but ${expected} is expected; nothing of it was copied as good`);
    this.name = 'BlobHashError';
  }
}

/** The sha256 values a key must have: its name's (content-addressed) and the media rows' (`expect`, by key). */
export function expectedHashes(key: string, expect: ReadonlyMap<string, string>): string[] {
  const named = ADDRESSED.exec(path.posix.basename(key))?.[1];
  const recorded = expect.get(key);
  return [...(named ? [named] : []), ...(recorded && recorded !== named ? [recorded] : [])];
}

export type BlobOutcome = { status: 'copied' | 'skipped' | 'verified'; bytes: number; sha256: string };

/**
 * Check one stored file against its expected hash and, with a `target`, copy it there and read it back: a
 * content-addressed key is written once (an object already there with the right bytes is skipped; with other bytes
 * it is an error, never overwritten); a sidecar or subtitle (derived, rewritable) is replaced when it differs.
 */
export async function copyBlob(blob: BlobFile, expect: ReadonlyMap<string, string>, target: BlobBackend | undefined): Promise<BlobOutcome> {
  const source = await sha256File(blob.file);
  const wrong = expectedHashes(blob.key, expect).find((want) => want !== source.sha256);
  if (wrong) throw new BlobHashError(blob.key, wrong, source.sha256, 'the source file');
  if (!target) return { status: 'verified', ...source };
  const addressed = ADDRESSED.test(path.posix.basename(blob.key));
  if (await target.exists(blob.key)) {
    const there = await hashStream(await target.openRead(blob.key));
    if (there === source.sha256) return { status: 'skipped', ...source };
    if (addressed) throw new BlobHashError(blob.key, source.sha256, there, 'the existing target object');
  }
  await target.put(blob.key, blob.file, { onlyIfAbsent: addressed, ...contentType(blob.key) });
  const copied = await hashStream(await target.openRead(blob.key));
  if (copied !== source.sha256) throw new BlobHashError(blob.key, source.sha256, copied, 'the copied object');
  return { status: 'copied', ...source };
}

async function hashStream(r: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of r) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
