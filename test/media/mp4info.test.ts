import { copyFile, rename, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readMp4Info } from '../../src/media/mp4info.js';
import { clearProbeCache, probe } from '../../src/media/probe.js';
import { makeClip, makeTmp, type Tmp } from './fixtures.js';

// Every ffprobe run is counted (and still run for real): a cache hit is proven by no new run, not by timing.
const ffprobeRuns = vi.hoisted(() => ({ n: 0 }));
vi.mock('../../src/media/ffmpeg.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/media/ffmpeg.js')>();
  return {
    ...real,
    runFfprobe: (...args: Parameters<typeof real.runFfprobe>) => {
      ffprobeRuns.n++;
      return real.runFfprobe(...args);
    },
  };
});

let tmp: Tmp;
beforeAll(async () => {
  tmp = await makeTmp();
});
afterAll(() => tmp.dispose());

describe('readMp4Info', () => {
  it('agrees with ffprobe on tracks and duration, with the index at either end', async () => {
    const faststart = await makeClip(tmp.p('fs.mp4'), { seconds: 1.5 });
    const { runFfmpeg, inputFile, outputFile } = await import('../../src/media/ffmpeg.js');
    await runFfmpeg([...inputFile(faststart), '-c', 'copy', '-f', 'mp4', outputFile(tmp.p('tail.mp4'))]);
    for (const f of ['fs.mp4', 'tail.mp4']) {
      const info = await readMp4Info(tmp.p(f));
      const ref = await probe(tmp.p(f));
      expect(info?.tracks.map((t) => t.handler).sort()).toEqual(['soun', 'vide']);
      expect(Math.abs((info?.durationSeconds ?? 0) - ref.durationSeconds)).toBeLessThan(0.05);
    }
  });

  it('returns undefined for files it does not understand', async () => {
    await writeFile(tmp.p('junk.mp4'), Buffer.alloc(100, 7));
    expect(await readMp4Info(tmp.p('junk.mp4'))).toBeUndefined();
    await writeFile(tmp.p('wav.wav'), Buffer.from('RIFF....WAVEfmt '));
    expect(await readMp4Info(tmp.p('wav.wav'))).toBeUndefined();
  });
});

describe('probe cache', () => {
  it('survives a rename (same file) and misses after a rewrite', async () => {
    clearProbeCache();
    const a = await makeClip(tmp.p('c1.mp4'), { seconds: 1, width: 160, height: 90 });
    const runs = ffprobeRuns.n;
    const first = await probe(a);
    expect(ffprobeRuns.n).toBe(runs + 1);
    await rename(a, tmp.p('c1-moved.mp4'));
    const again = await probe(tmp.p('c1-moved.mp4'));
    expect(ffprobeRuns.n).toBe(runs + 1);
    expect(again).toEqual(first);
    const other = await makeClip(tmp.p('c2.mp4'), { seconds: 1, width: 320, height: 180 });
    const beforeRewrite = ffprobeRuns.n;
    await copyFile(other, tmp.p('c1-moved.mp4'));
    expect((await probe(tmp.p('c1-moved.mp4'))).width).toBe(320);
    expect(ffprobeRuns.n).toBe(beforeRewrite + 1);
  });
});
