import type { S3BlobOptions } from '../../src/store/blob-s3.js';
import { serviceUrl } from '../helpers/services.js';

/**
 * The S3 service of a test run (scripts/services-up.sh writes these into .services/env), or why there is none and
 * whether its absence is a failure (STUDIO_REQUIRE_SERVICES=1). Keys are passed explicitly so that a test may also
 * build a backend with wrong ones.
 */
export function s3TestSettings(env: NodeJS.ProcessEnv = process.env): {
  settings?: Omit<S3BlobOptions, 'scratchDir'> & { credentials: { accessKeyId: string; secretAccessKey: string } };
  missing?: string;
  required: boolean;
} {
  const service = serviceUrl('AWS_ENDPOINT_URL_S3', 'S3');
  const bucket = env['STUDIO_TEST_S3_BUCKET'];
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (!service.url || !bucket || !accessKeyId || !secretAccessKey) {
    return {
      missing: 'S3: AWS_ENDPOINT_URL_S3, STUDIO_TEST_S3_BUCKET, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not all set',
      required: service.required,
    };
  }
  return {
    settings: {
      endpoint: service.url,
      bucket,
      region: env['AWS_REGION'] ?? 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
    },
    required: service.required,
  };
}
