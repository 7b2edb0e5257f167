import { describe, expect, it } from 'vitest';
import { inject, type InjectContext } from '../../src/capabilities/inject.js';
import { estimateCost } from '../../src/capabilities/pricing.js';
import { checkRules } from '../../src/capabilities/rules.js';
import { parseArgs, toolInputSchema, toProviderFields } from '../../src/capabilities/tool-schema.js';
import { cap, registry } from './helpers.js';

/** The studio's pipeline for one call, as the generation service runs it: validate, inject, rules. */
function run(id: string, args: Record<string, unknown>, ctx: InjectContext = {}) {
  const c = cap(id);
  let explicit: Record<string, unknown>;
  try {
    explicit = parseArgs(c, args, { lister: registry });
  } catch (e) {
    return { ok: false, errors: [(e as Error).message], values: {}, warnings: [] as string[] };
  }
  const inj = inject(c, explicit, ctx, registry);
  const r = checkRules(c, inj.values);
  return { ok: r.errors.length === 0, errors: r.errors.map((e) => e.message), values: r.values, warnings: inj.warnings };
}

const VEO = 'vertex/veo-3.1-generate-001';
const VEO_FAST = 'vertex/veo-3.1-fast-generate-001';
const VEO_LITE = 'vertex/veo-3.1-lite-generate-001';

describe('Veo 3.1 (Vertex)', () => {
  const p = { prompt: 'a lighthouse at dusk' };
  it.each([VEO, VEO_FAST, VEO_LITE])('%s: start frame only is ok, start + end is ok, end only is refused', (id) => {
    expect(run(id, { ...p, start_frame: 'm1' }).ok).toBe(true);
    expect(run(id, { ...p, start_frame: 'm1', end_frame: 'm2' }).ok).toBe(true);
    const end = run(id, { ...p, end_frame: 'm2' });
    expect(end.ok).toBe(false);
    expect(end.errors[0]).toMatch(new RegExp(`^${id}: end_frame \\(lastFrame\\) needs a start_frame`));
  });

  it.each([VEO, VEO_FAST])('%s: 3 refs ok (duration forced to 8), 4 refused, refs + start refused, refs + 6 s refused', (id) => {
    const three = run(id, { ...p, reference_images: ['a', 'b', 'c'] });
    expect(three.ok).toBe(true);
    expect(three.values['duration']).toBe(8);
    expect(run(id, { ...p, reference_images: ['a', 'b', 'c', 'd'] }).errors[0]).toMatch(
      /field 'reference_images' has 4 items, too many; accepts a list of 1 to 3 media ids/,
    );
    expect(run(id, { ...p, reference_images: ['a'], start_frame: 's' }).errors).toContain(
      `${id}: reference_images cannot be combined with start_frame or end_frame; use either up to 3 asset reference images, or a start frame with an ` +
        `optional end frame`,
    );
    expect(run(id, { ...p, reference_images: ['a'], duration: 6 }).errors).toEqual([`${id}: reference-to-video is 8 seconds and 16:9 only (got duration=6)`]);
    expect(run(id, { reference_images: ['a'] }).errors).toEqual([`${id}: reference_images need a prompt`]);
  });

  it('lite takes no reference images', () => {
    expect(run(VEO_LITE, { ...p, reference_images: ['a'] }).errors[0]).toMatch(
      new RegExp(
        /^vertex\/veo-3\.1-lite-generate-001 does not take reference_images; it accepts: .*; /.source +
          /video_generate models that take reference_images: .*vertex\/veo-3\.1-generate-001/.source,
      ),
    );
  });

  it('4k on the GA and Fast models (C2), not on Lite', () => {
    expect(run(VEO, { ...p, resolution: '4k' }).ok).toBe(true);
    expect(run(VEO_FAST, { ...p, resolution: '4k' }).ok).toBe(true);
    expect(run(VEO_LITE, { ...p, resolution: '4k' }).errors[0]).toMatch(/field 'resolution' .*accepts one of 720p, 1080p/);
  });

  it('durations 4/6/8 only and the seed is a uint32', () => {
    expect(run(VEO, { ...p, duration: 5 }).errors[0]).toMatch(/accepts one of 4, 6, 8/);
    expect(run(VEO, { ...p, seed: 4294967296 }).ok).toBe(false);
    expect(run(VEO, { ...p, seed: 4294967295 }).ok).toBe(true);
  });

  it('maps role names onto instance and parameter fields', () => {
    const c = cap(VEO);
    const fields = toProviderFields(c, { prompt: 'x', start_frame: 'm', end_frame: 'n', duration: 6, aspect_ratio: '9:16' });
    expect(fields).toEqual({ prompt: 'x', image: 'm', lastFrame: 'n', durationSeconds: 6, aspectRatio: '9:16' });
    expect(c.fields['image']?.path).toBe('instances.0.image');
    expect(c.fields['durationSeconds']?.path).toBe('parameters.durationSeconds');
    expect(c.fields['sampleCount']?.hidden).toBe(true);
  });

  it('character refs with a start frame are skipped with a warning, not an error', () => {
    const r = run(VEO, { ...p, start_frame: 's' }, { character: { name: 'Mara', reference_images: ['r1'], voice_id: null, style_tokens: null } });
    expect(r.ok).toBe(true);
    expect(r.values['reference_images']).toBeUndefined();
    expect(r.warnings[0]).toMatch(/reference images skipped: vertex\/veo-3\.1-generate-001: reference_images cannot be combined/);
  });
});

describe('Gemini image (Vertex)', () => {
  it('reference image counts per model', () => {
    const four = ['a', 'b', 'c', 'd'];
    expect(run('vertex/gemini-2.5-flash-image', { prompt: 'p', reference_images: four }).ok).toBe(false);
    expect(run('vertex/gemini-3-pro-image', { prompt: 'p', reference_images: four }).ok).toBe(true);
    expect(run('vertex/gemini-3-pro-image', { prompt: 'p', reference_images: Array(15).fill('x') }).ok).toBe(false);
  });
  it('image sizes and aspect ratios per model; Gemini 3 is global only', () => {
    expect(run('vertex/gemini-3.1-flash-image', { prompt: 'p', imageSize: '512', aspect_ratio: '8:1' }).ok).toBe(true);
    expect(run('vertex/gemini-3-pro-image', { prompt: 'p', imageSize: '512' }).ok).toBe(false);
    expect(run('vertex/gemini-3-pro-image', { prompt: 'p', aspect_ratio: '8:1' }).ok).toBe(false);
    expect(run('vertex/gemini-2.5-flash-image', { prompt: 'p', imageSize: '1K' }).ok).toBe(false);
    expect(cap('vertex/gemini-3-pro-image').location).toBe('global');
    expect(cap('vertex/gemini-2.5-flash-image').fields['aspectRatio']?.path).toBe('generationConfig.imageConfig.aspectRatio');
  });
});

describe('Replicate', () => {
  it('Seedream 4: reference images ok, a start frame refused as unsupported', () => {
    expect(run('replicate/bytedance/seedream-4', { prompt: 'p', reference_images: ['a', 'b'] }).ok).toBe(true);
    expect(run('replicate/bytedance/seedream-4', { prompt: 'p', start_frame: 's' }).errors[0]).toMatch(
      new RegExp(
        /^replicate\/bytedance\/seedream-4 does not take start_frame; it accepts: prompt, reference_images, size, aspect_ratio, .*; /.source +
          /no image_generate model takes start_frame$/.source,
      ),
    );
    expect(toProviderFields(cap('replicate/bytedance/seedream-4'), { reference_images: ['a'] })).toEqual({ image_input: ['a'] });
    expect(estimateCost(cap('replicate/bytedance/seedream-4'), { prompt: 'p' })?.usd).toBe(0.03);
  });

  it('Seedance: end frame needs the first frame; pro has no refs; lite refs exclude frames and 1080p', () => {
    expect(run('replicate/bytedance/seedance-1-pro', { prompt: 'p', end_frame: 'e' }).ok).toBe(false);
    expect(run('replicate/bytedance/seedance-1-pro', { prompt: 'p', start_frame: 's', end_frame: 'e' }).ok).toBe(true);
    expect(run('replicate/bytedance/seedance-1-pro', { prompt: 'p', reference_images: ['a'] }).ok).toBe(false);
    const lite = 'replicate/bytedance/seedance-1-lite';
    expect(run(lite, { prompt: 'p', reference_images: ['a', 'b', 'c', 'd'] }).ok).toBe(true);
    expect(run(lite, { prompt: 'p', reference_images: ['a'], start_frame: 's' }).ok).toBe(false);
    expect(run(lite, { prompt: 'p', reference_images: ['a'], resolution: '1080p' }).errors).toEqual([
      `${lite}: reference_images cannot be used at 1080p; use 480p or 720p (got resolution='1080p')`,
    ]);
    expect(estimateCost(cap(lite), { duration: 10, resolution: '1080p' })?.usd).toBe(0.72);
    expect(estimateCost(cap(lite), {})?.usd).toBe(0.18);
  });

  it('Replicate Veo 3.1: refs force 16:9 and 8 s', () => {
    const r = run('replicate/google/veo-3.1', { prompt: 'p', reference_images: ['a'] });
    expect(r.values).toMatchObject({ aspect_ratio: '16:9', duration: 8 });
    expect(run('replicate/google/veo-3.1', { prompt: 'p', reference_images: ['a'], aspect_ratio: '9:16' }).ok).toBe(false);
  });

  it('Kling v2.1: start image required (use_last_frame can supply it), end frame forces pro mode', () => {
    const k = 'replicate/kwaivgi/kling-v2.1';
    expect(run(k, { prompt: 'p' }).errors[0]).toMatch(/start_frame is required/);
    expect(run(k, { prompt: 'p' }, { lastFrame: 'last' }).ok).toBe(true);
    expect(run(k, { prompt: 'p', start_frame: 's', end_frame: 'e' }).values['mode']).toBe('pro');
    expect(run(k, { prompt: 'p', start_frame: 's', end_frame: 'e', mode: 'standard' }).ok).toBe(false);
  });

  it('MiniMax: a single subject reference gets the first character image', () => {
    const r = run(
      'replicate/minimax/video-01',
      { prompt: 'p' },
      { character: { name: 'M', reference_images: ['r1', 'r2'], voice_id: null, style_tokens: null } },
    );
    expect(r.values['reference_images']).toBe('r1');
    expect(toProviderFields(cap('replicate/minimax/video-01'), r.values)).toMatchObject({ subject_reference: 'r1' });
  });

  it('Stable Video Diffusion is a community model run by version, with no prompt', () => {
    const svd = cap('replicate/stability-ai/stable-video-diffusion');
    expect(svd.status).toBe('community');
    expect(svd.version).toMatch(/^[0-9a-f]{64}$/);
    expect(run(svd.id, { prompt: 'p', start_frame: 's' }).ok).toBe(false);
    expect(run(svd.id, { start_frame: 's' }).ok).toBe(true);
  });
});

describe('ElevenLabs', () => {
  const tts = 'elevenlabs/eleven_multilingual_v2';
  it('voice_id is required (a character can supply it) and goes in the URL path', () => {
    expect(run(tts, { text: 'Hello' }).errors[0]).toMatch(/^elevenlabs\/eleven_multilingual_v2: voice_id is required/);
    expect(run(tts, { text: 'Hello' }, { character: { name: 'M', reference_images: [], voice_id: 'v1', style_tokens: 'x' } }).values).toEqual({
      text: 'Hello',
      voice_id: 'v1',
    });
    expect(cap(tts).fields['voice_id']?.path).toBe('url.voice_id');
    expect(toolInputSchema('voice_tts', cap(tts), {}).required).toEqual(['text', 'voice_id']);
  });

  it('voice settings ranges', () => {
    const ok = run(tts, { text: 'Hi', voice_id: 'v', stability: 0.3, similarity_boost: 1, style: 0, speed: 1.2, use_speaker_boost: true });
    expect(ok.ok).toBe(true);
    expect(run(tts, { text: 'Hi', voice_id: 'v', stability: 1.5 }).errors[0]).toMatch(/field 'stability' is 1\.5, out of range; accepts a number from 0 to 1/);
    expect(run(tts, { text: 'Hi', voice_id: 'v', speed: 0.5 }).errors[0]).toMatch(/accepts a number from 0\.7 to 1\.2/);
    expect(run('elevenlabs/eleven_v3', { text: 'Hi', voice_id: 'v', stability: 0.3 }).ok).toBe(true);
    expect(run('elevenlabs/eleven_v3', { text: 'Hi', voice_id: 'v', stability: 1.2 }).errors[0]).toMatch(
      /field 'stability' is 1\.2, out of range; accepts a number from 0 to 1/,
    );
    expect(cap(tts).fields['stability']?.path).toBe('voice_settings.stability');
    expect(cap(tts).fields['output_format']?.path).toBe('query.output_format');
  });

  it('text length limits per model; language_code not on multilingual v2', () => {
    expect(run(tts, { text: 'x'.repeat(10001), voice_id: 'v' }).ok).toBe(false);
    expect(run('elevenlabs/eleven_flash_v2_5', { text: 'x'.repeat(10001), voice_id: 'v', language_code: 'de' }).ok).toBe(true);
    expect(run(tts, { text: 'x', voice_id: 'v', language_code: 'de' }).ok).toBe(false);
  });

  it('speech to speech needs audio and a voice', () => {
    const sts = 'elevenlabs/eleven_multilingual_sts_v2';
    expect(run(sts, { voice_id: 'v' }).errors[0]).toMatch(/audio is required/);
    expect(run(sts, { audio: 'a', voice_id: 'v', remove_background_noise: true, file_format: 'other' }).ok).toBe(true);
  });
});

describe('WaveSpeed InfiniteTalk', () => {
  it('image mode needs image and audio', () => {
    const id = 'wavespeed/wavespeed-ai/infinitetalk';
    const errs = run(id, {}).errors;
    expect(errs.some((e) => e.includes('image is required'))).toBe(true);
    expect(errs.some((e) => e.includes('audio is required'))).toBe(true);
    expect(run(id, { image: 'i', audio: 'a', mask_image: 'm', resolution: '720p', seed: -1 }).ok).toBe(true);
    expect(estimateCost(cap(id), { resolution: '720p' }, { seconds: 7.2 })?.usd).toBeCloseTo(0.48);
    expect(estimateCost(cap(id), {}, { seconds: 2 })?.usd).toBeCloseTo(0.15);
  });

  it('video-to-video needs video and audio, and takes no image', () => {
    const id = 'wavespeed/wavespeed-ai/infinitetalk/video-to-video';
    expect(run(id, { audio: 'a' }).errors[0]).toMatch(/video is required/);
    expect(run(id, { video: 'v', audio: 'a' }).ok).toBe(true);
    expect(run(id, { video: 'v', audio: 'a', image: 'i' }).ok).toBe(false);
  });

  it('the character reference image becomes the face in image mode', () => {
    const r = run(
      'wavespeed/wavespeed-ai/infinitetalk',
      { audio: 'a' },
      { character: { name: 'M', reference_images: ['face'], voice_id: null, style_tokens: null } },
    );
    expect(r.ok).toBe(true);
    expect(r.values['image']).toBe('face');
  });
});
