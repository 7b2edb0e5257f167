import { readdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../src/errors.js';
import { outputFile, runFfmpeg } from '../../src/media/ffmpeg.js';
import { probe } from '../../src/media/probe.js';
import { concatStreamCopy, renderScene } from '../../src/media/scene-render.js';
import { concatListLine } from '../../src/media/render/concat.js';
import { LOUDNESS_TARGET } from '../../src/media/render/loudness.js';
import { scanMedia } from '../../src/media/qc-scan.js';
import { makeClip, makeTmp, type Tmp } from './fixtures.js';

let tmp: Tmp;
let same: string[];
beforeAll(async () => {
  tmp = await makeTmp('studio-render-');
  same = await Promise.all([1, 2, 3].map((i) => makeClip(tmp.p(`same${i}.mp4`), { seconds: 1 + i * 0.2, fps: 25 })));
});
afterAll(() => (process.env.KEEP_TMP ? console.log(tmp.dir) : tmp.dispose()));

async function rejection(p: Promise<unknown>): Promise<StudioError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof StudioError)) throw new Error(`expected a StudioError, got ${String(e)}`);
  return e;
}

const scene = { width: 320, height: 180, fps: 25 };

describe('renderScene', () => {
  it('normalises mixed inputs; duration = sum minus crossfade overlap (±1 frame)', async () => {
    const a = await makeClip(tmp.p('a.mp4'), { width: 320, height: 180, fps: 25, seconds: 2, sampleRate: 44100 });
    const b = await makeClip(tmp.p('b.mp4'), { width: 640, height: 480, fps: 30, seconds: 1.5, audio: false });
    const c = await makeClip(tmp.p('c.mp4'), { width: 180, height: 320, fps: 24, seconds: 2 });
    await runFfmpeg(['-f', 'lavfi', '-i', 'sine=f=600:d=0.6', '-f', 'wav', outputFile(tmp.p('line.wav'))]);
    const progress: number[] = [];
    const r = await renderScene(
      {
        ...scene,
        shots: [
          { id: 'a', video: a, audio: [{ path: tmp.p('line.wav'), offsetSeconds: 0.5, gainDb: -3 }] },
          { id: 'b', video: b, transition: { type: 'crossfade', durationSeconds: 0.5 } },
          { id: 'c', video: c, transition: { type: 'fade_black', durationSeconds: 0.4 } },
        ],
        loudnorm: true,
      },
      tmp.p('mixed.mp4'),
      { onProgress: (p) => progress.push(p) },
    );
    expect(r.mode).toBe('encode');
    const expected = 2 + 38 / 25 + 2 - 0.5;
    expect(Math.abs(r.durationSeconds - expected)).toBeLessThanOrEqual(1 / 25 + 0.03);
    const info = await probe(tmp.p('mixed.mp4'));
    expect(info).toMatchObject({ videoStreams: 1, audioStreams: 1, width: 320, height: 180, fps: 25, pixFmt: 'yuv420p', sampleRate: 48000, channels: 2 });
    expect(Math.abs((info.nbFrames ?? 0) - Math.round(expected * 25))).toBeLessThanOrEqual(1);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(1);
  });

  it('normalises loudness in two passes: a short quiet scene lands on -16 LUFS (±0.5 LU) under the true-peak ceiling', async () => {
    // 3 s of a sine at about -30 dBFS plus a short louder line: a single loudnorm pass ran about 1 LU hot on this.
    const quiet = await makeClip(tmp.p('quiet.mp4'), { seconds: 1.5, fps: 25 });
    await runFfmpeg(['-f', 'lavfi', '-i', 'sine=f=500:d=0.8', '-af', 'volume=-6dB', '-f', 'wav', outputFile(tmp.p('loud-line.wav'))]);
    const shots = [
      { id: 'q1', video: quiet, audio: [{ path: tmp.p('loud-line.wav'), offsetSeconds: 0.3, gainDb: 0 }] },
      { id: 'q2', video: quiet },
    ];
    const r = await renderScene({ ...scene, loudnorm: true, shots }, tmp.p('normalised.mp4'));
    const scan = await scanMedia(tmp.p('normalised.mp4'), r.durationSeconds);
    expect(Math.abs((scan.integratedLufs ?? 0) - LOUDNESS_TARGET.i)).toBeLessThanOrEqual(0.5);
    expect(scan.truePeakDb ?? 0).toBeLessThanOrEqual(LOUDNESS_TARGET.tp + 0.5);
    // Without normalisation the same mix is far from the target, so the pass did the work.
    const raw = await renderScene({ ...scene, loudnorm: false, shots }, tmp.p('raw-mix.mp4'));
    const before = await scanMedia(tmp.p('raw-mix.mp4'), raw.durationSeconds);
    expect(Math.abs((before.integratedLufs ?? 0) - LOUDNESS_TARGET.i)).toBeGreaterThan(3);
  });

  it('two-pass loudness also lands on -16 LUFS (±0.5 LU) for a 60 s scene', async () => {
    const long = await makeClip(tmp.p('long.mp4'), { seconds: 60, fps: 25 });
    const r = await renderScene({ ...scene, loudnorm: true, shots: [{ id: 'long', video: long }] }, tmp.p('long-out.mp4'));
    expect(Math.abs(r.durationSeconds - 60)).toBeLessThan(0.1);
    const scan = await scanMedia(tmp.p('long-out.mp4'), r.durationSeconds);
    expect(Math.abs((scan.integratedLufs ?? 0) - LOUDNESS_TARGET.i)).toBeLessThanOrEqual(0.5);
  }, 120_000);

  it('leaves a silent scene silent when asked to normalise it (nothing to measure, no noise raised)', async () => {
    const mute = await makeClip(tmp.p('mute.mp4'), { seconds: 1, fps: 25, audio: false });
    const r = await renderScene({ ...scene, loudnorm: true, shots: [{ id: 'm', video: mute }] }, tmp.p('mute-out.mp4'));
    const scan = await scanMedia(tmp.p('mute-out.mp4'), r.durationSeconds);
    // ebur128 reports the gate floor (-70 LUFS) for digital silence.
    expect(scan.integratedLufs ?? 0).toBeLessThanOrEqual(-69);
  });

  it('joins matching clips by stream copy', async () => {
    const r = await renderScene(
      { ...scene, shots: same.map((v, i) => ({ id: `s${i}`, video: v, transition: { type: 'cut' as const, durationSeconds: 0 } })) },
      tmp.p('copy.mp4'),
    );
    expect(r.mode).toBe('copy');
    expect(Math.abs(r.durationSeconds - (1.2 + 1.4 + 1.6))).toBeLessThan(0.1);
    const info = await probe(tmp.p('copy.mp4'));
    expect(info.nbFrames).toBe(30 + 35 + 40);
    // Any reason to touch the pictures or sound means an encode.
    const enc = await renderScene({ ...scene, loudnorm: true, shots: same.map((v, i) => ({ id: `s${i}`, video: v })) }, tmp.p('enc.mp4'));
    expect(enc.mode).toBe('encode');
    const other = await renderScene({ ...scene, width: 160, height: 90, shots: same.map((v, i) => ({ id: `s${i}`, video: v })) }, tmp.p('small.mp4'));
    expect(other.mode).toBe('encode');
    expect((await probe(tmp.p('small.mp4'))).width).toBe(160);
  });

  it('names the shot of a corrupt or truncated input, in both modes, and leaves no output', async () => {
    const bytes = await readFile(same[1] as string);
    await writeFile(tmp.p('cut.mp4'), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await writeFile(tmp.p('junk.mp4'), 'junk'.repeat(100));
    const shots = [
      { id: 'one', video: same[0] as string },
      { id: 'broken', video: tmp.p('cut.mp4') },
      { id: 'three', video: same[2] as string },
    ];
    for (const forceEncode of [false, true]) {
      const e = await rejection(renderScene({ ...scene, shots }, tmp.p('bad.mp4'), { forceEncode }));
      expect(e.code).toBe('invalid_input');
      expect(e.message).toMatch(/^shot 'broken': /);
    }
    const j = await rejection(renderScene({ ...scene, shots: [{ id: 'x', video: tmp.p('junk.mp4') }] }, tmp.p('bad.mp4')));
    expect(j.message).toMatch(/^shot 'x': file is not a readable media file/);
    expect((await readdir(tmp.dir)).filter((n) => n.includes('bad.mp4'))).toEqual([]);
  });

  it('rejects zero-length dialogue audio naming the shot', async () => {
    await runFfmpeg(['-f', 'lavfi', '-i', 'anullsrc', '-t', '0', '-f', 'wav', outputFile(tmp.p('empty.wav'))]);
    const e = await rejection(
      renderScene({ ...scene, shots: [{ id: 'talk', video: same[0] as string, audio: [{ path: tmp.p('empty.wav'), offsetSeconds: 0 }] }] }, tmp.p('z.mp4')),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/^shot 'talk': /);
  });

  it('rejects transitions longer than a shot and bad specs', async () => {
    const e = await rejection(
      renderScene(
        {
          ...scene,
          shots: [
            { id: 'a', video: same[0] as string },
            { id: 'b', video: same[1] as string, transition: { type: 'crossfade', durationSeconds: 5 } },
          ],
        },
        tmp.p('t.mp4'),
      ),
    );
    expect(e.message).toMatch(/^shot 'b': a crossfade/);
    await expect(renderScene({ ...scene, shots: [] }, tmp.p('t.mp4'))).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(renderScene({ ...scene, width: 321, shots: [{ id: 'a', video: same[0] as string }] }, tmp.p('t.mp4'))).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('cancellation leaves no file', async () => {
    const long = await makeClip(tmp.p('long.mp4'), { seconds: 20, width: 640, height: 360 });
    const ac = new AbortController();
    const job = renderScene({ ...scene, shots: [{ id: 'l', video: long }] }, tmp.p('cancel.mp4'), {
      signal: ac.signal,
      forceEncode: true,
      onProgress: (p) => {
        if (p > 0 && p < 1) ac.abort();
      },
    });
    setTimeout(() => ac.abort(), 3000);
    expect((await rejection(job)).code).toBe('canceled');
    expect((await readdir(tmp.dir)).filter((n) => n.includes('cancel'))).toEqual([]);
  });
});

describe('concatStreamCopy', () => {
  it('joins identical formats and refuses others', async () => {
    const r = await concatStreamCopy(same, tmp.p('film.mp4'));
    expect(Math.abs(r.durationSeconds - 4.2)).toBeLessThan(0.1);
    const odd = await makeClip(tmp.p('odd.mp4'), { width: 160, height: 90, seconds: 1 });
    const e = await rejection(concatStreamCopy([same[0] as string, odd], tmp.p('nope.mp4')));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/size 160x90/);
  });

  it('quotes list lines so names cannot escape', () => {
    expect(concatListLine("/a/it's.mp4")).toBe("file 'file:/a/it'\\''s.mp4'");
    expect(() => concatListLine('/a/b\nfile /etc/passwd')).toThrow(/line break/);
  });

  it('joins files with awkward names', async () => {
    const { copyFile } = await import('node:fs/promises');
    const names = ["it's.mp4", 'concat:x.mp4', '-i'];
    for (const [i, n] of names.entries()) await copyFile(same[i] as string, tmp.p(n));
    const r = await concatStreamCopy(
      names.map((n) => tmp.p(n)),
      tmp.p('awkward.mp4'),
    );
    expect(Math.abs(r.durationSeconds - 4.2)).toBeLessThan(0.1);
    const enc = await renderScene(
      {
        width: 160,
        height: 90,
        fps: 25,
        shots: names.map((n, i) => ({ id: `n${i}`, video: tmp.p(n), audio: i === 0 ? [{ path: tmp.p(names[1] as string), offsetSeconds: 0.1 }] : [] })),
      },
      tmp.p('-y'),
    );
    expect(enc.mode).toBe('encode');
    expect(Math.abs(enc.durationSeconds - 4.2)).toBeLessThan(0.1);
  });
});
