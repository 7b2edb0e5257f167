import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { byRoute } from '../fakes/base.js';
import { FAKE_KEYS, startAllFakes, type AllFakes } from '../fakes/index.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';

/**
 * The whole studio against the four fake providers: character injection, continuity and rules decide what is sent;
 * the adapters send it as documented; real media comes back and is ingested with metadata, takes and frames.
 */
describe('a film shot on the real providers (fakes on 127.0.0.1)', () => {
  let fakes: AllFakes;
  let h: Harness;
  let dir: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    dir = tempDir('media-');
    const clip = path.join(dir, 'clip.mp4');
    const png = path.join(dir, 'face.png');
    const mp3 = path.join(dir, 'line.mp3');
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x180:rate=24:duration=2',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=300:duration=2',
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libx264',
      '-c:a',
      'aac',
      '-shortest',
      clip,
    ]);
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=256x256', '-frames:v', '1', png]);
    await runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=200:duration=1.5', '-c:a', 'libmp3lame', mp3]);
    fakes = await startAllFakes();
    fakes.vertex.setScenario({ videoBytes: fs.readFileSync(clip), imageBytes: fs.readFileSync(png) });
    fakes.replicate.setScenario({ outputUrls: [fakes.replicate.addOutput('img.png', fs.readFileSync(png), 'image/png')], pollsBeforeDone: 1 });
    fakes.elevenlabs.setScenario({ audioBytes: fs.readFileSync(mp3), voices: ['voice-mara'] });
    fakes.wavespeed.setScenario({ outputUrls: [fakes.wavespeed.addOutput('synced.mp4', fs.readFileSync(clip), 'video/mp4')] });
    h = await startHarness({ env: { ...fakes.env, STUDIO_ALLOWED_DIRS: dir } });
    const refs: string[] = [];
    for (let i = 0; i < 3; i++) refs.push(String((await h.call('media_import', { path: png })).media_id));
    const mara = (await h.call('character_create', { name: 'Mara', reference_images: refs, voice_id: 'voice-mara', style_tokens: 'film grain' })) as {
      character: { character_id: string };
    };
    ids.mara = mara.character.character_id;
  }, 120_000);
  afterAll(async () => {
    await h.close();
    await fakes.close();
  });

  /** Each test films its own scene of two shots of Mara on Veo: no test depends on another's takes or lines. */
  const harbour = async (): Promise<{ scene: string; s1: string; s2: string }> => {
    const scene = ((await h.call('scene_create', { title: 'Harbour' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shot = async (n: string) =>
      (
        (await h.call('shot_create', { scene_id: scene, prompt: `harbour ${n}`, character_id: ids.mara, model: 'vertex/veo-3.1-fast-generate-001' })) as {
          shot: { shot_id: string };
        }
      ).shot.shot_id;
    return { scene, s1: await shot('s1'), s2: await shot('s2') };
  };
  const shoot = async (shotId: string): Promise<string> => String((await h.call('video_generate', { shot_id: shotId })).media_id);
  const speak = async (shotId: string): Promise<string> =>
    String(
      (
        await h.call('voice_tts', {
          model: 'elevenlabs/eleven_multilingual_v2',
          shot_id: shotId,
          character_id: ids.mara,
          text: 'The boats are late.',
          offset_seconds: 0.5,
        })
      ).media_id,
    );

  it("Veo with the character's three reference images: asset references, 8 s forced, style tokens in the prompt", async () => {
    const { s1 } = await harbour();
    const r = await h.call('video_generate', { shot_id: s1 });
    expect(r.status).toBe('succeeded');
    const start = byRoute(fakes.vertex.requests, 'veo-start');
    const body = start[start.length - 1]?.json as { instances: Record<string, unknown>[]; parameters: Record<string, unknown> };
    expect(start[start.length - 1]?.path).toMatch(
      /\/v1\/projects\/[^/]+\/locations\/us-central1\/publishers\/google\/models\/veo-3\.1-fast-generate-001:predictLongRunning$/,
    );
    const inst = body.instances[0] as {
      prompt: string;
      referenceImages: { referenceType: string; image: { bytesBase64Encoded: string; mimeType: string } }[];
      image?: unknown;
    };
    expect(inst.prompt).toBe('harbour s1, film grain');
    expect(inst.referenceImages).toHaveLength(3);
    expect(inst.referenceImages.every((x) => x.referenceType === 'asset' && x.image.mimeType === 'image/png' && x.image.bytesBase64Encoded.length > 100)).toBe(
      true,
    );
    expect(inst.image).toBeUndefined();
    expect(body.parameters.durationSeconds).toBe(8);
    const m = await h.studio.library.get(String(r.media_id));
    expect(m).toMatchObject({ provider: 'vertex', model: 'vertex/veo-3.1-fast-generate-001', character_id: ids.mara, shot_id: s1, take_number: 1 });
    expect(m.reference_images_used).toHaveLength(3);
    expect(m.provider_request_id).toMatch(/\/operations\//);
  });

  it('Veo continuing from the last frame: image (+ lastFrame), character references skipped with a warning', async () => {
    const { s1, s2 } = await harbour();
    const prev = await h.studio.library.get(await shoot(s1));
    const end = String((await h.call('image_generate', { model: 'local/still', prompt: 'end' })).media_id);
    const r = await h.call('video_generate', { shot_id: s2, use_last_frame: true, end_frame: end, duration: 6 });
    expect(r.status).toBe('succeeded');
    expect((r.warnings as string[]).join(' ')).toMatch(/reference images skipped|reference_images cannot be combined/);
    const start = byRoute(fakes.vertex.requests, 'veo-start');
    const inst = (start[start.length - 1]!.json as { instances: Record<string, { bytesBase64Encoded: string }>[] }).instances[0] as Record<
      string,
      { bytesBase64Encoded: string } | undefined
    >;
    const lastFramePng = fs.readFileSync(h.studio.library.absPath(await h.studio.library.get(prev.last_frame_id as string)));
    expect(inst.image?.bytesBase64Encoded).toBe(lastFramePng.toString('base64'));
    const endPng = fs.readFileSync(h.studio.library.absPath(await h.studio.library.get(end)));
    expect(inst.lastFrame?.bytesBase64Encoded).toBe(endPng.toString('base64'));
    expect(inst.referenceImages).toBeUndefined();
    const m = await h.studio.library.get(String(r.media_id));
    expect(m.start_frame_used).toBe(prev.last_frame_id);
    expect(m.end_frame_used).toBe(end);
  });

  it('Veo refuses explicit references with a start frame, before anything is sent', async () => {
    const before = fakes.vertex.requests.length;
    const frame = String((await h.call('image_generate', { model: 'local/still', prompt: 'f' })).media_id);
    const err = await h.callError('video_generate', { model: 'vertex/veo-3.1-generate-001', prompt: 'x', start_frame: frame, reference_images: [frame] });
    expect(err.message).toMatch(/reference_images cannot be combined with start_frame/);
    expect(fakes.vertex.requests.length).toBe(before);
  });

  it("Seedream with the character's reference images uploaded as image_input", async () => {
    const filesBefore = fakes.replicate.requests.filter((q) => q.path === '/v1/files').length;
    const r = await h.call('image_generate', { model: 'replicate/bytedance/seedream-4', prompt: 'Mara portrait', character_id: ids.mara });
    expect(r.status).toBe('succeeded');
    const creates = fakes.replicate.requests.filter((q) => q.method === 'POST' && q.path === '/v1/models/bytedance/seedream-4/predictions');
    const input = (creates[creates.length - 1]!.json as { input: { image_input: string[]; prompt: string } }).input;
    expect(input.image_input).toHaveLength(3);
    expect(input.image_input.every((u) => /\/v1\/files\//.test(u))).toBe(true);
    expect(fakes.replicate.requests.filter((q) => q.path === '/v1/files').length - filesBefore).toBe(3);
    expect((await h.studio.library.get(String(r.media_id))).type).toBe('image');
  });

  it("Gemini image with the character's reference images as inline parts after the prompt", async () => {
    const r = await h.call('image_generate', {
      model: 'vertex/gemini-2.5-flash-image',
      prompt: 'Mara on the pier',
      character_id: ids.mara,
      aspect_ratio: '16:9',
    });
    expect(r.status).toBe('succeeded');
    const call = byRoute(fakes.vertex.requests, 'gemini').pop();
    expect(call?.path).toMatch(/\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/gemini-2\.5-flash-image:generateContent$/);
    const body = call?.json as {
      contents: { parts: Record<string, unknown>[] }[];
      generationConfig: { responseModalities: string[]; imageConfig: { aspectRatio: string } };
    };
    const parts = body.contents[0]?.parts ?? [];
    expect(parts[0]).toMatchObject({ text: 'Mara on the pier, film grain' });
    expect(parts.slice(1).filter((p) => (p.inlineData as { mimeType?: string } | undefined)?.mimeType === 'image/png')).toHaveLength(3);
    expect(body.generationConfig.imageConfig.aspectRatio).toBe('16:9');
    expect(body.generationConfig.responseModalities).toContain('IMAGE');
    expect(await h.studio.library.get(String(r.media_id))).toMatchObject({ type: 'image', provider: 'vertex', character_id: ids.mara });
  });

  it("ElevenLabs speaks the line in the character's voice and attaches it to the shot", async () => {
    const { s2 } = await harbour();
    const r = await h.call('voice_tts', {
      model: 'elevenlabs/eleven_multilingual_v2',
      shot_id: s2,
      character_id: ids.mara,
      text: 'The boats are late.',
      offset_seconds: 0.5,
    });
    expect(r.status).toBe('succeeded');
    expect(r.audio_id).toBe((await h.studio.store.shots.audio(s2)).find((l) => l.media_id === r.media_id)?.audio_id);
    expect(r.audio_id).toMatch(/^aud_/);
    const tts = byRoute(fakes.elevenlabs.requests, 'tts');
    const last = tts[tts.length - 1];
    expect(last?.path).toBe('/v1/text-to-speech/voice-mara/with-timestamps');
    expect(last?.headers['xi-api-key']).toBe(FAKE_KEYS.ELEVENLABS_API_KEY);
    expect((last!.json as { text: string; model_id: string }).model_id).toBe('eleven_multilingual_v2');
    const m = await h.studio.library.get(String(r.media_id));
    expect(m.type).toBe('voice');
    expect(m.duration).toBeGreaterThan(1);
  });

  it('ElevenLabs timings: the line keeps where its words end, and its subtitle ends there, not at the end of its silence', async () => {
    const scene = ((await h.call('scene_create', { title: 'Quay' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shot = (
      (await h.call('shot_create', { scene_id: scene, prompt: 'quay', model: 'vertex/veo-3.1-fast-generate-001' })) as { shot: { shot_id: string } }
    ).shot.shot_id;
    await shoot(shot); // the fake's clip: 2 s
    const media = await speak(shot); // 'The boats are late.' at 0.5 s; the fake's mp3 runs 1.5 s
    const m = await h.studio.library.get(media);
    // The fake times character i from 0.1 + 0.05·i s: 19 characters, the words run 0.1–1.05 s of a 1.5 s file.
    expect(m.extra['speech']).toEqual({ start: 0.1, end: 1.05 });
    const alignment = m.extra['alignment'] as { characters: string[]; start_seconds: number[]; end_seconds: number[] };
    expect(alignment.characters.join('')).toBe('The boats are late.');
    expect(alignment.start_seconds[0]).toBe(0.1);
    expect(alignment.end_seconds.at(-1)).toBe(1.05);
    expect(m.duration).toBeGreaterThan(1.5);
    const r = (await h.call('subtitles_export', { scene_id: scene, format: 'srt' })) as { files: { path: string }[]; cues: number };
    expect(r.cues).toBe(1);
    // By the audio's length the cue would run to the end of the shot (0.5 + 1.5 s, cut at 2 s); by the words it ends at 1.55 s.
    expect(fs.readFileSync(r.files[0]!.path, 'utf8')).toContain('00:00:00,500 --> 00:00:01,550');
    // A second line at 1.6 s: inside the first one's audio (its silence) but after its words, so no overlap is reported;
    // its own words ('They always are.', 0.1–0.9 s) run past the 2 s shot by 0.5 s, and that is said.
    const next = await h.call('voice_tts', {
      model: 'elevenlabs/eleven_multilingual_v2',
      shot_id: shot,
      character_id: ids.mara,
      text: 'They always are.',
      offset_seconds: 1.6,
    });
    const warnings = (next.warnings ?? []) as string[];
    expect(warnings.filter((w) => w.includes('overlap'))).toEqual([]);
    expect(warnings.some((w) => w.startsWith(`line '${String(next.audio_id)}' (1.60–2.50 s) runs 0.50 s past the end`))).toBe(true);
  });

  it("ElevenLabs speech-to-speech re-voices a recording with the character's voice (multipart)", async () => {
    const line = String((await h.call('media_import', { path: path.join(dir, 'line.mp3') })).media_id);
    const r = await h.call('voice_v2v', { model: 'elevenlabs/eleven_multilingual_sts_v2', audio: line, character_id: ids.mara, stability: 0.4 });
    expect(r.status).toBe('succeeded');
    const sts = byRoute(fakes.elevenlabs.requests, 'sts').pop();
    expect(sts?.path).toBe('/v1/speech-to-speech/voice-mara');
    const names = (sts?.parts ?? []).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['audio', 'model_id']));
    const settings = sts?.parts?.find((p) => p.name === 'voice_settings');
    expect(JSON.parse(settings?.data.toString('utf8') ?? '{}')).toMatchObject({ stability: 0.4 });
    expect((await h.studio.library.get(String(r.media_id))).type).toBe('voice');
  });

  it("InfiniteTalk re-syncs the shot's take to its line: uploads, a new take with its parent", async () => {
    const { s2 } = await harbour();
    const source = await shoot(s2);
    await speak(s2);
    const uploadsBefore = byRoute(fakes.wavespeed.requests, 'upload').length;
    const r = await h.call('lipsync_video', { model: 'wavespeed/wavespeed-ai/infinitetalk/video-to-video', shot_id: s2, resolution: '480p' });
    expect(r.status).toBe('succeeded');
    expect(r.take_number).toBe(2);
    // The take's video and the shot's line.
    expect(byRoute(fakes.wavespeed.requests, 'upload').length - uploadsBefore).toBe(2);
    const create = byRoute(fakes.wavespeed.requests, 'create').pop();
    expect(create?.path).toBe('/api/v3/wavespeed-ai/infinitetalk/video-to-video');
    const body = create?.json as { video: string; audio: string; resolution: string };
    expect(body.resolution).toBe('480p');
    expect(body.video).toMatch(/^http/);
    expect(body.audio).toMatch(/^http/);
    const m = await h.studio.library.get(String(r.media_id));
    expect(m.parent_media_id).toBe(source);
    expect(m.shot_id).toBe(s2);
  });

  it("InfiniteTalk image mode uses the character's reference image as the face", async () => {
    const line = String((await h.call('media_import', { path: path.join(dir, 'line.mp3') })).media_id);
    const r = await h.call('lipsync_image', { model: 'wavespeed/wavespeed-ai/infinitetalk', character_id: ids.mara, audio: line, prompt: 'Mara speaks' });
    expect(r.status).toBe('succeeded');
    const create = byRoute(fakes.wavespeed.requests, 'create').pop();
    expect(create?.path).toBe('/api/v3/wavespeed-ai/infinitetalk');
    const body = create?.json as { image: string; audio: string; prompt: string };
    expect(body.image).toMatch(/^http/);
    expect(body.audio).toMatch(/^http/);
    const m = await h.studio.library.get(String(r.media_id));
    expect(m.input_params.image).toBe((await h.studio.store.characters.get(ids.mara as string))?.reference_images[0]);
  });

  it('renders the scene from the provider takes (the lip-synced take wins)', async () => {
    const { scene, s1, s2 } = await harbour();
    const first = await h.studio.library.get(await shoot(s1));
    await shoot(s2);
    await speak(s2);
    const synced = await h.studio.library.get(
      String((await h.call('lipsync_video', { model: 'wavespeed/wavespeed-ai/infinitetalk/video-to-video', shot_id: s2, resolution: '480p' })).media_id),
    );
    const r = (await h.call('render_scene', { scene_id: scene })) as { shots: { lipsync: boolean }[]; duration: number };
    expect(r.shots.map((x) => x.lipsync)).toEqual([false, true]);
    expect(Math.abs(r.duration - ((first.duration ?? 0) + (synced.duration ?? 0)))).toBeLessThanOrEqual(0.1);
  });
});
