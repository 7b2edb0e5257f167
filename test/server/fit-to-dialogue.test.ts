import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

/** fit_to_dialogue: a shot's planned duration follows its lines (end of the last one plus the padding). */
describe('a shot that fits its dialogue', () => {
  let h: Harness;
  let sceneId: string;

  beforeEach(async () => {
    h = await startHarness();
    sceneId = ((await h.call('scene_create', { title: 'Fit' })) as { scene: { scene_id: string } }).scene.scene_id;
  });
  afterEach(async () => {
    await h.close();
  });

  const durationOf = async (shotId: string): Promise<number | null> =>
    ((await h.call('scene_get', { scene_id: sceneId })) as { shots: { shot_id: string; duration: number | null }[] }).shots.find((s) => s.shot_id === shotId)
      ?.duration ?? null;

  it('follows its lines: lengthened to the line plus padding, says to regenerate once it has a take, and shrinks back to the model minimum', async () => {
    const created = (await h.call('shot_create', { scene_id: sceneId, prompt: 'Mara talks', model: 'local/animatic', duration: 2, fit_to_dialogue: true })) as {
      shot: { shot_id: string; fit_to_dialogue: boolean; dialogue_padding_seconds: number };
    };
    const shotId = created.shot.shot_id;
    expect(created.shot).toMatchObject({ fit_to_dialogue: true, dialogue_padding_seconds: 0.5 });
    await h.call('video_generate', { shot_id: shotId });
    // Eight words at the local voice's 2.5 words per second: a 3.2 s line.
    const line = (await h.call('voice_tts', { shot_id: shotId, text: 'one two three four five six seven eight', offset_seconds: 0.5 })) as {
      audio_id: string;
      duration: number;
      warnings: string[];
    };
    expect(Math.abs(line.duration - 3.2)).toBeLessThan(0.1);
    // local/animatic makes any length from 1 to 20 s, so the model length is the need rounded up to a tenth.
    const want = Math.ceil((0.5 + line.duration + 0.5) * 10 - 1e-6) / 10;
    expect(await durationOf(shotId)).toBe(want);
    const fit = line.warnings.find((w) => w.startsWith('fit:'));
    expect(fit).toContain(`is now ${want.toFixed(2)} s long for its lines; its current take is 2.00 s`);
    expect(fit).toContain(`video_generate(shot_id: "${shotId}")`);

    // Moving the line moves the end: the shot follows (here it shortens).
    const moved = (await h.call('shot_update_dialogue', { audio_id: line.audio_id, offset_seconds: 0 })) as { warnings: string[] };
    const shorter = Math.ceil((line.duration + 0.5) * 10 - 1e-6) / 10;
    expect(await durationOf(shotId)).toBe(shorter);
    expect(moved.warnings.find((w) => w.startsWith('fit:'))).toContain(`is now ${shorter.toFixed(2)} s`);

    // The padding is part of the shot: changing it refits at once.
    const padded = (await h.call('shot_update', { shot_id: shotId, dialogue_padding_seconds: 1.5 })) as { shot: { duration: number } };
    expect(padded.shot.duration).toBe(Math.ceil((line.duration + 1.5) * 10 - 1e-6) / 10);

    const removed = (await h.call('shot_remove_dialogue', { shot_id: shotId, audio_id: line.audio_id })) as { warnings: string[] };
    // No line left: 1.5 s of padding, and local/animatic's minimum is 1 s.
    expect(await durationOf(shotId)).toBe(1.5);
    expect(removed.warnings[0]).toContain('is now 1.50 s long for its lines');
    await h.call('shot_update', { shot_id: shotId, dialogue_padding_seconds: 0 });
    const line2 = (await h.call('voice_tts', { shot_id: shotId, text: 'hi', offset_seconds: 0 })) as { audio_id: string };
    await h.call('shot_remove_dialogue', { shot_id: shotId, audio_id: line2.audio_id });
    expect(await durationOf(shotId)).toBe(1);
  });

  it("leaves other shots alone: without fit_to_dialogue a line only warns, and fit: 'extend' still only lengthens", async () => {
    const shotId = ((await h.call('shot_create', { scene_id: sceneId, model: 'local/animatic', duration: 6 })) as { shot: { shot_id: string } }).shot.shot_id;
    const line = (await h.call('voice_tts', { shot_id: shotId, text: 'one two three four five six seven eight', offset_seconds: 0.5 })) as { audio_id: string };
    expect(await durationOf(shotId)).toBe(6);
    await h.call('shot_update_dialogue', { audio_id: line.audio_id, offset_seconds: 0, fit: 'extend' });
    expect(await durationOf(shotId)).toBe(6);
    await h.call('shot_remove_dialogue', { shot_id: shotId, audio_id: line.audio_id });
    expect(await durationOf(shotId)).toBe(6);
  });

  it('refuses a padding out of range, naming the field', async () => {
    const r = await h.raw('shot_create', { scene_id: sceneId, fit_to_dialogue: true, dialogue_padding_seconds: 9 });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toContain('dialogue_padding_seconds');
  });
});
