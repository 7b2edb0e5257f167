import { describe, expect, it } from 'vitest';
import { loadConfig, redact } from '../../src/config.js';
import { openBlobBackend } from '../../src/store/blob-open.js';
import { BlobStore } from '../../src/store/blobs.js';

const SECRET = 'rgw-secret-0123456789abcdef';

describe('S3 settings', () => {
  it('are unset without STUDIO_S3_BUCKET: files stay in the studio folder', () => {
    const config = loadConfig({ STUDIO_HOME: '/tmp/studio-cfg', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' }, '/');
    expect(config.s3).toBeUndefined();
    expect(openBlobBackend(config)).toBeUndefined();
  });

  it('come from STUDIO_S3_* and the standard AWS_* variables; the secret key is only in secrets (for redaction)', () => {
    const env = {
      STUDIO_HOME: '/tmp/studio-cfg',
      STUDIO_S3_BUCKET: 'films',
      STUDIO_S3_PREFIX: 'team-a',
      STUDIO_S3_FORCE_PATH_STYLE: '1',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      AWS_ACCESS_KEY_ID: 'STUDIOKEYID',
      AWS_SECRET_ACCESS_KEY: SECRET,
    };
    const config = loadConfig(env, '/');
    expect(config.s3).toEqual({
      bucket: 'films',
      prefix: 'team-a',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      forcePathStyle: true,
      urlTtlSeconds: 3600,
    });
    const { secrets, ...rest } = config;
    expect(JSON.stringify(rest)).not.toContain(SECRET);
    expect(secrets.awsSecretAccessKey).toBe(SECRET);
    expect(redact(`signing with ${SECRET} failed`, config)).toBe('signing with [redacted] failed');
    expect(openBlobBackend(config)?.kind).toBe('s3');
    expect(loadConfig({ ...env, AWS_REGION: 'eu-west-1', STUDIO_S3_FORCE_PATH_STYLE: '' }, '/').s3).toMatchObject({
      region: 'eu-west-1',
      forcePathStyle: false,
    });
    // STUDIO_S3_URL_TTL: seconds, brought inside what S3 accepts for a presigned URL (1 s to 7 days).
    const ttl = (v: string): number | undefined => loadConfig({ ...env, STUDIO_S3_URL_TTL: v }, '/').s3?.urlTtlSeconds;
    expect([ttl('600'), ttl('0'), ttl('9999999'), ttl('soon')]).toEqual([600, 1, 604800, 3600]);
  });

  it('on S3 the studio folder holds only scratch: no media folders are made', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'blob-cfg-'));
    try {
      const config = loadConfig({ STUDIO_HOME: home, STUDIO_S3_BUCKET: 'films' }, '/');
      const store = new BlobStore(home, openBlobBackend(config));
      expect(fs.readdirSync(home)).toEqual(['tmp']);
      // Without a round trip a stored file counts as present on S3 (rows follow their objects).
      expect(store.present('media/video/abc.mp4')).toBe(true);
      const local = new BlobStore(path.join(home, 'local'));
      expect(fs.readdirSync(path.join(home, 'local')).sort()).toEqual(['media', 'renders', 'tmp']);
      expect(local.present('media/video/abc.mp4')).toBe(false);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
