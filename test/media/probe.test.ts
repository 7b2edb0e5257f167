import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../src/errors.js';
import { parseRational, probe } from '../../src/media/probe.js';
import { makeClip, makeImage, makeTmp, type Tmp } from './fixtures.js';

let tmp: Tmp;
beforeAll(async () => {
  tmp = await makeTmp();
});
afterAll(() => tmp.dispose());

async function rejection(p: Promise<unknown>): Promise<StudioError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StudioError) return e;
    throw e;
  }
  throw new Error('did not reject');
}

describe('probe', () => {
  it('reads a video with audio', async () => {
    const clip = await makeClip(tmp.p('a.mp4'), { width: 320, height: 180, fps: 25, seconds: 2, sampleRate: 44100 });
    const r = await probe(clip);
    expect(r).toMatchObject({
      hasVideo: true,
      hasAudio: true,
      videoStreams: 1,
      audioStreams: 1,
      width: 320,
      height: 180,
      fps: 25,
      fpsRational: '25/1',
      pixFmt: 'yuv420p',
      videoCodec: 'h264',
      audioCodec: 'aac',
      sampleRate: 44100,
      channels: 2,
      nbFrames: 50,
    });
    expect(r.durationSeconds).toBeCloseTo(2, 1);
    expect(r.formatName).toMatch(/mp4/);
  });

  it('reads NTSC rates as exact rationals', async () => {
    const clip = await makeClip(tmp.p('ntsc.mp4'), { fps: 30000 / 1001, seconds: 1, audio: false });
    const r = await probe(clip);
    expect(r.fpsRational).toBe('30000/1001');
    expect(r.fps).toBeCloseTo(29.97, 2);
    expect(r.hasAudio).toBe(false);
  });

  it('reads a still image', async () => {
    const r = await probe(await makeImage(tmp.p('i.png'), 64, 48));
    expect(r).toMatchObject({ hasVideo: true, hasAudio: false, width: 64, height: 48, durationSeconds: 0 });
  });

  it('rejects a non-media file, a truncated mp4 and an empty file as invalid_input', async () => {
    await writeFile(tmp.p('garbage.mp4'), 'this is not a video\n'.repeat(50));
    const clip = await makeClip(tmp.p('whole.mp4'), { seconds: 1 });
    // Without faststart the index is at the end: cutting the tail loses it.
    const { runFfmpeg, inputFile, outputFile } = await import('../../src/media/ffmpeg.js');
    await runFfmpeg([...inputFile(clip), '-c', 'copy', '-f', 'mp4', outputFile(tmp.p('tailindex.mp4'))]);
    const bytes = await readFile(tmp.p('tailindex.mp4'));
    await writeFile(tmp.p('truncated.mp4'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await writeFile(tmp.p('empty.mp4'), '');
    for (const name of ['garbage.mp4', 'truncated.mp4', 'empty.mp4', 'missing.mp4']) {
      const e = await rejection(probe(tmp.p(name)));
      expect(e.code).toBe('invalid_input');
      expect(e.message).toMatch(/^file is not a readable media file: /);
      expect(e.message).toContain(name);
      expect(e.message).not.toContain('-print_format');
    }
    await copyFile(clip, tmp.p('ok.mp4'));
    expect((await probe(tmp.p('ok.mp4'))).hasVideo).toBe(true);
  });
});

describe('parseRational', () => {
  it('parses rationals and rejects non-rates', () => {
    expect(parseRational('30000/1001')).toBeCloseTo(29.97, 2);
    expect(parseRational('25/1')).toBe(25);
    expect(parseRational('24')).toBe(24);
    expect(parseRational('0/0')).toBeUndefined();
    expect(parseRational('abc')).toBeUndefined();
    expect(parseRational(undefined)).toBeUndefined();
  });
});
