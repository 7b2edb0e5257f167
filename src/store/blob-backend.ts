import path from 'node:path';
import type { Readable } from 'node:stream';
import { StudioError } from '../errors.js';

/**
 * Where the studio's files live, by key (a relative POSIX path such as `media/video/<sha256>.mp4`): a local folder
 * (blob-local.ts) or an S3-compatible bucket (blob-s3.ts). Writes are atomic (a reader sees the whole object or
 * none) and, with `onlyIfAbsent`, write-once: the second writer of a key is refused with BlobExistsError.
 */
export interface BlobBackend {
  /** `local` or `s3`: for messages and for the few places that may skip a round trip on local files. */
  readonly kind: 'local' | 's3';
  /** Store `source` (a local file path, or bytes) under `key`. */
  put(key: string, source: string | Buffer, opts?: BlobPutOptions): Promise<void>;
  /** A stream of the object's bytes, or of `range` (inclusive offsets, as HTTP ranges). BlobNotFoundError if absent. */
  openRead(key: string, range?: ByteRange): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Remove the object; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A local file with the object's bytes, for ffmpeg and adapters; `release` when done. Local: the file itself
   * (release does nothing). Remote: a download into scratch (into `opts.to` if given), which release deletes.
   */
  materialize(key: string, opts?: { to?: string }): Promise<Materialized>;
  /** A URL anyone holding it may GET for `ttlSeconds`, where the backend has such URLs (S3); else null. */
  presignGet(key: string, ttlSeconds: number): Promise<string | null>;
  /**
   * Object storage: how a client elsewhere reaches the object — its `s3://bucket/key` and a presigned GET URL valid
   * for the configured time (STUDIO_S3_URL_TTL). Absent on local storage, where the file's path is the reference.
   */
  remote?(key: string): Promise<{ uri: string; url: string }>;
  /** The object's local file, where objects are local files (synchronously, without checking it exists). */
  localPath(key: string): string | undefined;
}

export interface BlobPutOptions {
  contentType?: string;
  /** Refuse (BlobExistsError) if the key exists: how media and renders are written, once. */
  onlyIfAbsent?: boolean;
  /** The source file is a scratch file of the caller's and may be consumed (renamed into place, or deleted after). */
  move?: boolean;
}

/** Inclusive byte offsets; `end` omitted = to the end of the object. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface Materialized {
  path: string;
  release(): Promise<void>;
}

/** A write-once key that already exists (S3: the 412 of `If-None-Match: *`). */
export class BlobExistsError extends StudioError {
  constructor(readonly key: string) {
    super('conflict', `refusing to overwrite '${key}': it already exists and stored files are written once`);
  }
}

export class BlobNotFoundError extends StudioError {
  constructor(readonly key: string) {
    super('not_found', `stored file '${key}' does not exist`);
  }
}

/** A key must stay inside the store: relative, POSIX separators, no `.`/`..` segments, no empty segments. */
export function checkKey(key: string): string {
  const bad =
    typeof key !== 'string' ||
    key === '' ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((seg) => seg === '' || seg === '.' || seg === '..');
  if (bad) throw new StudioError('internal', `invalid blob key '${String(key).slice(0, 200)}': a relative path without '.', '..' or empty segments`);
  return key;
}

/** The key of a path inside `home` (the local name of a blob), or undefined for paths outside it. */
export function keyOfPath(home: string, p: string): string | undefined {
  const rel = path.relative(home, p);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/** The HTTP Range header value of a range. */
export function rangeHeader(r: ByteRange): string {
  if (!Number.isInteger(r.start) || r.start < 0 || (r.end !== undefined && (!Number.isInteger(r.end) || r.end < r.start))) {
    throw new StudioError('internal', `invalid byte range ${JSON.stringify(r)}`);
  }
  return `bytes=${r.start}-${r.end ?? ''}`;
}
