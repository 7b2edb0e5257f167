import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb, frameDiff, meanAbsDiff } from '../../src/media/compare.js';
import { lipsyncImage, lipsyncVideo, makeAnimatic, makeStill, makeVoice, retimbre, speechSeconds } from '../../src/media/placeholders.js';
import { probe } from '../../src/media/probe.js';
import { makeClip, makeImage, makeTmp, type Tmp } from './fixtures.js';

let tmp: Tmp;
beforeAll(async () => {
  tmp = await makeTmp();
});
afterAll(() => tmp.dispose());

describe('makeAnimatic', () => {
  it('starts on the start frame, ends on the end frame, has the exact length', async () => {
    const start = await makeImage(tmp.p('start.png'), 320, 180);
    // A different size: scaled to fit (kept aspect, bars) rather than distorted.
    const end = await makeImage(tmp.p('end.png'), 640, 360, 'orange');
    const ref = await makeImage(tmp.p('ref.png'), 100, 140, 'green');
    const progress: number[] = [];
    await makeAnimatic(
      {
        prompt: 'A knight walks into the fog: slowly, 100% "calm" [wide shot]; %{pts}',
        characterName: "Sir O'Test",
        referenceImage: ref,
        startFrame: start,
        endFrame: end,
        durationSeconds: 2,
        width: 320,
        height: 180,
        fps: 24,
      },
      tmp.p('anim.mp4'),
      { onProgress: (p) => progress.push(p) },
    );
    const info = await probe(tmp.p('anim.mp4'));
    expect(info).toMatchObject({ width: 320, height: 180, nbFrames: 48, videoCodec: 'h264', pixFmt: 'yuv420p', audioCodec: 'aac' });
    expect(info.durationSeconds).toBeCloseTo(2, 1);
    expect(progress.at(-1)).toBe(1);
    expect(await frameDiff(start, tmp.p('anim.mp4'))).toBeLessThan(2);
    expect(await frameDiff(end, tmp.p('anim.mp4'), { bFrame: 'last' })).toBeLessThan(2);
    // The middle is the card, not the start image: it is visibly different.
    const { extractFrameAt } = await import('../../src/media/frames.js');
    await extractFrameAt(tmp.p('anim.mp4'), 1, tmp.p('mid.png'));
    expect(await frameDiff(start, tmp.p('mid.png'))).toBeGreaterThan(20);
  });

  it('moves (frames differ) and can omit audio', async () => {
    await makeAnimatic({ prompt: 'moving', durationSeconds: 1, width: 160, height: 90, fps: 12, withAudio: false }, tmp.p('plain.mp4'));
    const info = await probe(tmp.p('plain.mp4'));
    expect(info.hasAudio).toBe(false);
    expect(info.nbFrames).toBe(12);
    const first = await decodeRgb(tmp.p('plain.mp4'));
    const last = await decodeRgb(tmp.p('plain.mp4'), { frame: 'last' });
    expect(meanAbsDiff(first.data, last.data)).toBeGreaterThan(0.1);
  });

  it('rejects odd sizes and silly durations', async () => {
    await expect(makeAnimatic({ prompt: 'x', durationSeconds: 1, width: 321, height: 180, fps: 24 }, tmp.p('bad.mp4'))).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(makeAnimatic({ prompt: 'x', durationSeconds: 0, width: 320, height: 180, fps: 24 }, tmp.p('bad.mp4'))).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});

describe('makeStill', () => {
  it('makes a PNG card of the given size', async () => {
    const ref = await makeImage(tmp.p('r.png'), 64, 64, 'green');
    await makeStill({ prompt: 'a castle at dusk', referenceImage: ref, width: 320, height: 180 }, tmp.p('still.png'));
    expect(await probe(tmp.p('still.png'))).toMatchObject({ width: 320, height: 180, hasAudio: false });
  });
});

describe('voice placeholders', () => {
  it('follows the length of the text (2.5 words/s, min 1 s)', async () => {
    const ten = 'one two three four five six seven eight nine ten';
    expect(speechSeconds(ten)).toBe(4);
    expect(speechSeconds('hi')).toBe(1);
    await makeVoice({ text: ten, seed: 1 }, tmp.p('ten.wav'), 'wav');
    await makeVoice({ text: 'hi', seed: 1 }, tmp.p('hi.mp3'), 'mp3');
    const tenInfo = await probe(tmp.p('ten.wav'));
    expect(tenInfo.durationSeconds).toBeCloseTo(4, 1);
    expect(tenInfo.audioCodec).toBe('pcm_s16le');
    const hi = await probe(tmp.p('hi.mp3'));
    expect(hi.audioCodec).toBe('mp3');
    expect(Math.abs(hi.durationSeconds - 1)).toBeLessThan(0.1);
    await expect(makeVoice({ text: '  ' }, tmp.p('e.wav'), 'wav')).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('retimbre keeps the length', async () => {
    await makeVoice({ text: 'a b c d e', seed: 3 }, tmp.p('src.wav'), 'wav');
    await retimbre(tmp.p('src.wav'), tmp.p('conv.mp3'), { seed: 99 });
    const a = await probe(tmp.p('src.wav'));
    const b = await probe(tmp.p('conv.mp3'));
    expect(Math.abs(a.durationSeconds - b.durationSeconds)).toBeLessThan(0.1);
  });
});

describe('lip-sync placeholders', () => {
  it('image mode: exactly the audio length, audio muxed', async () => {
    await makeVoice({ text: 'one two three four five', seed: 2 }, tmp.p('say.wav'), 'wav');
    const face = await makeImage(tmp.p('face.png'), 200, 200, 'tan');
    await lipsyncImage(face, tmp.p('say.wav'), tmp.p('ls.mp4'), { width: 320, height: 180, fps: 25 });
    const info = await probe(tmp.p('ls.mp4'));
    expect(info).toMatchObject({ hasVideo: true, hasAudio: true, width: 320, height: 180, nbFrames: 50 });
    expect(info.durationSeconds).toBeCloseTo(2, 1);
  });

  it('video mode: trims a longer video and holds the last frame of a shorter one', async () => {
    await makeVoice({ text: 'one two three four five', seed: 2 }, tmp.p('say2.wav'), 'wav');
    const long = await makeClip(tmp.p('long.mp4'), { seconds: 3 });
    const short = await makeClip(tmp.p('short.mp4'), { seconds: 1 });
    await lipsyncVideo(long, tmp.p('say2.wav'), tmp.p('lv-long.mp4'));
    await lipsyncVideo(short, tmp.p('say2.wav'), tmp.p('lv-short.mp4'));
    for (const f of ['lv-long.mp4', 'lv-short.mp4']) {
      const info = await probe(tmp.p(f));
      expect(info.durationSeconds).toBeGreaterThan(1.95);
      expect(info.durationSeconds).toBeLessThan(2.1);
      expect(info.hasAudio).toBe(true);
    }
    // The held tail is the short clip's last frame.
    expect(await frameDiff(tmp.p('lv-short.mp4'), short, { aFrame: 'last', bFrame: 'last' })).toBeLessThan(3);
  });
});
