import fs from 'node:fs';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { probe } from '../../src/media/probe.js';
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

  it('render_film with soft subtitles carries a mov_text track with the same cues as the export', async () => {
    const r = (await h.call('render_film', { film_id: filmId, subtitles: 'soft', qc: false })) as { file_path: string; mode: string; reused: boolean };
    expect(r.mode).toContain('+subtitles');
    const info = await probe(r.file_path, { cache: false });
    expect(info.audioStreams).toBe(1);
    const track = await runFfmpeg(['-i', r.file_path, '-map', '0:s:0', '-f', 'srt', 'pipe:1'], { captureStdout: true });
    const cues = parseSrt(track.stdout.toString('utf8'));
    expect(cues.map((c) => c[2])).toEqual(expected.map((e) => e[2]));
    cues.forEach((c, i) => expect(Math.abs(c[0] - (expected[i]?.[0] ?? 0))).toBeLessThanOrEqual(FRAME));
    // The same call again is the same render; without subtitles it is another one.
    expect(((await h.call('render_film', { film_id: filmId, subtitles: 'soft', qc: false })) as { reused: boolean }).reused).toBe(true);
    const plain = (await h.call('render_film', { film_id: filmId, qc: false })) as { file_path: string; mode: string };
    expect(plain.mode).not.toContain('subtitles');
    const plainTrack = await runFfmpeg(['-i', plain.file_path, '-map', '0:s?', '-f', 'srt', 'pipe:1'], { captureStdout: true }).then(
      (x) => x.stdout.toString('utf8'),
      () => '',
    );
    expect(plainTrack).toBe('');
  }, 120_000);

  it('render_scene with burned-in subtitles draws the words at the bottom; a hostile {\\an8} does not move them to the top', async () => {
    const scene = scenes[1] as string;
    const plain = (await h.call('render_scene', { scene_id: scene, qc: false })) as { file_path: string };
    const burnt = (await h.call('render_scene', { scene_id: scene, qc: false, subtitles: 'burn' })) as { file_path: string; reused: boolean };
    expect(burnt.reused).toBe(false);
    // The second line (the one with the override attempt) is on screen here: the scene's cue 2 starts at expected[3][0] - scene start.
    const sceneStart = expected[2]?.[0] === undefined ? 0 : (expected[2][0] as number) - 0.5;
    const t = ((expected[3]?.[0] ?? 0) + (expected[3]?.[1] ?? 0)) / 2 - sceneStart;
    const gray = async (file: string): Promise<Buffer> =>
      (await runFfmpeg(['-ss', t.toFixed(3), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { captureStdout: true })).stdout;
    const [a, b] = [await gray(plain.file_path), await gray(burnt.file_path)];
    const { width: w, height: hgt } = await probe(plain.file_path, { cache: false });
    const W = w ?? 0;
    const H = hgt ?? 0;
    expect(a.length).toBe(W * H);
    const diff = (y0: number, y1: number): number => {
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = 0; x < W; x++) sum += Math.abs((a[y * W + x] ?? 0) - (b[y * W + x] ?? 0));
      return sum / ((y1 - y0) * W);
    };
    // Re-encoding alone moves pixels by about 1 level; drawn text by far more.
    expect(diff(0, Math.round(H / 3))).toBeLessThan(2);
    expect(diff(Math.round((H * 2) / 3), H)).toBeGreaterThan(3);
  }, 120_000);
});
