import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { makePreview, PREVIEW_MAX_BYTES } from '../../src/media/preview.js';
import { probe } from '../../src/media/probe.js';
import { tempDir } from '../helpers/harness.js';

/**
 * A preview never exceeds 4 MiB (hosts copy resource contents into a data: URI). Six seconds of 640×360 noise
 * encode to about 4.5 MB at the preview's CRF, and x264's bitrate mode overshoots on noise too (one capped pass
 * gave 4.47 MB): the preview must still land under the bound.
 */
describe('video preview over the size bound', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('preview-size-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is encoded again at a bitrate that fits, until it fits', async () => {
    const src = path.join(dir, 'noise.mp4');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', "nullsrc=s=640x360:r=30,geq=lum='random(1)*255':cb=128:cr=128", '-f', 'lavfi', '-i', 'sine=frequency=440'],
      ...['-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '30', '-c:a', 'aac', '-shortest', src],
    ]);
    const out = path.join(dir, 'preview.mp4');
    await makePreview(src, 'video', out);
    const size = fs.statSync(out).size;
    expect(size).toBeLessThanOrEqual(PREVIEW_MAX_BYTES);
    // Fitted close to the bound (only the capped passes do that: the CRF pass of this clip is above it).
    expect(size).toBeGreaterThan(PREVIEW_MAX_BYTES * 0.75);
    const info = await probe(out, { cache: false });
    expect(info).toMatchObject({ width: 640, height: 360, videoCodec: 'h264', audioStreams: 1 });
    expect(Math.abs(info.durationSeconds - 6)).toBeLessThan(0.1);
  }, 120_000);
});
