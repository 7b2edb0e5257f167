import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * The trial of issue 16 as a test: a scene shot the way an agent does it (video → voice → lip-sync per shot,
 * continuing shots on the previous last frame), then edited. Every number the film depends on is checked.
 */
describe('the edit tells the truth', () => {
  let h: Harness;
  let sceneId: string;
  let filmId: string;
  let mara: string;
  let tom: string;

  const shot = async (prompt: string, character: string, duration: number, extra: Record<string, unknown> = {}): Promise<string> =>
    (
      (await h.call('shot_create', { scene_id: sceneId, prompt, character_id: character, model: 'local/animatic', duration, ...extra })) as {
        shot: { shot_id: string };
      }
    ).shot.shot_id;

  beforeEach(async () => {
    h = await startHarness();
    const ref = (await h.call('image_generate', { model: 'local/still', prompt: 'Mara portrait', aspect_ratio: '1:1' })) as { media_id: string };
    mara = ((await h.call('character_create', { name: 'Mara', reference_images: [ref.media_id], voice_id: 'mara' })) as { character: { character_id: string } })
      .character.character_id;
    tom = ((await h.call('character_create', { name: 'Tom', voice_id: 'tom' })) as { character: { character_id: string } }).character.character_id;
    filmId = ((await h.call('film_create', { title: 'Trial', settings: { width: 320, height: 180, fps: 24 } })) as { film: { film_id: string } }).film.film_id;
    sceneId = ((await h.call('scene_create', { film_id: filmId, title: 'Harbour' })) as { scene: { scene_id: string } }).scene.scene_id;
  });
  afterEach(async () => {
    await h.close();
  });

  it('a lip-synced shot keeps its length and its line keeps its offset', async () => {
    const s1 = await shot('Mara at the door', mara, 4);
    await h.call('video_generate', { shot_id: s1 });
    const line = (await h.call('voice_tts', { shot_id: s1, character_id: mara, text: 'Hello there.', offset_seconds: 0.5 })) as {
      audio_id: string;
      duration: number;
    };
    expect(line.duration).toBeLessThan(3);
    const synced = (await h.call('lipsync_video', { shot_id: s1 })) as { duration: number; take_number: number };
    expect(synced.take_number).toBe(2);
    expect(Math.abs(synced.duration - 4)).toBeLessThanOrEqual(1 / 24 + 0.03);
    const r = (await h.call('render_scene', { scene_id: sceneId })) as {
      duration: number;
      timeline: { take: number; lipsync?: boolean; start: number; end: number; lines: { audio_id: string; start: number }[] }[];
      warnings: string[];
    };
    expect(Math.abs(r.duration - 4)).toBeLessThanOrEqual(0.05);
    expect(r.timeline).toHaveLength(1);
    expect(r.timeline[0]).toMatchObject({ take: 2, lipsync: true, start: 0 });
    expect(r.timeline[0]?.lines).toEqual([{ audio_id: line.audio_id, start: 0.5, end: expect.any(Number) }]);
    expect(r.warnings).toEqual([]);
  });

  it('overlapping and overrunning lines come back as warnings naming both lines, with the fix', async () => {
    const s1 = await shot('Two speak', mara, 2);
    await h.call('video_generate', { shot_id: s1 });
    const a = (await h.call('voice_tts', { shot_id: s1, character_id: mara, text: 'One two three four.', offset_seconds: 0 })) as {
      audio_id: string;
      duration: number;
      warnings: string[];
    };
    expect(a.warnings).toEqual([]);
    const b = (await h.call('voice_tts', {
      shot_id: s1,
      character_id: tom,
      text: 'Five six seven eight nine ten eleven twelve thirteen.',
      offset_seconds: a.duration - 0.4,
    })) as { audio_id: string; warnings: string[] };
    const overlap = b.warnings.find((w) => w.includes('overlap'));
    expect(overlap).toContain(a.audio_id);
    expect(overlap).toContain(b.audio_id);
    expect(overlap).toContain(`shot_update_dialogue(audio_id: "${b.audio_id}"`);
    const overrun = b.warnings.find((w) => w.includes('past the end'));
    expect(overrun).toContain(b.audio_id);
    // The suggested move fixes the overlap; the overrun remains until the shot is lengthened.
    const moved = (await h.call('shot_update_dialogue', { audio_id: b.audio_id, offset_seconds: Math.ceil(a.duration * 100) / 100, fit: 'extend' })) as {
      warnings: string[];
    };
    expect(moved.warnings.some((w) => w.includes('overlap'))).toBe(false);
    expect(moved.warnings.find((w) => w.startsWith('fit:'))).toContain(`video_generate(shot_id: "${s1}")`);
    await h.call('video_generate', { shot_id: s1 });
    const r = (await h.call('render_scene', { scene_id: sceneId, strict: true })) as {
      warnings: string[];
      timeline: { end: number; lines: { cut?: number }[] }[];
    };
    expect(r.warnings).toEqual([]);
    expect(r.timeline[0]?.lines.every((l) => l.cut === undefined)).toBe(true);
  });

  it('refuses out-of-range offsets and gains at voice_tts, naming the field', async () => {
    const s1 = await shot('x', mara, 2);
    for (const [args, field] of [
      [{ offset_seconds: -1 }, 'offset_seconds'],
      [{ gain_db: 100 }, 'gain_db'],
    ] as const) {
      const e = await h.callError('voice_tts', { shot_id: s1, character_id: mara, text: 'Hi.', ...args });
      expect(e.code).toBe('invalid_input');
      expect(e.field).toBe(field);
    }
  });

  it('a new take of shot N names shot N+1 as stale with the call that refreshes it; strict renders refuse until then', async () => {
    const s1 = await shot('Mara walks', mara, 2);
    const s2 = await shot('Mara turns', mara, 2);
    const s3 = await shot('Tom answers (reverse angle)', tom, 2);
    await h.call('video_generate', { shot_id: s1 });
    await h.call('video_generate', { shot_id: s2, use_last_frame: true });
    await h.call('video_generate', { shot_id: s3 });
    const clean = (await h.call('render_scene', { scene_id: sceneId, strict: true })) as { warnings: string[] };
    expect(clean.warnings).toEqual([]);

    const again = (await h.call('video_generate', { shot_id: s1, prompt: 'Mara runs' })) as {
      stale_shots: { shot_id: string; fix: string[] }[];
      warnings: string[];
    };
    expect(again.stale_shots.map((s) => s.shot_id)).toEqual([s2]);
    expect(again.stale_shots[0]?.fix).toEqual([`video_generate(shot_id: "${s2}", use_last_frame: true)`]);
    expect(again.warnings.join(' ')).toContain(s2);

    const refused = await h.callError('render_scene', { scene_id: sceneId, strict: true });
    expect(refused.code).toBe('invalid_input');
    expect(refused.message).toContain(s2);
    const lenient = (await h.call('render_scene', { scene_id: sceneId })) as { stale_cuts: { shot_id: string }[] };
    expect(lenient.stale_cuts.map((c) => c.shot_id)).toEqual([s2]);

    // Following the suggested call makes the cut clean again (the shot remembers that it continues).
    await h.call('video_generate', { shot_id: s2, use_last_frame: true });
    const ok = (await h.call('render_scene', { scene_id: sceneId, strict: true })) as { warnings: string[] };
    expect(ok.warnings).toEqual([]);
  });

  it('scene_get and film_get say when their render no longer shows the edit, and which render does when the edit comes back', async () => {
    const s1 = await shot('Mara at the door', mara, 1);
    await h.call('video_generate', { shot_id: s1 });
    // The film renders its scene to the film's settings: that scene render is the one that shows the edit.
    const film = (await h.call('render_film', { film_id: filmId, qc: false })) as { media_id: string; scenes: { media_id: string }[] };
    const scene = film.scenes[0] as { media_id: string };
    type View = { latest_render: { media_id: string; stale: boolean } | null };
    const views = async (): Promise<[View['latest_render'], View['latest_render']]> => [
      ((await h.call('scene_get', { scene_id: sceneId })) as View).latest_render,
      ((await h.call('film_get', { film_id: filmId })) as View).latest_render,
    ];
    expect(await views()).toEqual([
      expect.objectContaining({ media_id: scene.media_id, stale: false }),
      expect.objectContaining({ media_id: film.media_id, stale: false }),
    ]);
    // A new take: the renders on record show the old one.
    await h.call('video_generate', { shot_id: s1, prompt: 'Mara at the open door' });
    expect(await views()).toEqual([
      expect.objectContaining({ media_id: scene.media_id, stale: true }),
      expect.objectContaining({ media_id: film.media_id, stale: true }),
    ]);
    // Back to the first take: the first renders show the edit again (render_scene would reuse them).
    await h.call('shot_select_take', { shot_id: s1, take_number: 1 });
    expect(await views()).toEqual([
      expect.objectContaining({ media_id: scene.media_id, stale: false }),
      expect.objectContaining({ media_id: film.media_id, stale: false }),
    ]);
    // The scene rendered on its own (its own settings): the film render still shows the edit.
    const alone = (await h.call('render_scene', { scene_id: sceneId, qc: false, loudnorm: true })) as { media_id: string; reused: boolean };
    expect(alone.reused).toBe(false);
    expect(await views()).toEqual([
      expect.objectContaining({ media_id: alone.media_id, stale: false }),
      expect.objectContaining({ media_id: film.media_id, stale: false }),
    ]);
  });

  it('a new take warns that the lip-sync was made from an earlier take', async () => {
    const s1 = await shot('Mara speaks', mara, 3);
    await h.call('video_generate', { shot_id: s1 });
    await h.call('voice_tts', { shot_id: s1, character_id: mara, text: 'Hello.' });
    await h.call('lipsync_video', { shot_id: s1 });
    const again = (await h.call('video_generate', { shot_id: s1 })) as { warnings: string[] };
    expect(again.warnings.find((w) => w.includes('lip-sync'))).toContain(`lipsync_video(shot_id: "${s1}")`);
  });

  it('video_smooth_transition declines between shots that already join', async () => {
    const s1 = await shot('a', mara, 2);
    const s2 = await shot('b', mara, 2);
    await h.call('video_generate', { shot_id: s1 });
    await h.call('video_generate', { shot_id: s2, use_last_frame: true });
    const e = await h.callError('video_smooth_transition', { from_shot_id: s1 });
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('already starts on the last frame');
    expect(((await h.call('scene_get', { scene_id: sceneId })) as { shots: unknown[] }).shots).toHaveLength(2);
  });

  it('a line placed after its shot ends is named at voice_tts and by the render, which leaves it out instead of failing', async () => {
    const s1 = await shot('a', mara, 2);
    await h.call('video_generate', { shot_id: s1 });
    const late = (await h.call('voice_tts', { shot_id: s1, character_id: mara, text: 'Too late.', offset_seconds: 30 })) as {
      audio_id: string;
      warnings: string[];
    };
    expect(late.warnings).toHaveLength(1);
    expect(late.warnings[0]).toContain(`line '${late.audio_id}' starts at 30.00 s, after shot 1`);
    expect(late.warnings[0]).toContain(`shot_update_dialogue(audio_id: "${late.audio_id}"`);
    const r = (await h.call('render_scene', { scene_id: sceneId })) as { warnings: string[]; duration: number; timeline: { lines?: unknown[] }[] };
    expect(r.warnings.join(' ')).toContain(late.audio_id);
    expect(r.timeline[0]?.lines).toBeUndefined();
    expect(Math.abs(r.duration - 2)).toBeLessThanOrEqual(0.05);
    const strict = await h.callError('render_scene', { scene_id: sceneId, strict: true, force: true });
    expect(strict.message).toContain(late.audio_id);
  });

  it('a render error about a line names its audio_id and the call that takes it out', async () => {
    const s1 = await shot('a', mara, 2);
    await h.call('video_generate', { shot_id: s1 });
    const line = (await h.call('voice_tts', { shot_id: s1, character_id: mara, text: 'Hi.' })) as { audio_id: string; media_id: string };
    fs.rmSync(h.studio.library.absPath(await h.studio.library.get(line.media_id)));
    const e = await h.callError('render_scene', { scene_id: sceneId });
    expect(e.field).toBe('audio_id');
    expect(e.message).toContain(`line '${line.audio_id}'`);
    expect(e.message).toContain(`shot_remove_dialogue(shot_id: "${s1}", audio_id: "${line.audio_id}")`);
    await h.call('shot_remove_dialogue', { shot_id: s1, audio_id: line.audio_id });
    expect(((await h.call('render_scene', { scene_id: sceneId })) as { warnings: string[] }).warnings).toEqual([]);
  });

  it('a transition into a first shot is refused; character_delete refuses while shots use the character', async () => {
    const e = await h.callError('shot_create', { scene_id: sceneId, prompt: 'x', transition: { type: 'fade_black', duration: 1 } });
    expect(e.field).toBe('transition');
    const s1 = await shot('a', mara, 2);
    const d = await h.callError('character_delete', { character_id: mara });
    expect(d.message).toContain(s1);
    const forced = (await h.call('character_delete', { character_id: mara, force: true })) as { detached_shots: string[] };
    expect(forced.detached_shots).toEqual([s1]);
  });

  it('the film is as long as its planned shots minus transitions, lip-sync included', async () => {
    const s1 = await shot('a', mara, 4);
    const s2 = await shot('b', tom, 3, { transition: { type: 'crossfade', duration: 0.5 } });
    await h.call('video_generate', { shot_id: s1 });
    await h.call('voice_tts', { shot_id: s1, character_id: mara, text: 'Short.', offset_seconds: 0.5 });
    await h.call('lipsync_video', { shot_id: s1 });
    await h.call('video_generate', { shot_id: s2 });
    await h.call('voice_tts', { shot_id: s2, character_id: tom, text: 'Also short.', offset_seconds: 1 });
    await h.call('lipsync_video', { shot_id: s2 });
    const f = (await h.call('render_film', { film_id: filmId })) as {
      duration: number;
      warnings: string[];
      timeline: { shots: { start: number; end: number }[] }[];
    };
    expect(Math.abs(f.duration - (4 + 3 - 0.5))).toBeLessThanOrEqual(0.1);
    expect(f.warnings).toEqual([]);
    expect(f.timeline[0]?.shots.map((s) => [s.start, s.end])).toEqual([
      [0, 4],
      [3.5, 6.5],
    ]);
  });
});
