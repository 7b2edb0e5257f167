import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { probe } from '../../src/media/probe.js';
import { syncedLinesOf } from '../../src/studio/lipsync-line.js';
import { byRoute } from '../fakes/base.js';
import { startAllFakes, type AllFakes } from '../fakes/index.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';

/**
 * A shot with two speaking characters (issue 15, part 6): each line voiced with its character's voice on
 * ElevenLabs, then both lip-synced in one take by InfiniteTalk multi — each line placed on the shot's timeline, the
 * left person driven by one, the right by the other — and the scene mixed without voicing either line twice.
 */
describe('two speakers in one shot, voiced and lip-synced in one take (fakes)', () => {
  let fakes: AllFakes;
  let h: Harness;
  let dir: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    dir = tempDir('two-');
    const clip = path.join(dir, 'two.mp4');
    const png = path.join(dir, 'two.png');
    const mp3 = path.join(dir, 'line.mp3');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=24:duration=4', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=4'],
      ...['-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-c:a', 'aac', '-shortest', clip],
    ]);
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180', '-frames:v', '1', png]);
    await runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=200:duration=1.2', '-c:a', 'libmp3lame', mp3]);
    fakes = await startAllFakes();
    fakes.elevenlabs.setScenario({ audioBytes: fs.readFileSync(mp3), voices: ['voice-mara', 'voice-ivo'] });
    fakes.wavespeed.setScenario({ outputUrls: [fakes.wavespeed.addOutput('both.mp4', fs.readFileSync(clip), 'video/mp4')] });
    h = await startHarness({ env: { ...fakes.env, STUDIO_ALLOWED_DIRS: dir } });
    for (const [key, name, voice] of [
      ['mara', 'Mara', 'voice-mara'],
      ['ivo', 'Ivo', 'voice-ivo'],
    ] as const) {
      ids[key] = ((await h.call('character_create', { name, voice_id: voice })) as { character: { character_id: string } }).character.character_id;
    }
    ids.still = String((await h.call('media_import', { path: png })).media_id);
  }, 120_000);
  afterAll(async () => {
    await h.close();
    await fakes.close();
  });

  it('both lines are voiced with their voices, placed on the timeline and sent as left/right audio in one job', async () => {
    const scene = ((await h.call('scene_create', { title: 'Quay' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shot = ((await h.call('shot_create', { scene_id: scene, prompt: 'Mara and Ivo on the quay', duration: 4 })) as { shot: { shot_id: string } }).shot
      .shot_id;
    const say = (character: string, text: string, offset: number) =>
      h.call('voice_tts', { model: 'elevenlabs/eleven_flash_v2_5', shot_id: shot, character_id: character, text, offset_seconds: offset });
    const mara = await say(ids.mara as string, 'The boats are late.', 0.2);
    const ivo = await say(ids.ivo as string, 'They always are.', 2.0);
    expect(
      byRoute(fakes.elevenlabs.requests, 'tts')
        .slice(-2)
        .map((r) => r.path),
    ).toEqual(['/v1/text-to-speech/voice-mara/with-timestamps', '/v1/text-to-speech/voice-ivo/with-timestamps']);

    const jobsBefore = byRoute(fakes.wavespeed.requests, 'create').length;
    const r = await h.call('lipsync_image', { model: 'wavespeed/wavespeed-ai/infinitetalk/multi', shot_id: shot, image: ids.still });
    expect(r.status).toBe('succeeded');
    expect(r.warnings).toContain(
      `two speakers: left line '${String(mara.audio_id)}' (Mara), right line '${String(ivo.audio_id)}' (Ivo); pass left_audio / right_audio to choose the ` +
        `sides`,
    );
    // One job for both speakers.
    const creates = byRoute(fakes.wavespeed.requests, 'create');
    expect(creates.length - jobsBefore).toBe(1);
    const body = creates.at(-1)?.json as Record<string, string>;
    expect(creates.at(-1)?.path).toBe('/api/v3/wavespeed-ai/infinitetalk/multi');
    expect(Object.keys(body).sort()).toEqual(['image', 'left_audio', 'order', 'right_audio']);
    expect(body.order).toBe('meanwhile');

    // Each side is its line padded onto the shot's 4 s timeline, at its own offset.
    const media = await h.studio.library.get(String(r.media_id));
    const left = await h.studio.library.get(String(media.input_params['left_audio']));
    const right = await h.studio.library.get(String(media.input_params['right_audio']));
    expect(left.extra['padded_line']).toEqual({ media_id: mara.media_id, audio_id: mara.audio_id, offset_seconds: 0.2, total_seconds: 4 });
    expect(right.extra['padded_line']).toEqual({ media_id: ivo.media_id, audio_id: ivo.audio_id, offset_seconds: 2, total_seconds: 4 });
    for (const side of [left, right]) expect((await probe(h.studio.library.absPath(side))).durationSeconds).toBeCloseTo(4, 1);
    expect(media.shot_id).toBe(shot);

    // The render takes the synced take and mixes neither line again (the take carries both).
    expect(await syncedLinesOf(h.studio, media)).toEqual([mara.media_id, ivo.media_id]);
    const render = (await h.call('render_scene', { scene_id: scene })) as { shots: { lipsync: boolean }[] };
    expect(render.shots.map((s) => s.lipsync)).toEqual([true]);
  });

  it("Text to Dialogue voices an exchange in both characters' voices as one line of the shot", async () => {
    const scene = ((await h.call('scene_create', { title: 'Exchange' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shot = ((await h.call('shot_create', { scene_id: scene, prompt: 'the two argue', duration: 4 })) as { shot: { shot_id: string } }).shot.shot_id;
    const inputs = [
      { text: '[whispers] The boats are late.', voice_id: 'voice-mara' },
      { text: 'They always are.', voice_id: 'voice-ivo' },
    ];
    const r = await h.call('voice_tts', { model: 'elevenlabs/text-to-dialogue/eleven_v3', shot_id: shot, inputs, stability: 0.5, offset_seconds: 0.3 });
    expect(r.status).toBe('succeeded');
    const req = byRoute(fakes.elevenlabs.requests, 'dialogue').at(-1);
    expect(req?.path).toBe('/v1/text-to-dialogue');
    expect(req?.query).toEqual({});
    expect(req?.json).toEqual({ inputs, model_id: 'eleven_v3', settings: { stability: 0.5 } });
    const line = (await h.studio.store.shots.audio(shot)).find((l) => l.media_id === r.media_id);
    expect(line?.offset_seconds).toBe(0.3);
    expect((await h.studio.library.get(String(r.media_id))).type).toBe('voice');
  });

  it("Text to Dialogue turns may name characters: each is spoken in its character's voice", async () => {
    const inputs = [
      { character_id: ids.mara, text: 'Where were you?' },
      { character_id: ids.ivo, text: 'Out.' },
    ];
    const r = await h.call('voice_tts', { model: 'elevenlabs/text-to-dialogue/eleven_v3', inputs });
    expect(r.status).toBe('succeeded');
    expect(byRoute(fakes.elevenlabs.requests, 'dialogue').at(-1)?.json).toEqual({
      inputs: [
        { text: 'Where were you?', voice_id: 'voice-mara' },
        { text: 'Out.', voice_id: 'voice-ivo' },
      ],
      model_id: 'eleven_v3',
    });
    const err = await h.callError('voice_tts', { model: 'elevenlabs/text-to-dialogue/eleven_v3', inputs: [{ character_id: 'chr_nobody', text: 'Hi.' }] });
    expect(err.message).toBe("elevenlabs/text-to-dialogue/eleven_v3: inputs[0].character_id 'chr_nobody' is not a character");
  });

  it('Text to Dialogue refuses a turn without a voice before anything is sent', async () => {
    const before = byRoute(fakes.elevenlabs.requests, 'dialogue').length;
    const err = await h.callError('voice_tts', { model: 'elevenlabs/text-to-dialogue/eleven_v3', inputs: [{ text: 'Hi.' }] });
    expect(err.code).toBe('invalid_input');
    expect(err.message).toBe('elevenlabs/text-to-dialogue/eleven_v3: inputs[0] needs a voice_id or a character_id (whose voice speaks the turn)');
    expect(byRoute(fakes.elevenlabs.requests, 'dialogue').length).toBe(before);
  });

  it('models_list shows the models of late 2026, with the published prices', async () => {
    const models: Array<{ model: string; price?: string }> = [];
    let cursor: string | undefined;
    do {
      const page = (await h.call('models_list', { media_type: 'video', ...(cursor ? { cursor } : {}) })) as {
        models: Array<{ model: string; price?: string }>;
        next_cursor?: string;
      };
      models.push(...page.models);
      cursor = page.next_cursor;
    } while (cursor);
    const price = (id: string) => models.find((m) => m.model === id)?.price;
    expect(price('wavespeed/wavespeed-ai/infinitetalk/multi')).toBe('0.03 USD/second (varies)');
    expect(price('wavespeed/wavespeed-ai/infinitetalk-fast/multi')).toBe('0.015 USD/second');
    expect(price('wavespeed/wavespeed-ai/infinitetalk-fast/video-to-video')).toBe('0.015 USD/second');
    for (const id of ['seedance-1.5-pro', 'kling-o1', 'hailuo-02', 'veo-3.1-fast'].map((n) => models.find((m) => m.model.endsWith(`/${n}`))?.model)) {
      expect(id).toBeDefined();
    }
  });

  it('with one line the call is refused naming right_audio, and nothing is sent', async () => {
    const scene = ((await h.call('scene_create', { title: 'Alone' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shot = ((await h.call('shot_create', { scene_id: scene, prompt: 'Mara alone', duration: 3 })) as { shot: { shot_id: string } }).shot.shot_id;
    await h.call('voice_tts', { model: 'elevenlabs/eleven_flash_v2_5', shot_id: shot, character_id: ids.mara, text: 'Hello?', offset_seconds: 0 });
    const before = byRoute(fakes.wavespeed.requests, 'create').length;
    const err = await h.callError('lipsync_image', { model: 'wavespeed/wavespeed-ai/infinitetalk/multi', shot_id: shot, image: ids.still });
    expect(err.message).toMatch(/right_audio is required/);
    expect(byRoute(fakes.wavespeed.requests, 'create').length).toBe(before);
  });
});
