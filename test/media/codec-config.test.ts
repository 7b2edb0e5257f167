import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { readMp4Info } from '../../src/media/mp4info.js';
import { concatStreamCopy, renderScene } from '../../src/media/scene-render.js';
import { tempDir } from '../helpers/harness.js';

async function clip(file: string, x264: string[]): Promise<void> {
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x180:rate=24:duration=1',
    '-f',
    'lavfi',
    '-i',
    'anullsrc=r=48000:cl=stereo',
    '-shortest',
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    '-profile:v',
    'high',
    ...x264,
    '-c:a',
    'aac',
    '-ar',
    '48000',
    '-ac',
    '2',
    file,
  ]);
}

describe('stream copy only joins clips with the same H.264 parameter sets', () => {
  it('reads the decoder configuration and refuses to copy-join differing ones', async () => {
    const dir = tempDir();
    const a = path.join(dir, 'a.mp4');
    const b = path.join(dir, 'b.mp4');
    const c = path.join(dir, 'c.mp4');
    await clip(a, ['-preset', 'veryfast']);
    await clip(b, ['-preset', 'veryfast']);
    // Same codec, profile, size, rate and audio, but other encoder settings: other SPS/PPS.
    await clip(c, ['-preset', 'veryfast', '-x264-params', 'ref=4']);
    const [ia, ib, ic] = await Promise.all([a, b, c].map((f) => readMp4Info(f)));
    expect(ia?.videoConfig).toMatch(/^avc1:[0-9a-f]{64}$/);
    expect(ib?.videoConfig).toBe(ia?.videoConfig);
    expect(ic?.videoConfig).not.toBe(ia?.videoConfig);

    const shots = (files: string[]) => files.map((video, i) => ({ id: `s${i}`, video }));
    const spec = { width: 320, height: 180, fps: 24, sampleRate: 48000 };
    expect((await renderScene({ ...spec, shots: shots([a, b]) }, path.join(dir, 'ab.mp4'))).mode).toBe('copy');
    expect((await renderScene({ ...spec, shots: shots([a, c]) }, path.join(dir, 'ac.mp4'))).mode).toBe('encode');
    await expect(concatStreamCopy([a, c], path.join(dir, 'x.mp4'))).rejects.toThrow(/parameter sets/);
  });
});
