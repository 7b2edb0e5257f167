import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * What tools/list promises is what a call gets: the studio arguments of generation tools are held to their own
 * limits, one coercion rule holds everywhere, shot-supplied fields are not "required" in the schema but are
 * enforced per call with an error that says how to supply them, and blank prompts are refused where they are typed.
 */

type Props = Record<string, { type?: string; minimum?: number; maximum?: number; description?: string }>;

async function schemaOf(h: Harness, tool: string): Promise<{ properties: Props; required: string[] }> {
  const { tools } = await h.client.listTools();
  const t = tools.find((x) => x.name === tool);
  if (!t) throw new Error(`no tool ${tool}`);
  return { properties: t.inputSchema.properties as Props, required: (t.inputSchema.required as string[] | undefined) ?? [] };
}

describe('studio arguments are held to the limits tools/list shows', () => {
  let h: Harness;
  let sceneId: string;
  let shotId: string;
  beforeAll(async () => {
    h = await startHarness();
    sceneId = ((await h.call('scene_create', { title: 'S' })) as { scene: { scene_id: string } }).scene.scene_id;
    shotId = ((await h.call('shot_create', { scene_id: sceneId, prompt: 'a lighthouse', duration: 1 })) as { shot: { shot_id: string } }).shot.shot_id;
    await h.call('video_generate', { shot_id: shotId });
    await h.call('shot_create', { scene_id: sceneId });
  }, 120_000);
  afterAll(async () => h.close());

  it('voice_tts advertises offset_seconds 0..600 and gain_db -60..20', async () => {
    const s = await schemaOf(h, 'voice_tts');
    expect([s.properties.offset_seconds?.minimum, s.properties.offset_seconds?.maximum]).toEqual([0, 600]);
    expect([s.properties.gain_db?.minimum, s.properties.gain_db?.maximum]).toEqual([-60, 20]);
  });

  const refusals: { name: string; tool: string; args: () => Record<string, unknown>; field: string; message: string }[] = [
    {
      name: 'a negative offset',
      tool: 'voice_tts',
      args: () => ({ shot_id: shotId, text: 'Hello', offset_seconds: -1 }),
      field: 'offset_seconds',
      message: "voice_tts: 'offset_seconds' must be between 0 and 600 (got -1)",
    },
    {
      name: 'gain_db 100',
      tool: 'voice_tts',
      args: () => ({ shot_id: shotId, text: 'Hello', gain_db: 100 }),
      field: 'gain_db',
      message: "voice_tts: 'gain_db' must be between -60 and 20 (got 100)",
    },
    {
      name: 'gain_db 100 on voice_v2v',
      tool: 'voice_v2v',
      args: () => ({ shot_id: shotId, audio: 'med_x', gain_db: 100 }),
      field: 'gain_db',
      message: "voice_v2v: 'gain_db' must be between -60 and 20 (got 100)",
    },
    {
      name: 'gain_db as a word',
      tool: 'voice_tts',
      args: () => ({ text: 'Hello', gain_db: 'loud' }),
      field: 'gain_db',
      message: `voice_tts: 'gain_db' must be a number (got the string "loud")`,
    },
    {
      name: 'a negative offset on shot_add_dialogue',
      tool: 'shot_add_dialogue',
      args: () => ({ shot_id: shotId, audio: 'med_x', offset_seconds: -1 }),
      field: 'offset_seconds',
      message: "shot_add_dialogue: 'offset_seconds' must be between 0 and 600 (got -1)",
    },
    {
      name: 'gain_db 100 on shot_add_dialogue',
      tool: 'shot_add_dialogue',
      args: () => ({ shot_id: shotId, audio: 'med_x', gain_db: 100 }),
      field: 'gain_db',
      message: "shot_add_dialogue: 'gain_db' must be between -60 and 20 (got 100)",
    },
    { name: 'an empty shot_id', tool: 'lipsync_video', args: () => ({ shot_id: '' }), field: 'shot_id', message: "lipsync_video: 'shot_id' must not be empty" },
    {
      name: 'use_last_frame as a word',
      tool: 'video_generate',
      args: () => ({ prompt: 'x', use_last_frame: 'yes' }),
      field: 'use_last_frame',
      message: `video_generate: 'use_last_frame' must be true or false (got the string "yes")`,
    },
  ];
  for (const c of refusals) {
    it(`refuses ${c.name} at ${c.tool}, naming the field`, async () => {
      const jobsBefore = (await h.studio.store.jobs.list({ limit: 1_000_000 })).length;
      const err = await h.callError(c.tool, c.args());
      expect(err).toMatchObject({ code: 'invalid_input', field: c.field, message: c.message });
      expect((await h.studio.store.jobs.list({ limit: 1_000_000 })).length).toBe(jobsBefore);
    });
  }

  it('lists every bad studio argument of a call in one error', async () => {
    const err = await h.callError('voice_tts', { shot_id: shotId, text: 'Hello', offset_seconds: -1, gain_db: 100 });
    expect(err.message).toBe("voice_tts: 'offset_seconds' must be between 0 and 600 (got -1); 'gain_db' must be between -60 and 20 (got 100)");
    expect(err.field).toBe('offset_seconds, gain_db');
  });

  it('accepts the limits themselves and attaches the line where it was asked', async () => {
    const r = await h.call('voice_tts', { shot_id: shotId, text: 'Hi', offset_seconds: '0.5', gain_db: -60 });
    const line = (await h.studio.store.shots.audio(shotId)).find((a) => a.audio_id === r.audio_id);
    expect([line?.offset_seconds, line?.gain_db]).toEqual([0.5, -60]);
  });
});

describe('one coercion rule for every tool', () => {
  let h: Harness;
  let sceneId: string;
  beforeAll(async () => {
    h = await startHarness();
    sceneId = ((await h.call('scene_create', { title: 'S' })) as { scene: { scene_id: string } }).scene.scene_id;
  });
  afterAll(async () => h.close());

  it('reads duration "4" on shot_create as 4 (a nullable number), as video_generate does', async () => {
    const r = (await h.call('shot_create', { scene_id: sceneId, prompt: 'p', duration: '4', position: '0' })) as { shot: { duration: number } };
    expect(r.shot.duration).toBe(4);
  });

  it('reads numbers and booleans inside objects (render settings) too', async () => {
    const r = (await h.call('scene_update', { scene_id: sceneId, settings: { width: '320', height: '240', fps: '12.5', loudnorm: 'false' } })) as {
      scene: { settings: Record<string, unknown> };
    };
    expect(r.scene.settings).toEqual({ width: 320, height: 240, fps: 12.5, loudnorm: false });
  });

  it('refuses a string that is not a number as "must be a number, got the string", never as "required"', async () => {
    const err = await h.callError('shot_create', { scene_id: sceneId, duration: 'four' });
    expect(err).toMatchObject({
      code: 'invalid_input',
      field: 'duration',
      message: `shot_create: 'duration' must be a number or null (got the string "four")`,
    });
    const nested = await h.callError('scene_update', { scene_id: sceneId, settings: { width: 'wide' } });
    expect(nested).toMatchObject({ field: 'settings.width', message: `scene_update: 'settings.width' must be an integer (got the string "wide")` });
  });

  it('reads model fields of the model a call names by the same rule, whatever was looked up before', async () => {
    await h.call('video_get_capabilities', { model: 'vertex/veo-3.1-generate-001' });
    const r = await h.call('video_generate', { model: 'local/animatic', prompt: 'a lamp', duration: '1', seed: '3' });
    expect(r.status).toBe('succeeded');
    expect((await h.studio.store.jobs.get(r.job_id as string))?.request.input_params).toMatchObject({ duration: 1, seed: 3 });
  });
});

describe('required lists only what a call truly needs', () => {
  let h: Harness;
  let sceneId: string;
  beforeAll(async () => {
    h = await startHarness();
    sceneId = ((await h.call('scene_create', { title: 'S' })) as { scene: { scene_id: string } }).scene.scene_id;
  });
  afterAll(async () => h.close());

  it('video_generate does not require prompt, lipsync_video neither video nor audio: the shot supplies them', async () => {
    const video = await schemaOf(h, 'video_generate');
    expect(video.required).not.toContain('prompt');
    expect(video.properties.prompt?.description).toContain('Required unless shot_id supplies it');
    const lipsync = await schemaOf(h, 'lipsync_video');
    expect(lipsync.required).toEqual([]);
    expect(lipsync.properties.video?.description).toContain('Required unless shot_id supplies it');
    const image = await schemaOf(h, 'image_generate');
    expect(image.required).toEqual(['prompt']);
    const tts = await schemaOf(h, 'voice_tts');
    expect(tts.required).toEqual(['text']);
  });

  it('without prompt and without a shot that has one, says how to give it', async () => {
    const shot = ((await h.call('shot_create', { scene_id: sceneId })) as { shot: { shot_id: string } }).shot.shot_id;
    expect(await h.callError('video_generate', {})).toMatchObject({
      code: 'invalid_input',
      field: 'prompt',
      message: "video_generate (local/animatic): 'prompt' is required: give prompt, or shot_id of a shot that has a prompt",
    });
    expect(await h.callError('video_generate', { shot_id: shot })).toMatchObject({
      field: 'prompt',
      message: `video_generate (local/animatic): 'prompt' is required: give prompt, or shot_id of a shot that has a prompt (shot '${shot}' has none)`,
    });
    const lip = await h.callError('lipsync_video', { shot_id: shot });
    expect(lip.field).toBe('video');
    expect(lip.message).toBe(
      `lipsync_video (local/lipsync-video): 'video' is required: give video, or shot_id of a shot that has a take (generate its video first) (shot '${shot}' ` +
        `has none); ` +
        `lipsync_video (local/lipsync-video): 'audio' is required: give audio, or shot_id of a shot that has a dialogue line (voice_tts with shot_id adds ` +
        `one) (shot '${shot}' has none)`,
    );
  });

  it('video → voice → lip-sync with shot_id alone succeeds', async () => {
    const shot = ((await h.call('shot_create', { scene_id: sceneId, prompt: 'a keeper at the window', duration: 1 })) as { shot: { shot_id: string } }).shot
      .shot_id;
    expect((await h.call('video_generate', { shot_id: shot })).status).toBe('succeeded');
    expect((await h.call('voice_tts', { shot_id: shot, text: 'Hello' })).status).toBe('succeeded');
    const lip = await h.call('lipsync_video', { shot_id: shot });
    expect([lip.status, lip.shot_id, lip.take_number]).toEqual(['succeeded', shot, 2]);
  });
});

describe('empty prompts are refused where they are typed', () => {
  let h: Harness;
  let sceneId: string;
  let shotId: string;
  beforeAll(async () => {
    h = await startHarness();
    sceneId = ((await h.call('scene_create', { title: 'S' })) as { scene: { scene_id: string } }).scene.scene_id;
    shotId = ((await h.call('shot_create', { scene_id: sceneId, prompt: 'kept' })) as { shot: { shot_id: string } }).shot.shot_id;
  });
  afterAll(async () => h.close());

  it('at the generation tools, naming the model and the field', async () => {
    expect(await h.callError('video_generate', { prompt: '   ' })).toMatchObject({ code: 'invalid_input', field: 'prompt', model: 'local/animatic' });
    expect((await h.callError('video_generate', { prompt: '' })).message).toMatch(/^local\/animatic: field 'prompt' is empty; accepts /);
    expect((await h.callError('image_generate', { prompt: ' \n ' })).message).toMatch(/^local\/still: field 'prompt' is empty; accepts /);
    expect(await h.callError('voice_tts', { text: '  ' })).toMatchObject({ field: 'text', model: 'local/voice' });
    // Given with a shot, a blank prompt is still a mistake, not "use the shot's".
    expect((await h.callError('video_generate', { shot_id: shotId, prompt: ' ' })).field).toBe('prompt');
  });

  it('at shot_create and shot_update, and the shot keeps its prompt', async () => {
    expect(await h.callError('shot_create', { scene_id: sceneId, prompt: '' })).toMatchObject({
      field: 'prompt',
      message: "shot_create: 'prompt' must not be empty",
    });
    expect(await h.callError('shot_update', { shot_id: shotId, prompt: '  ' })).toMatchObject({
      field: 'prompt',
      message: "shot_update: 'prompt': must not be blank: give the words that describe the shot, or null for none",
    });
    expect((await h.studio.store.shots.get(shotId))?.prompt).toBe('kept');
    const cleared = (await h.call('shot_update', { shot_id: shotId, prompt: null })) as { shot: { prompt: string | null } };
    expect(cleared.shot.prompt).toBeNull();
  });
});
