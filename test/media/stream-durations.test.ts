import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Capability } from '../../src/capabilities/types.js';
import { runFfprobe } from '../../src/media/ffmpeg.js';
import { lipsyncImage, makeVoice } from '../../src/media/placeholders.js';
import { createLocalAdapter } from '../../src/providers/local.js';
import { makeImage, makeTmp, type Tmp } from './fixtures.js';

/**
 * Placeholder clips carry sound exactly as long as their picture. They used to end their audio ~0.8 s early:
 * `-frames:v` closed the output while the audio was still queued behind x264's lookahead.
 */

/** One AAC frame at 48 kHz: the granularity an audio stream's length can have. */
const AAC_FRAME = 1024 / 48_000;

let tmp: Tmp;
beforeAll(async () => {
  tmp = await makeTmp('studio-durations-');
});
afterAll(() => tmp.dispose());

async function streamDurations(file: string): Promise<{ video: number; audio: number; frames: number }> {
  const out = await runFfprobe(['-v', 'error', '-show_entries', 'stream=codec_type,duration,nb_frames', '-of', 'json', file]);
  const streams = (JSON.parse(out) as { streams: { codec_type: string; duration: string; nb_frames: string }[] }).streams;
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  if (!v || !a) throw new Error(`${path.basename(file)} lacks a video or an audio stream`);
  return { video: Number(v.duration), audio: Number(a.duration), frames: Number(v.nb_frames) };
}

describe('local/animatic: audio as long as the picture', () => {
  for (const seconds of [2, 4, 6]) {
    it(`${seconds} s clip`, async () => {
      const cap = Capability.parse(JSON.parse(await readFile(path.join(process.cwd(), 'capability-schemas', 'local', 'animatic.json'), 'utf8')));
      const res = await createLocalAdapter().start(
        {
          jobId: `job/${seconds}`,
          capability: cap,
          fields: { prompt: 'the tide comes in', duration: seconds, resolution: '360p', aspect_ratio: '16:9', fps: 24 },
        },
        { signal: new AbortController().signal, fetch: globalThis.fetch, workDir: tmp.p(`work${seconds}`), onProgress: () => undefined, log: () => undefined },
      );
      if (res.kind !== 'done' || res.outputs[0]?.kind !== 'file') throw new Error('the local adapter did not return a file');
      const d = await streamDurations(res.outputs[0].path);
      expect(d.frames).toBe(seconds * 24);
      expect(d.video).toBeCloseTo(seconds, 6);
      expect(Math.abs(d.audio - d.video)).toBeLessThanOrEqual(AAC_FRAME);
    }, 60_000);
  }
});

describe('lipsyncImage: audio and picture both as long as the speech', () => {
  it('a 4 s voice gives 4 s of picture and 4 s of sound', async () => {
    const face = await makeImage(tmp.p('face.png'), 320, 180);
    const voice = tmp.p('voice.wav');
    await makeVoice({ text: 'one two three four five six seven eight nine ten', seed: 3 }, voice, 'wav');
    const speech = Number(JSON.parse(await runFfprobe(['-v', 'error', '-show_entries', 'format=duration', '-of', 'json', voice])).format.duration);
    const out = tmp.p('talk.mp4');
    await lipsyncImage(face, voice, out, { width: 320, height: 180, fps: 24 });
    const d = await streamDurations(out);
    expect(d.frames).toBe(Math.round(speech * 24));
    expect(Math.abs(d.video - speech)).toBeLessThanOrEqual(1 / 24);
    expect(Math.abs(d.audio - speech)).toBeLessThanOrEqual(AAC_FRAME);
  }, 60_000);
});
