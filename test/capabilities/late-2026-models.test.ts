import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/capabilities/pricing.js';
import { toProviderFields } from '../../src/capabilities/tool-schema.js';
import { cap, runCall } from './helpers.js';

/**
 * The models of late 2026 (issue 15, part 7) and Veo 3.1 video extension: each file's rules, checked like the
 * shipped ones in provider-table.test.ts (the generic valid/invalid pair per rule runs in rules-generic.test.ts).
 */

describe('Replicate models of late 2026', () => {
  it('Seedance 1.5 Pro: 2-12 s, end frame needs a first frame, audio is a plain switch, no resolution field', () => {
    const id = 'replicate/bytedance/seedance-1.5-pro';
    expect(runCall(id, { prompt: 'p', duration: 2, generate_audio: true }).ok).toBe(true);
    expect(runCall(id, { prompt: 'p', duration: 13 }).errors[0]).toMatch(/field 'duration' is 13, out of range; accepts an integer from 2 to 12/);
    expect(runCall(id, { prompt: 'p', end_frame: 'e' }).errors).toEqual([`${id}: end_frame (last_frame_image) only works together with a start_frame (image)`]);
    expect(toProviderFields(cap(id), { start_frame: 's', end_frame: 'e' })).toEqual({ image: 's', last_frame_image: 'e' });
    expect(runCall(id, { prompt: 'p', resolution: '720p' }).errors[0]).toMatch(/does not take resolution/);
  });

  it('Seedream 4.5: 14 references at most, inputs + max_images at most 15, no 1K', () => {
    const id = 'replicate/bytedance/seedream-4.5';
    const refs = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);
    expect(runCall(id, { prompt: 'p', reference_images: refs(14) }).ok).toBe(true);
    expect(runCall(id, { prompt: 'p', reference_images: refs(15) }).errors[0]).toMatch(/has 15 items, too many; accepts a list of 1 to 14 media ids/);
    expect(runCall(id, { prompt: 'p', reference_images: refs(10), max_images: 6 }).errors).toEqual([
      `${id}: input images plus max_images must total at most 15 ("Total images (input + generated) cannot exceed 15") ` +
        '(got reference_images 10 + max_images 6 = 16)',
    ]);
    expect(runCall(id, { prompt: 'p', size: '1K' }).errors[0]).toMatch(/field 'size' .*accepts one of 2K, 4K, custom/);
    expect(runCall(id, { prompt: 'x'.repeat(4001) }).ok).toBe(false);
  });

  it('Hailuo 02: 10 s only at 768p; the 1080p default is sent and checked', () => {
    const id = 'replicate/minimax/hailuo-02';
    expect(runCall(id, { prompt: 'p' }).ok).toBe(true);
    expect(cap(id).fields['resolution']?.send_default).toBe(true);
    expect(runCall(id, { prompt: 'p', duration: 10 }).errors).toEqual([`${id}: 10 seconds is only available at 768p (got resolution='1080p' (the default))`]);
    expect(runCall(id, { prompt: 'p', duration: 10, resolution: '768p' }).ok).toBe(true);
    expect(runCall(id, { prompt: 'p', duration: 8 }).errors[0]).toMatch(/accepts one of 6, 10/);
    expect(toProviderFields(cap(id), { start_frame: 's', end_frame: 'e' })).toEqual({ first_frame_image: 's', last_frame_image: 'e' });
  });

  it('Kling O1: start and end frames (end needs start), up to 7 references, JPEG/PNG only', () => {
    const id = 'replicate/kwaivgi/kling-o1';
    expect(runCall(id, { prompt: 'p', start_frame: 's', end_frame: 'e', mode: 'std', duration: 10 }).ok).toBe(true);
    expect(runCall(id, { prompt: 'p', end_frame: 'e' }).errors).toEqual([`${id}: end_frame (end_image) requires a start_frame (start_image)`]);
    expect(runCall(id, { prompt: 'p', reference_images: Array(8).fill('r') }).ok).toBe(false);
    expect(runCall(id, { prompt: 'p', duration: 7 }).errors[0]).toMatch(/accepts one of 5, 10/);
    expect(cap(id).fields['start_image']?.accept?.mime).toEqual(['image/jpeg', 'image/png']);
    expect(toProviderFields(cap(id), { start_frame: 's', end_frame: 'e' })).toEqual({ start_image: 's', end_image: 'e' });
  });

  it('Veo 3.1 Fast on Replicate: frames but no reference images; the resolution is always sent', () => {
    const id = 'replicate/google/veo-3.1-fast';
    expect(runCall(id, { prompt: 'p', start_frame: 's', end_frame: 'e' }).ok).toBe(true);
    expect(runCall(id, { prompt: 'p', reference_images: ['a'] }).errors[0]).toMatch(/does not take reference_images/);
    expect(runCall(id, { prompt: 'p', end_frame: 'e' }).ok).toBe(false);
    expect(cap(id).fields['resolution']?.send_default).toBe(true);
    expect(cap(id).description).toMatch(/Unverified/);
  });
});

describe('Veo 3.1 video extension (Vertex)', () => {
  const ids = ['vertex/veo-3.1-generate-001', 'vertex/veo-3.1-fast-generate-001', 'vertex/veo-3.1-lite-generate-001'];
  it.each(ids)('%s: an earlier clip goes to instances.0.video as MP4, at 8 s, without frames', (id) => {
    const r = runCall(id, { prompt: 'the chase goes on', video: 'clip' });
    expect(r.errors).toEqual([]);
    expect(r.values['duration']).toBe(8);
    expect(toProviderFields(cap(id), r.values)).toEqual({ prompt: 'the chase goes on', video: 'clip', durationSeconds: 8 });
    expect(cap(id).fields['video']).toMatchObject({ path: 'instances.0.video', media: 'video', accept: { mime: ['video/mp4'] } });
    expect(runCall(id, { prompt: 'p', video: 'clip', start_frame: 's' }).errors[0]).toMatch(
      new RegExp(`^${id.replace(/\./g, '\\.')}: video \\(extension of an earlier clip\\) cannot be combined with start_frame`),
    );
    expect(runCall(id, { prompt: 'p', video: 'clip', duration: 4 }).errors).toEqual([
      `${id}: an extension call takes durationSeconds 8 (Gemini API Veo 3.1 table; it adds 7 s to the clip; unverified on Vertex) (got duration=4)`,
    ]);
  });
  it('extension excludes reference images where the model takes them', () => {
    expect(runCall('vertex/veo-3.1-generate-001', { prompt: 'p', video: 'clip', reference_images: ['a'] }).ok).toBe(false);
  });
});

describe('WaveSpeed InfiniteTalk of late 2026', () => {
  it('multi: one image, both speakers required, order and resolution; priced per second with a 3 s minimum', () => {
    const id = 'wavespeed/wavespeed-ai/infinitetalk/multi';
    const errs = runCall(id, { image: 'i', left_audio: 'a' }).errors;
    expect(errs.some((e) => e.includes('right_audio is required'))).toBe(true);
    expect(runCall(id, { image: 'i', left_audio: 'a', right_audio: 'b', order: 'left_right', resolution: '720p' }).ok).toBe(true);
    expect(runCall(id, { image: 'i', left_audio: 'a', right_audio: 'b', order: 'both' }).errors[0]).toMatch(/accepts one of meanwhile, left_right, right_left/);
    expect(estimateCost(cap(id), { resolution: '720p' }, { seconds: 6.2 })).toEqual({ usd: 0.42, basis: "7 s × $0.06/second (resolution='720p')" });
    expect(estimateCost(cap(id), {}, { seconds: 1 })?.usd).toBeCloseTo(0.09);
  });

  it('fast variants: no resolution field, half the standard price (marked unverified)', () => {
    const multi = 'wavespeed/wavespeed-ai/infinitetalk-fast/multi';
    expect(runCall(multi, { image: 'i', left_audio: 'a', right_audio: 'b', resolution: '720p' }).errors[0]).toMatch(/does not take resolution/);
    expect(estimateCost(cap(multi), {}, { seconds: 10 })?.usd).toBeCloseTo(0.15);
    const v2v = 'wavespeed/wavespeed-ai/infinitetalk-fast/video-to-video';
    expect(runCall(v2v, { video: 'v', audio: 'a' }).ok).toBe(true);
    expect(runCall(v2v, { audio: 'a' }).errors[0]).toMatch(/video is required/);
    for (const id of [multi, v2v]) expect(cap(id).pricing?.note).toMatch(/^unverified/);
  });
});

describe('Gemini 3.1 Flash Lite Image (Vertex)', () => {
  it('is listed as preview with its unverified limits named, and takes no imageSize (fixed 1K)', () => {
    const id = 'vertex/gemini-3.1-flash-lite-image';
    expect(cap(id).status).toBe('preview');
    expect(cap(id).description).toMatch(/unverified/);
    expect(runCall(id, { prompt: 'p', reference_images: ['a', 'b'] }).ok).toBe(true);
    expect(runCall(id, { prompt: 'p', imageSize: '2K' }).errors[0]).toMatch(/does not take imageSize/);
  });
});
