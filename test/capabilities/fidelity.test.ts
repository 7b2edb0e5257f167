import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/capabilities/pricing.js';
import { cap, runCall, schemaOf } from './helpers.js';

/**
 * The audit of 2026-11-30 (docs/capability-audit-2026-11.md), finding by finding: what the capability file
 * says and what the rule engine does with it. The wire half of each finding is in test/providers/fidelity-wire.test.ts.
 */

const VEO = 'vertex/veo-3.1-generate-001';
const VEO_FAST = 'vertex/veo-3.1-fast-generate-001';
const VEO_LITE = 'vertex/veo-3.1-lite-generate-001';
const V3 = 'elevenlabs/eleven_v3';
const FLASH = 'elevenlabs/eleven_flash_v2_5';
const TURBO = 'elevenlabs/eleven_turbo_v2_5';
const p = { prompt: 'a lighthouse at dusk' };

describe('FAIL findings: calls the provider would reject are refused locally', () => {
  it.each([VEO, VEO_FAST])('F1 %s: reference-to-video forces 8 s and 16:9; 9:16 with references is refused', (id) => {
    const filled = runCall(id, { ...p, reference_images: ['a', 'b', 'c'] });
    expect(filled.errors).toEqual([]);
    expect(filled.values).toMatchObject({ duration: 8, aspect_ratio: '16:9' });
    expect(runCall(id, { ...p, reference_images: ['a', 'b', 'c'], aspect_ratio: '9:16' }).errors).toEqual([
      `${id}: reference-to-video is 8 seconds and 16:9 only (got aspect_ratio='9:16')`,
    ]);
    expect(runCall(id, { ...p, aspect_ratio: '9:16' }).ok).toBe(true);
  });

  it.each([VEO, VEO_FAST])('F2 %s: 1080p and 4k only at 8 s, in one rule', (id) => {
    const rules = cap(id).rules.filter((r) => r.kind === 'restricts' && r.if === 'resolution');
    expect(rules).toEqual([
      { kind: 'restricts', if: 'resolution', in: ['1080p', '4k'], field: 'duration', allowed: [8], message: '1080p and 4k are 8 seconds only' },
    ]);
    expect(runCall(id, { ...p, resolution: '1080p', duration: 4 }).errors).toEqual([`${id}: 1080p and 4k are 8 seconds only (got duration=4)`]);
    expect(runCall(id, { ...p, resolution: '4k', duration: 6 }).errors).toEqual([`${id}: 1080p and 4k are 8 seconds only (got duration=6)`]);
    expect(runCall(id, { ...p, resolution: '1080p' }).ok).toBe(true);
    expect(runCall(id, { ...p, resolution: '4k', duration: 8 }).ok).toBe(true);
    expect(runCall(id, { ...p, resolution: '720p', duration: 4 }).ok).toBe(true);
  });

  it('F2 lite: 1080p only at 8 s', () => {
    expect(runCall(VEO_LITE, { ...p, resolution: '1080p', duration: 4 }).errors).toEqual([`${VEO_LITE}: 1080p is 8 seconds only (got duration=4)`]);
    expect(runCall(VEO_LITE, { ...p, resolution: '1080p', duration: 8 }).ok).toBe(true);
  });

  it.each([VEO, VEO_FAST, VEO_LITE])('F3 %s: every image field accepts JPEG and PNG only', (id) => {
    const c = cap(id);
    const images = Object.entries(c.fields).filter(([, f]) => f.media === 'image');
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const [, f] of images) expect(f.accept).toEqual({ mime: ['image/jpeg', 'image/png'] });
    expect(c.limits.max_input_bytes).toBe(20_000_000);
  });

  it('F4 Stable Video Diffusion: frames_per_second 5-30', () => {
    const id = 'replicate/stability-ai/stable-video-diffusion';
    expect(schemaOf(cap(id), 'frames_per_second')).toMatchObject({ minimum: 5, maximum: 30, default: 6 });
    expect(runCall(id, { start_frame: 'm', frames_per_second: 4 }).errors[0]).toMatch(
      /field 'frames_per_second' is 4, out of range; accepts an integer from 5 to 30/,
    );
    expect(runCall(id, { start_frame: 'm', frames_per_second: 31 }).ok).toBe(false);
    expect(runCall(id, { start_frame: 'm', frames_per_second: 30 }).ok).toBe(true);
  });

  it('F5 Seedream 4: input images + max_images at most 15', () => {
    const id = 'replicate/bytedance/seedream-4';
    const ten = Array.from({ length: 10 }, (_, i) => `r${i}`);
    expect(runCall(id, { prompt: 'x', reference_images: ten, max_images: 15 }).errors).toEqual([
      `${id}: input images plus max_images must total at most 15 ("Total images (input + generated) cannot exceed 15") (got reference_images 10 + max_images ` +
        `15 = 25)`,
    ]);
    expect(runCall(id, { prompt: 'x', reference_images: ten, max_images: 5 }).ok).toBe(true);
    expect(runCall(id, { prompt: 'x', reference_images: ten, max_images: 6 }).ok).toBe(false);
    expect(runCall(id, { prompt: 'x', max_images: 15 }).ok).toBe(true);
    // max_images not given counts its default (1).
    expect(runCall(id, { prompt: 'x', reference_images: ten }).ok).toBe(true);
  });

  it.each([FLASH, TURBO])("F6 %s: normalisation 'on' stays offered (Enterprise plans) and the file says it is plan-limited", (id) => {
    expect(schemaOf(cap(id), 'apply_text_normalization')['enum']).toEqual(['auto', 'on', 'off']);
    expect(cap(id).fields['apply_text_normalization']?.description).toMatch(/'on' needs an Enterprise plan on the v2\.5 models/);
    expect(runCall(id, { text: 'It costs $5', voice_id: 'v', apply_text_normalization: 'on' }).ok).toBe(true);
  });

  it('F7 eleven_v3: 3,000 characters per request, as the official docs state', () => {
    expect(schemaOf(cap(V3), 'text')['maxLength']).toBe(3000);
    expect(cap(V3).limits.max_text_chars).toBe(3000);
    expect(runCall(V3, { text: 'x'.repeat(3001), voice_id: 'v' }).ok).toBe(false);
    expect(runCall(V3, { text: 'x'.repeat(3000), voice_id: 'v' }).ok).toBe(true);
  });
});

describe('SILENT findings: nothing is sent that the provider would ignore or render differently', () => {
  it('S1 Seedance 1 Pro: default resolution is the provider default (1080p) and is always sent', () => {
    const f = cap('replicate/bytedance/seedance-1-pro').fields['resolution'];
    expect(f?.schema['default']).toBe('1080p');
    expect(f?.send_default).toBe(true);
  });

  it('S2 and S3 eleven_v3: no previous_text / next_text, style or use_speaker_boost', () => {
    const fields = Object.keys(cap(V3).fields);
    for (const gone of ['previous_text', 'next_text', 'style', 'use_speaker_boost']) expect(fields).not.toContain(gone);
    expect(runCall(V3, { text: 'Hi', voice_id: 'v', previous_text: 'Before.' }).errors[0]).toMatch(
      /^elevenlabs\/eleven_v3 does not take previous_text; it accepts: /,
    );
    expect(runCall(V3, { text: 'Hi', voice_id: 'v', style: 0.2 }).errors[0]).toMatch(/^elevenlabs\/eleven_v3 does not take style; it accepts: /);
    expect(runCall(V3, { text: 'Hi', voice_id: 'v', use_speaker_boost: true }).errors[0]).toMatch(/does not take use_speaker_boost/);
    // The v2 models keep them.
    expect(runCall('elevenlabs/eleven_multilingual_v2', { text: 'Hi', voice_id: 'v', previous_text: 'a', style: 0.2, use_speaker_boost: true }).ok).toBe(true);
  });

  it('S4 MiniMax video-01: a subject reference excludes the first frame', () => {
    const id = 'replicate/minimax/video-01';
    expect(runCall(id, { prompt: 'x', reference_images: 'face', start_frame: 'first' }).errors).toEqual([
      `${id}: reference_images (subject_reference) switches to the S2V-01 subject-to-video model, which takes no first frame; use one or the other (inferred ` +
        `from the schema note, unverified)`,
    ]);
    expect(runCall(id, { prompt: 'x', reference_images: 'face' }).ok).toBe(true);
    expect(runCall(id, { prompt: 'x', start_frame: 'first' }).ok).toBe(true);
  });
});

describe('LOCAL findings', () => {
  it('C1 Seedance 1 Pro: duration from 2 s', () => {
    const id = 'replicate/bytedance/seedance-1-pro';
    expect(schemaOf(cap(id), 'duration')).toMatchObject({ minimum: 2, maximum: 12 });
    expect(runCall(id, { prompt: 'x', duration: 2 }).ok).toBe(true);
    expect(runCall(id, { prompt: 'x', duration: 1 }).ok).toBe(false);
  });

  it('C2 Veo 3.1 Fast: 4k offered (documented for Fast in the Gemini API; unverified on Vertex)', () => {
    expect(schemaOf(cap(VEO_FAST), 'resolution')['enum']).toEqual(['720p', '1080p', '4k']);
    expect(cap(VEO_FAST).fields['resolution']?.description).toMatch(/unverified on Vertex/);
    expect(runCall(VEO_FAST, { ...p, resolution: '4k' }).ok).toBe(true);
  });

  it.each([FLASH, TURBO, V3])('C3 %s: language_code takes three-letter codes (fil, ceb)', (id) => {
    expect(runCall(id, { text: 'Kumusta', voice_id: 'v', language_code: 'fil' }).ok).toBe(true);
    expect(runCall(id, { text: 'Hi', voice_id: 'v', language_code: 'de' }).ok).toBe(true);
    expect(runCall(id, { text: 'Hi', voice_id: 'v', language_code: 'english' }).ok).toBe(false);
    expect(runCall(id, { text: 'Hi', voice_id: 'v', language_code: 'DE' }).ok).toBe(false);
  });

  it('C3 eleven_v3 takes ceb (its language list is ISO 639-3 where it can be)', () => {
    expect(runCall(V3, { text: 'Maayong buntag', voice_id: 'v', language_code: 'ceb' }).ok).toBe(true);
  });

  it('C4 eleven_v3: stability is a number 0-1 and the presets are described', () => {
    expect(schemaOf(cap(V3), 'stability')).toEqual({ type: 'number', minimum: 0, maximum: 1 });
    expect(cap(V3).fields['stability']?.description).toMatch(/Creative.*Natural.*Robust/);
    expect(runCall(V3, { text: 'Hi', voice_id: 'v', stability: 0.3 }).ok).toBe(true);
    expect(runCall(V3, { text: 'Hi', voice_id: 'v', stability: 1.01 }).ok).toBe(false);
  });

  it("C5 WaveSpeed video-to-video: 3 s minimum billed; the image model keeps its page's 5 s", () => {
    const v2v = cap('wavespeed/wavespeed-ai/infinitetalk/video-to-video');
    expect(v2v.pricing?.minimum_units).toBe(3);
    expect(estimateCost(v2v, {}, { seconds: 2 })).toEqual({ usd: 0.09, basis: '3 s (minimum 3) × $0.03/second' });
    expect(estimateCost(v2v, { resolution: '720p' }, { seconds: 3.2 })).toEqual({ usd: 0.24, basis: "4 s × $0.06/second (resolution='720p')" });
    expect(cap('wavespeed/wavespeed-ai/infinitetalk').pricing?.minimum_units).toBe(5);
  });

  it('C6 WaveSpeed video-to-video: the docs URL is the page that exists, the price note is no longer "assumed"', () => {
    const v2v = cap('wavespeed/wavespeed-ai/infinitetalk/video-to-video');
    expect(v2v.docs).toEqual(['https://wavespeed.ai/docs/docs-api/wavespeed-ai/infinitetalk/video-to-video']);
    expect(v2v.pricing?.source).toBe('https://wavespeed.ai/docs/docs-api/wavespeed-ai/infinitetalk/video-to-video');
    expect(v2v.pricing?.note).not.toMatch(/assumed/);
  });

  it('C7 Stable Video Diffusion: provider defaults for video_length and sizing_strategy', () => {
    const c = cap('replicate/stability-ai/stable-video-diffusion');
    expect(schemaOf(c, 'video_length')['default']).toBe('14_frames_with_svd');
    expect(schemaOf(c, 'sizing_strategy')['default']).toBe('maintain_aspect_ratio');
    expect(c.fields['sizing_strategy']?.description).not.toMatch(/only maintain_aspect_ratio was seen/);
  });

  it.each(['vertex/gemini-2.5-flash-image', 'vertex/gemini-3-pro-image', 'vertex/gemini-3.1-flash-image'])('C8 %s: candidateCount at most 1', (id) => {
    expect(cap(id).fields['candidateCount']?.schema).toEqual({ type: 'integer', minimum: 1, maximum: 1, default: 1 });
  });

  it('C9 MiniMax video-01: 6 s by default for timelines and estimates', () => {
    expect(cap('replicate/minimax/video-01').output.default_duration_seconds).toBe(6);
  });
});
