import type { S3BlobOptions } from '../../src/store/blob-s3.js';

/**
 * The S3 service of a test run (scripts/services-up.sh writes these into .services/env), or why there is none.
 * Keys are passed explicitly so a test may also build a backend with wrong ones.
 */
export function s3TestSettings(env: NodeJS.ProcessEnv = process.env): {
  settings?: Omit<S3BlobOptions, 'scratchDir'> & { credentials: { accessKeyId: string; secretAccessKey: string } };
  missing?: string;
} {
  const endpoint = env['AWS_ENDPOINT_URL_S3'];
  const bucket = env['STUDIO_TEST_S3_BUCKET'];
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (!endpoint || !bucket || !accessKeyId || !secretAccessKey) {
    return { missing: 'AWS_ENDPOINT_URL_S3, STUDIO_TEST_S3_BUCKET, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not all set' };
  }
  return {
    settings: { endpoint, bucket, region: env['AWS_REGION'] ?? 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } },
  };
}
