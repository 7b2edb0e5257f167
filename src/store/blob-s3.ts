import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { StudioError } from '../errors.js';
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

export interface S3BlobOptions {
  bucket: string;
  /** Prepended to every key (`studio1/`), so several studios may share a bucket. */
  prefix?: string;
  /** Endpoint, region, path-style: the SDK's own settings; unset values come from the standard AWS_* variables. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** Explicit keys (tests); by default the SDK's provider chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles…). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Where materialize downloads to (the studio's tmp folder: swept of what a dead process left). */
  scratchDir: string;
  /** Files at least this big go up in parts (8 MiB parts, 4 at a time). */
  multipartThreshold?: number;
  /** How long the URLs handed to clients (remote) stay valid: STUDIO_S3_URL_TTL, default 3600 s. */
  urlTtlSeconds?: number;
}

export const DEFAULT_URL_TTL_SECONDS = 3600;

const PART_SIZE = 8 * 1024 * 1024;

interface Sdk {
  client: S3Client;
  s3: typeof import('@aws-sdk/client-s3');
  Upload: typeof import('@aws-sdk/lib-storage').Upload;
  getSignedUrl: typeof import('@aws-sdk/s3-request-presigner').getSignedUrl;
}

/**
 * Blobs as objects in an S3-compatible bucket (AWS, Ceph RGW, …). Write-once is `If-None-Match: *` (the service
 * answers 412 to the second writer, mapped to BlobExistsError); big files go up as a multipart upload, which the
 * service makes visible only when complete. Error messages name the operation, bucket and key, never a credential.
 */
export class S3BlobBackend implements BlobBackend {
  readonly kind = 's3' as const;
  private sdk: Promise<Sdk> | undefined;
  private readonly prefix: string;
  private readonly threshold: number;

  constructor(private readonly opts: S3BlobOptions) {
    this.prefix = opts.prefix ? opts.prefix.replace(/\/*$/, '/') : '';
    this.threshold = opts.multipartThreshold ?? PART_SIZE;
  }

  /** The SDK is loaded on first use: the embedded default (no bucket) never pays for loading it. */
  private load(): Promise<Sdk> {
    this.sdk ??= (async () => {
      const [s3, storage, presigner] = await Promise.all([
        import('@aws-sdk/client-s3'),
        import('@aws-sdk/lib-storage'),
        import('@aws-sdk/s3-request-presigner'),
      ]);
      const { opts } = this;
      const client = new s3.S3Client({
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
        ...(opts.region ? { region: opts.region } : {}),
        ...(opts.forcePathStyle !== undefined ? { forcePathStyle: opts.forcePathStyle } : {}),
        ...(opts.credentials ? { credentials: opts.credentials } : {}),
        // RGW 16 (and other S3-compatibles) do not know the newer default CRC32 checksums: only where an operation needs one.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      return { client, s3, Upload: storage.Upload, getSignedUrl: presigner.getSignedUrl };
    })();
    return this.sdk;
  }

  localPath(): undefined {
    return undefined;
  }

  private objectKey(key: string): string {
    return this.prefix + checkKey(key);
  }

  async put(key: string, source: string | Buffer, opts: BlobPutOptions = {}): Promise<void> {
    const Key = this.objectKey(key);
    const base = {
      Bucket: this.opts.bucket,
      Key,
      ...(opts.contentType ? { ContentType: opts.contentType } : {}),
      ...(opts.onlyIfAbsent ? { IfNoneMatch: '*' } : {}),
    };
    const size = typeof source === 'string' ? (await fsp.stat(source)).size : source.length;
    const { client, s3, Upload } = await this.load();
    try {
      if (size >= this.threshold) {
        // RGW 16 does not check If-None-Match on CompleteMultipartUpload (AWS does): look first, so the common case
        // (a key written twice in sequence) is still refused; the upload itself carries the condition for services that check it.
        if (opts.onlyIfAbsent && (await this.exists(key))) throw new BlobExistsError(key);
        const body = typeof source === 'string' ? fs.createReadStream(source) : source;
        await new Upload({ client, params: { ...base, Body: body }, partSize: PART_SIZE, queueSize: 4, leavePartsOnError: false }).done();
      } else {
        const body = typeof source === 'string' ? await fsp.readFile(source) : source;
        await client.send(new s3.PutObjectCommand({ ...base, Body: body, ContentLength: body.length }));
      }
    } catch (err) {
      if (err instanceof StudioError) throw err;
      if (status(err) === 412) throw new BlobExistsError(key);
      throw this.failure('upload', key, err);
    }
    if (opts.move && typeof source === 'string') await fsp.rm(source, { force: true });
  }

  async openRead(key: string, range?: ByteRange): Promise<Readable> {
    const { client, s3 } = await this.load();
    try {
      const out = await client.send(
        new s3.GetObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key), ...(range ? { Range: rangeHeader(range) } : {}) }),
      );
      if (!(out.Body instanceof Readable)) throw new StudioError('internal', `S3 read of '${key}' returned no stream`);
      return out.Body;
    } catch (err) {
      if (err instanceof StudioError) throw err;
      if (status(err) === 404) throw new BlobNotFoundError(key);
      throw this.failure('read', key, err);
    }
  }

  async exists(key: string): Promise<boolean> {
    const { client, s3 } = await this.load();
    try {
      await client.send(new s3.HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (err) {
      if (status(err) === 404) return false;
      throw this.failure('check', key, err);
    }
  }

  async delete(key: string): Promise<void> {
    const { client, s3 } = await this.load();
    try {
      await client.send(new s3.DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      if (status(err) === 404) return;
      throw this.failure('delete', key, err);
    }
  }

  async materialize(key: string, opts: { to?: string } = {}): Promise<Materialized> {
    const file = opts.to ?? path.join(this.opts.scratchDir, `blob-${Date.now()}-${randomBytes(6).toString('hex')}${path.posix.extname(key)}`);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const release = async (): Promise<void> => fsp.rm(file, { force: true });
    try {
      await pipeline(await this.openRead(key), fs.createWriteStream(file, { flags: 'wx' }));
    } catch (err) {
      await release();
      throw err;
    }
    return { path: file, release };
  }

  async remote(key: string): Promise<{ uri: string; url: string }> {
    return {
      uri: `s3://${this.opts.bucket}/${this.objectKey(key)}`,
      url: await this.presignGet(key, this.opts.urlTtlSeconds ?? DEFAULT_URL_TTL_SECONDS),
    };
  }

  async presignGet(key: string, ttlSeconds: number): Promise<string> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 7 * 24 * 3600) {
      throw new StudioError('internal', `presign TTL must be 1 s to 7 days, got ${ttlSeconds}`);
    }
    const { client, s3, getSignedUrl } = await this.load();
    return getSignedUrl(client, new s3.GetObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }), { expiresIn: ttlSeconds });
  }

  /**
   * A safe error for a failed call: the operation, bucket, key, the service's error name and HTTP status. The
   * service's own message is left out (some services echo request details such as the string to sign).
   */
  private failure(op: string, key: string, err: unknown): StudioError {
    const code = status(err);
    const name = err instanceof Error ? err.name : 'error';
    const hint = code === 403 ? ' (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket policy)' : '';
    return new StudioError(
      'provider_unavailable',
      `object storage: ${op} of '${key}' in bucket '${this.opts.bucket}' failed: ${name}${code ? ` (HTTP ${code})` : ''}${hint}`,
      { retryable: code === undefined || code >= 500 || code === 429, ...(code ? { status: code } : {}) },
    );
  }
}

function status(err: unknown): number | undefined {
  const meta = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'NoSuchKey' || name === 'NotFound') return 404;
  if (name === 'PreconditionFailed') return 412;
  return meta?.httpStatusCode;
}
