import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg, runFfprobe } from '../../src/media/ffmpeg.js';
import { BlobExistsError, BlobNotFoundError, type BlobBackend } from '../../src/store/blob-backend.js';
import { LocalBlobBackend } from '../../src/store/blob-local.js';
import { S3BlobBackend } from '../../src/store/blob-s3.js';
import { s3TestSettings } from './blob-s3-env.js';

/**
 * One contract for every blob backend: the local folder always, S3 (Ceph RGW from scripts/services-up.sh) when
 * AWS_ENDPOINT_URL_S3 and STUDIO_TEST_S3_BUCKET are set. Each S3 run writes under a fresh key prefix.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'blob-contract-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function text(r: Readable): Promise<string> {
  return (await bytes(r)).toString('utf8');
}
async function bytes(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Case {
  name: string;
  make: (scratch: string) => BlobBackend;
}

const s3 = s3TestSettings();
const cases: Case[] = [{ name: 'local', make: (scratch) => new LocalBlobBackend(path.join(scratch, 'root')) }];
if (s3.settings) {
  const settings = s3.settings;
  const prefix = `contract-${Date.now()}-${randomBytes(4).toString('hex')}`;
  cases.push({ name: 's3', make: (scratch) => new S3BlobBackend({ ...settings, prefix, scratchDir: scratch }) });
} else {
  describe('blob contract on S3', () => {
    // STUDIO_REQUIRE_SERVICES=1 (CI): missing services are a failure, not a skip.
    it.skipIf(!s3.required)(`${s3.missing}`, () => {
      throw new Error(`STUDIO_REQUIRE_SERVICES=1 but ${s3.missing} (run scripts/services-up.sh and source .services/env)`);
    });
  });
}

describe.each(cases)('blob contract: $name', ({ name, make }) => {
  let scratch: string;
  let blobs: BlobBackend;
  let clip: string;
  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(work, `${name}-`));
    blobs = make(scratch);
    clip = path.join(work, `${name}-clip.mp4`);
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=d=1:s=64x48:r=10', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
  });
  const scratchFiles = (): string[] => fs.readdirSync(scratch).filter((f) => f !== 'root');

  it('puts, reads whole and by range, tells existence, deletes', async () => {
    await blobs.put('a/b/hello.txt', Buffer.from('hello world'), { contentType: 'text/plain' });
    expect(await blobs.exists('a/b/hello.txt')).toBe(true);
    expect(await text(await blobs.openRead('a/b/hello.txt'))).toBe('hello world');
    expect(await text(await blobs.openRead('a/b/hello.txt', { start: 6, end: 10 }))).toBe('world');
    expect(await text(await blobs.openRead('a/b/hello.txt', { start: 0, end: 0 }))).toBe('h');
    expect(await text(await blobs.openRead('a/b/hello.txt', { start: 6 }))).toBe('world');
    await blobs.delete('a/b/hello.txt');
    expect(await blobs.exists('a/b/hello.txt')).toBe(false);
    await expect(blobs.openRead('a/b/hello.txt')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(blobs.openRead('a/b/hello.txt')).rejects.toMatchObject({ code: 'not_found', message: "stored file 'a/b/hello.txt' does not exist" });
    await blobs.delete('a/b/never-there.txt'); // deleting a missing object is not an error
    expect(await blobs.exists('a/b/never-there.txt')).toBe(false);
  });

  it('writes once: a second put of the key is refused and the first bytes stay; plain puts replace (sidecars)', async () => {
    await blobs.put('once/x.json', Buffer.from('{"v":1}'), { onlyIfAbsent: true });
    const second = blobs.put('once/x.json', Buffer.from('{"v":2}'), { onlyIfAbsent: true });
    await expect(second).rejects.toBeInstanceOf(BlobExistsError);
    await expect(second).rejects.toMatchObject({
      code: 'conflict',
      message: "refusing to overwrite 'once/x.json': it already exists and stored files are written once",
    });
    expect(await text(await blobs.openRead('once/x.json'))).toBe('{"v":1}');
    await blobs.put('once/x.json', Buffer.from('{"v":3}'));
    expect(await text(await blobs.openRead('once/x.json'))).toBe('{"v":3}');
  });

  it('puts a file, consuming it when asked to move it', async () => {
    const src = path.join(work, `${name}-move.bin`);
    fs.writeFileSync(src, 'moved bytes');
    await blobs.put('moved/m.bin', src, { onlyIfAbsent: true, move: true });
    expect(fs.existsSync(src)).toBe(false);
    expect(await text(await blobs.openRead('moved/m.bin'))).toBe('moved bytes');
    const kept = path.join(work, `${name}-copy.bin`);
    fs.writeFileSync(kept, 'copied bytes');
    await blobs.put('moved/c.bin', kept);
    expect(fs.readFileSync(kept, 'utf8')).toBe('copied bytes');
  });

  it('stores 20 MiB from a file (multipart on S3) byte for byte, once', async () => {
    const big = randomBytes(20 * 1024 * 1024);
    const src = path.join(work, `${name}-big.bin`);
    fs.writeFileSync(src, big);
    await blobs.put('big/20mib.bin', src, { onlyIfAbsent: true, contentType: 'application/octet-stream' });
    expect(sha(await bytes(await blobs.openRead('big/20mib.bin')))).toBe(sha(big));
    const tail = await bytes(await blobs.openRead('big/20mib.bin', { start: big.length - 16 }));
    expect(tail.equals(big.subarray(big.length - 16))).toBe(true);
    await expect(blobs.put('big/20mib.bin', src, { onlyIfAbsent: true })).rejects.toBeInstanceOf(BlobExistsError);
    await blobs.delete('big/20mib.bin');
  });

  it('materializes a local file for ffmpeg; release leaves no scratch file', async () => {
    await blobs.put('media/video/clip.mp4', clip, { onlyIfAbsent: true, contentType: 'video/mp4' });
    const m = await blobs.materialize('media/video/clip.mp4');
    expect(sha(fs.readFileSync(m.path))).toBe(sha(fs.readFileSync(clip)));
    const duration = Number((await runFfprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', m.path])).trim());
    expect(duration).toBeCloseTo(1, 1);
    await m.release();
    if (name === 'local') {
      expect(m.path).toBe(blobs.localPath('media/video/clip.mp4'));
      expect(fs.existsSync(m.path)).toBe(true); // the stored file itself: release must not delete it
    } else {
      expect(fs.existsSync(m.path)).toBe(false);
    }
    expect(scratchFiles()).toEqual([]);
    await expect(blobs.materialize('media/video/nope.mp4')).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(scratchFiles()).toEqual([]);
  });

  it('gives a presigned GET URL where the backend has them (plain fetch and ffprobe read it)', async () => {
    await blobs.put('media/video/signed.mp4', clip, { onlyIfAbsent: true, contentType: 'video/mp4' });
    const url = await blobs.presignGet('media/video/signed.mp4', 300);
    if (name === 'local') {
      expect(url).toBeNull();
      return;
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Signature=/);
    const res = await fetch(url as string);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(fs.readFileSync(clip)));
    const probed = (await runFfprobe(['-show_entries', 'stream=width,height', '-of', 'csv=p=0', url as string])).trim();
    expect(probed).toBe('64,48');
    // A tampered signature is refused.
    const tampered = (url as string).replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    expect((await fetch(tampered)).status).toBe(403);
  });

  it('refuses keys that would leave the store', async () => {
    for (const key of ['../x', '/abs', 'a//b', 'a/./b', 'a\\b', '']) {
      await expect(blobs.put(key, Buffer.from('x'))).rejects.toThrow(/invalid blob key/);
    }
  });
});

describe.runIf(s3.settings)('S3 errors', () => {
  it('never carry a secret: wrong keys fail with a clear message naming bucket and key only', async () => {
    const settings = s3.settings as NonNullable<typeof s3.settings>;
    const secret = `wrong-secret-${randomBytes(12).toString('hex')}`;
    const bad = new S3BlobBackend({ ...settings, credentials: { accessKeyId: 'STUDIONOSUCHKEY', secretAccessKey: secret }, scratchDir: work });
    const err = await bad.put('x/secret.txt', Buffer.from('x')).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).toBe(
      `object storage: upload of 'x/secret.txt' in bucket '${settings.bucket}' failed: InvalidAccessKeyId (HTTP 403) (check AWS_ACCESS_KEY_ID / ` +
        'AWS_SECRET_ACCESS_KEY and the bucket policy)',
    );
    for (const s of [err?.message, err?.stack, JSON.stringify(err), String(err)]) {
      expect(s).not.toContain(secret);
      expect(s).not.toContain(settings.credentials?.secretAccessKey ?? 'unset');
    }
  });
});
