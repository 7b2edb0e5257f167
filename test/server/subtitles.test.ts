import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

const FRAME = 1 / 24;

/** SRT cues as [start, end, text] in seconds. */
function parseSrt(text: string): [number, number, string][] {
  const t = (s: string): number => {
    const m = /(\d+):(\d+):(\d+),(\d+)/.exec(s);
    return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000 : NaN;
  };
  return text
    .trim()
    .split(/\n\n/)
    .map((block) => {
      const [, timing, ...words] = block.split('\n');
      const [a, b] = (timing ?? '').split(' --> ');
      return [t(a ?? ''), t(b ?? ''), words.join('\n')];
    });
}

describe('subtitles_export', () => {
  let h: Harness;
  let filmId: string;
  let scenes: string[];
  const expected: [number, number, string][] = [];

  beforeAll(async () => {
    h = await startHarness();
    const mara = ((await h.call('character_create', { name: 'Mara' })) as { character: { character_id: string } }).character.character_id;
    filmId = ((await h.call('film_create', { title: 'Subs', settings: { width: 320, height: 180, fps: 24 } })) as { film: { film_id: string } }).film.film_id;
    scenes = [];
    let sceneStart = 0;
    for (const title of ['one', 'two']) {
      const sceneId = ((await h.call('scene_create', { film_id: filmId, title })) as { scene: { scene_id: string } }).scene.scene_id;
      scenes.push(sceneId);
      const a = ((await h.call('shot_create', { scene_id: sceneId, prompt: 'a', model: 'local/animatic', duration: 3 })) as { shot: { shot_id: string } }).shot
        .shot_id;
      const b = (
        (await h.call('shot_create', {
          scene_id: sceneId,
          prompt: 'b',
          model: 'local/animatic',
          duration: 3,
          transition: { type: 'crossfade', duration: 0.5 },
        })) as { shot: { shot_id: string } }
      ).shot.shot_id;
      const va = (await h.call('video_generate', { shot_id: a })) as { duration: number };
      const vb = (await h.call('video_generate', { shot_id: b })) as { duration: number };
      const l1 = (await h.call('voice_tts', { shot_id: a, character_id: mara, text: `First in ${title}.`, offset_seconds: 0.5 })) as { duration: number };
      const l2 = (await h.call('voice_tts', { shot_id: b, character_id: mara, text: `Second, {\\an8} in ${title}.`, offset_seconds: 0.25 })) as {
        duration: number;
      };
      const bStart = sceneStart + va.duration - 0.5;
      expected.push([sceneStart + 0.5, sceneStart + 0.5 + l1.duration, `First in ${title}.`]);
      expected.push([bStart + 0.25, Math.min(bStart + 0.25 + l2.duration, bStart + vb.duration), `Second, (/an8) in ${title}.`]);
      sceneStart = bStart + vb.duration;
    }
  }, 120_000);
  afterAll(async () => h.close());

  it("a film's cues start and end within one frame of its lines, each scene shifted by the ones before it", async () => {
    const r = (await h.call('subtitles_export', { film_id: filmId, format: 'both' })) as { cues: number; files: { format: string; path: string }[] };
    expect(r.cues).toBe(4);
    expect(r.files.map((f) => f.format)).toEqual(['srt', 'vtt']);
    const cues = parseSrt(fs.readFileSync(r.files[0]?.path ?? '', 'utf8'));
    expect(cues.map((c) => c[2])).toEqual(expected.map((e) => e[2]));
    cues.forEach((c, i) => {
      expect(Math.abs(c[0] - (expected[i]?.[0] ?? 0))).toBeLessThanOrEqual(FRAME);
      expect(Math.abs(c[1] - (expected[i]?.[1] ?? 0))).toBeLessThanOrEqual(FRAME);
    });
    expect(fs.readFileSync(r.files[1]?.path ?? '', 'utf8').startsWith('WEBVTT\n\n00:00:00.500 --> ')).toBe(true);
  });

  it('a scene alone starts at zero; speaker names on request; one target only', async () => {
    const r = (await h.call('subtitles_export', { scene_id: scenes[1], format: 'srt', speaker_names: true })) as { files: { path: string }[] };
    const cues = parseSrt(fs.readFileSync(r.files[0]?.path ?? '', 'utf8'));
    expect(cues[0]?.[2]).toBe('Mara: First in two.');
    expect(Math.abs((cues[0]?.[0] ?? 0) - 0.5)).toBeLessThanOrEqual(FRAME);
    const e = await h.callError('subtitles_export', { scene_id: scenes[0], film_id: filmId });
    expect(e.code).toBe('invalid_input');
  });
});
