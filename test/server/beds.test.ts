import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileUrl, inputFile, runFfmpeg } from '../../src/media/ffmpeg.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/** RMS level (dBFS, mono sum) of a file's audio between `from` and `to` seconds, decoded to float samples here. */
async function rmsDb(file: string, from: number, to: number): Promise<number> {
  const r = await runFfmpeg(
    [...inputFile(file), '-ss', String(from), '-t', String(to - from), '-map', '0:a:0', '-ac', '1', '-ar', '48000', '-f', 'f32le', 'pipe:1'],
    { captureStdout: true, what: 'measure' },
  );
  const n = Math.floor(r.stdout.length / 4);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += r.stdout.readFloatLE(i * 4) ** 2;
  return 10 * Math.log10(sum / Math.max(1, n) + 1e-12);
}

type Id<K extends string> = Record<K, Record<`${K}_id`, string>>;

describe('audio beds under scenes and films', () => {
  let h: Harness;
  let dir: string;
  let sceneId: string;
  let musicId: string;
  // Lines are silent recordings, so whatever is heard during them is the bed: its level is measured directly.
  const LINES = [
    [1.5, 2.7],
    [5.0, 6.2],
  ] as const;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'beds-test-'));
    h = await startHarness({ env: { STUDIO_ALLOWED_DIRS: dir } });
    const silent = path.join(dir, 'line.wav');
    await runFfmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=mono', '-t', '1.2', '-c:a', 'pcm_s16le', fileUrl(silent)], { what: 'fixture' });
    const lineId = String((await h.call('media_import', { path: silent })).media_id);
    const film = ((await h.call('film_create', { title: 'Beds', settings: { width: 320, height: 180, fps: 24 } })) as Id<'film'>).film.film_id;
    sceneId = ((await h.call('scene_create', { film_id: film, title: 'two lines' })) as Id<'scene'>).scene.scene_id;
    const shot = ((await h.call('shot_create', { scene_id: sceneId, prompt: 'a room', model: 'local/animatic', duration: 8 })) as Id<'shot'>).shot.shot_id;
    await h.call('video_generate', { shot_id: shot });
    for (const [start] of LINES) await h.call('shot_add_dialogue', { shot_id: shot, audio: lineId, offset_seconds: start });
    musicId = String((await h.call('music_generate', { prompt: 'calm pads', duration: 8, output_format: 'wav' })).media_id);
  }, 120_000);
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function renderWithBed(duck: boolean): Promise<{ during: number[]; between: number; file: string }> {
    const bed = (await h.call('scene_add_audio', { scene_id: sceneId, media_id: musicId, role: 'music', gain_db: -6, duck })) as {
      bed: { bed_id: string; duck: boolean };
    };
    expect(bed.bed.duck).toBe(duck);
    const r = (await h.call('render_scene', { scene_id: sceneId })) as { file_path: string; mode: string; duration: number };
    expect(r.mode).toBe('encode');
    expect(Math.abs(r.duration - 8)).toBeLessThan(0.1);
    await h.call('scene_remove_audio', { bed_id: bed.bed.bed_id });
    const during = await Promise.all(LINES.map(([s, e]) => rmsDb(r.file_path, s + 0.3, e - 0.1)));
    return { during, between: await rmsDb(r.file_path, 3.8, 4.7), file: r.file_path };
  }

  it('ducking on: the bed is at least 8 dB lower during each line than between them; off: unchanged', async () => {
    const on = await renderWithBed(true);
    const off = await renderWithBed(false);
    expect(on.between).toBeGreaterThan(-40);
    for (const d of on.during) expect(on.between - d).toBeGreaterThanOrEqual(8);
    for (const d of off.during) expect(Math.abs(off.between - d)).toBeLessThan(1.5);
    // Ducking changes nothing between the lines.
    expect(Math.abs(on.between - off.between)).toBeLessThan(1);
  }, 120_000);

  it('refuses a bed that is not audio, naming the field', async () => {
    const still = String((await h.call('image_generate', { prompt: 'x' })).media_id);
    const e = await h.callError('scene_add_audio', { scene_id: sceneId, media_id: still });
    expect(e.code).toBe('invalid_input');
    expect(e.field).toBe('media_id');
    const gone = await h.callError('scene_remove_audio', { bed_id: 'bed_0000000000000000' });
    expect(gone.code).toBe('not_found');
    // A bed after the end of the scene is not heard, and the render says so rather than dropping it silently.
    const late = (await h.call('scene_add_audio', { scene_id: sceneId, media_id: musicId, offset_seconds: 50 })) as { bed: { bed_id: string } };
    const r = (await h.call('render_scene', { scene_id: sceneId, qc: false })) as { warnings: string[] };
    expect(r.warnings).toContain(
      `audio bed '${late.bed.bed_id}' starts at 50 s, after the end of the scene (8.00 s), so it is not heard; move it with scene_remove_audio and ` +
        `scene_add_audio`,
    );
    await h.call('scene_remove_audio', { bed_id: late.bed.bed_id });
    const fx = String((await h.call('sfx_generate', { prompt: 'door', duration: 1 })).media_id);
    const placed = (await h.call('scene_add_audio', { scene_id: sceneId, media_id: fx, role: 'sfx', offset_seconds: 2 })) as {
      bed: { duck: boolean; gain_db: number; offset_seconds: number };
    };
    expect(placed.bed).toMatchObject({ duck: false, gain_db: -12, offset_seconds: 2 });
    const scene = (await h.call('scene_get', { scene_id: sceneId })) as { beds: { role: string }[] };
    expect(scene.beds.map((b) => b.role)).toEqual(['sfx']);
  });

  it('a film bed spans the scene cut, ducks under a line of the second scene, and changing it reuses every scene', async () => {
    const film = ((await h.call('film_create', { title: 'Film bed', settings: { width: 320, height: 180, fps: 24 } })) as Id<'film'>).film.film_id;
    const silentLine = String((await h.call('media_import', { path: path.join(dir, 'line.wav') })).media_id);
    for (const title of ['first', 'second']) {
      const scene = ((await h.call('scene_create', { film_id: film, title })) as Id<'scene'>).scene.scene_id;
      const shot = ((await h.call('shot_create', { scene_id: scene, prompt: title, model: 'local/animatic', duration: 3 })) as Id<'shot'>).shot.shot_id;
      await h.call('video_generate', { shot_id: shot });
      if (title === 'second') await h.call('shot_add_dialogue', { shot_id: shot, audio: silentLine, offset_seconds: 0.5 });
    }
    const loopBed = String((await h.call('music_generate', { prompt: 'strings', duration: 4, output_format: 'wav' })).media_id);
    const bed = (await h.call('film_add_audio', { film_id: film, media_id: loopBed, loop: true, gain_db: -6, fade_out: 0.5 })) as { bed: { bed_id: string } };
    const first = (await h.call('render_film', { film_id: film, qc: false })) as {
      file_path: string;
      mode: string;
      duration: number;
      scenes: { reused: boolean }[];
    };
    expect(first.mode).toMatch(/\+beds$/);
    expect(Math.abs(first.duration - 6)).toBeLessThan(0.15);
    // Looped past its 4 s and heard on both sides of the cut at 3 s (the pictures' own tracks are silent).
    for (const [from, to] of [
      [2.4, 2.9],
      [4.8, 5.3],
    ] as const) {
      expect(await rmsDb(first.file_path, from, to)).toBeGreaterThan(-35);
    }
    // The line plays at 3.5-4.7 s in film time: the film bed goes down under it.
    const under = await rmsDb(first.file_path, 3.8, 4.6);
    const before = await rmsDb(first.file_path, 1.2, 2.4);
    expect(before - under).toBeGreaterThanOrEqual(8);

    await h.call('film_remove_audio', { bed_id: bed.bed.bed_id });
    await h.call('film_add_audio', { film_id: film, media_id: loopBed, loop: true, gain_db: -12 });
    const second = (await h.call('render_film', { film_id: film, qc: false })) as { reused: boolean; scenes: { reused: boolean }[] };
    expect(second.reused).toBe(false);
    expect(second.scenes.map((s) => s.reused)).toEqual([true, true]);
    const again = (await h.call('render_film', { film_id: film, qc: false })) as { reused: boolean };
    expect(again.reused).toBe(true);
  }, 120_000);
});
