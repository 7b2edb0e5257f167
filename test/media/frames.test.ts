import { mkdir, readdir, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb, frameDiff } from '../../src/media/compare.js';
import { contactSheet, extractEvery, extractFirstFrame, extractFrameAt, extractLastFrame } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { lastFrameByFullDecode, makeClip, makeImage, makeTmp, type Tmp } from './fixtures.js';

let tmp: Tmp;
beforeAll(async () => {
  tmp = await makeTmp();
});
afterAll(() => tmp.dispose());

async function bitExactLast(clip: string, name: string): Promise<void> {
  const dir = tmp.p(`${name}-full`);
  await mkdir(dir);
  const reference = await lastFrameByFullDecode(clip, dir);
  const ours = tmp.p(`${name}-last.png`);
  await extractLastFrame(clip, ours);
  const a = await decodeRgb(reference);
  const b = await decodeRgb(ours);
  expect(b.width).toBe(a.width);
  expect(Buffer.compare(a.data, b.data)).toBe(0);
  // And it is really the end, not some frame that happens to look alike: the one before differs.
  const names = (await readdir(dir)).sort();
  const before = names[names.length - 2];
  if (before) expect(await frameDiff(ours, `${dir}/${before}`)).toBeGreaterThan(0);
}

describe('extractLastFrame', () => {
  it('is bit-exact to a full decode for H.264 with B-frames and a long GOP', async () => {
    const clip = await makeClip(tmp.p('bf.mp4'), { seconds: 6, fps: 25, bframes: 2, gop: 250 });
    await bitExactLast(clip, 'bf');
  });

  it('is bit-exact for a variable-frame-rate clip whose last frame is held', async () => {
    const clip = await makeClip(tmp.p('vfr.mp4'), { seconds: 3, fps: 25, bframes: 2, vfr: true });
    const info = await probe(clip);
    expect(info.fpsRational).not.toBe('25/1');
    await bitExactLast(clip, 'vfr');
  });

  it('is bit-exact when the audio outlasts the video by more than the seek window', async () => {
    const { runFfmpeg, outputFile } = await import('../../src/media/ffmpeg.js');
    const out = tmp.p('longaudio.mp4');
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=160x90:r=25:d=2',
      '-f',
      'lavfi',
      '-i',
      'sine=d=6',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-f',
      'mp4',
      outputFile(out),
    ]);
    await bitExactLast(out, 'longaudio');
  });
});

describe('first frame / frame at / every', () => {
  it('extracts the first frame exactly and a frame at a time', async () => {
    const clip = await makeClip(tmp.p('c.mp4'), { seconds: 2, bframes: 2 });
    const dir = tmp.p('c-full');
    await mkdir(dir);
    await lastFrameByFullDecode(clip, dir);
    await extractFirstFrame(clip, tmp.p('c-first.png'));
    expect(await frameDiff(tmp.p('c-first.png'), `${dir}/full_00001.png`)).toBe(0);
    await extractFrameAt(clip, 1, tmp.p('c-1s.png'));
    expect(await frameDiff(tmp.p('c-1s.png'), `${dir}/full_00026.png`)).toBe(0);
    // Past the end: the last frame.
    await extractFrameAt(clip, 99, tmp.p('c-99.png'));
    expect(await frameDiff(tmp.p('c-99.png'), `${dir}/full_00050.png`)).toBe(0);
    await expect(extractFrameAt(clip, -1, tmp.p('neg.png'))).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('extracts one frame per interval', async () => {
    const clip = await makeClip(tmp.p('e.mp4'), { seconds: 3, audio: false });
    const files = await extractEvery(clip, 1, tmp.p('every%d dir'));
    expect(files).toHaveLength(3);
    expect(files[0]).toMatch(/frame_00001\.png$/);
  });

  it('rejects a file without video', async () => {
    const { runFfmpeg, outputFile } = await import('../../src/media/ffmpeg.js');
    await runFfmpeg(['-f', 'lavfi', '-i', 'sine=d=1', '-f', 'wav', outputFile(tmp.p('a.wav'))]);
    await expect(extractLastFrame(tmp.p('a.wav'), tmp.p('x.png'))).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(stat(tmp.p('x.png'))).rejects.toThrow();
  });
});

describe('contactSheet', () => {
  it('tiles images with labels into one PNG', async () => {
    const a = await makeImage(tmp.p('s1.png'), 320, 180);
    const b = await makeImage(tmp.p('s2.png'), 180, 320, 'red');
    const c = await makeImage(tmp.p('s3.png'), 100, 100, 'blue');
    await contactSheet([{ path: a, label: "shot 1: it's [x]; 100% %{pts} \\n" }, { path: b, label: 'two' }, { path: c }], tmp.p('sheet.png'), {
      columns: 2,
      tileWidth: 160,
    });
    const info = await probe(tmp.p('sheet.png'));
    expect(info.width).toBe(320);
    // Two rows of 90-pixel images with a label strip each.
    expect(info.height).toBeGreaterThan(180);
    await contactSheet([{ path: a, label: 'only' }], tmp.p('one.png'), { tileWidth: 100 });
    expect((await probe(tmp.p('one.png'))).width).toBe(100);
  });
});
