import path from 'node:path';
import type { StudioConfig } from '../config.js';
import type { BlobBackend } from './blob-backend.js';
import { RetryingBlobBackend } from './blob-retry.js';
import { S3BlobBackend } from './blob-s3.js';

/**
 * The blob backend the configuration asks for: an S3 bucket when STUDIO_S3_BUCKET is set, else undefined (the
 * store then keeps files in the studio folder, as it always did). Keys and endpoint come from the standard AWS_*
 * variables through the SDK; nothing secret passes through here. Writes ride out the service failing for up to
 * STUDIO_S3_RETRY_SECONDS (src/store/blob-retry.ts).
 */
export function openBlobBackend(config: Pick<StudioConfig, 'home' | 's3'>): BlobBackend | undefined {
  const s3 = config.s3;
  if (!s3) return undefined;
  const backend = new S3BlobBackend({
    bucket: s3.bucket,
    ...(s3.prefix ? { prefix: s3.prefix } : {}),
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    urlTtlSeconds: s3.urlTtlSeconds,
    scratchDir: path.join(config.home, 'tmp'),
  });
  return new RetryingBlobBackend(backend, s3.retryMs);
}
