import { describe, expect, it } from 'vitest';
import { capabilityProblems } from '../../src/capabilities/consistency.js';
import { mediaVerdict } from '../../src/capabilities/media-accept.js';
import { capabilityFromReplicateModel } from '../../src/capabilities/replicate-openapi.js';
import { checkRules } from '../../src/capabilities/rules.js';
import { Capability, type Rule } from '../../src/capabilities/types.js';
import { describeRule } from '../../src/plans/capability-check.js';
import { veoLike } from './fixtures.js';
import { registry } from './helpers.js';

/** The meta-schema additions of the provider-fidelity round: restricts `in`, max_total, media `accept`, send_default. */

const msgs = (r: { errors: { message: string }[] }) => r.errors.map((e) => e.message);
const withRules = (rules: Rule[]): Capability => ({ ...veoLike, rules });

describe("restricts with 'in': one rule for several values of the condition", () => {
  const c = withRules([{ kind: 'restricts', if: 'resolution', in: ['1080p', '4k'], field: 'duration', allowed: [8] }]);
  it('applies to every listed value and names the one given', () => {
    expect(msgs(checkRules(c, { resolution: '1080p', duration: 4 }))).toEqual(["vertex/test-veo: with resolution='1080p', duration must be 8; got 4"]);
    expect(msgs(checkRules(c, { resolution: '4k', duration: 6 }))).toEqual(["vertex/test-veo: with resolution='4k', duration must be 8; got 6"]);
  });
  it('does not apply to other values, and checks the default when the field is not given', () => {
    expect(checkRules(c, { resolution: '720p', duration: 4 }).errors).toEqual([]);
    expect(checkRules(c, { resolution: '4k' }).errors).toEqual([]);
    const shortDefault: Capability = {
      ...c,
      fields: { ...c.fields, durationSeconds: { role: 'duration', schema: { type: 'integer', enum: [4, 8], default: 4 } } },
    };
    expect(msgs(checkRules(shortDefault, { resolution: '1080p' }))).toEqual([
      "vertex/test-veo: with resolution='1080p', duration must be 8; got 4 (the default)",
    ]);
  });
  it('is described for plan checks, and a rule with both equals and in is refused', () => {
    expect(describeRule(c.rules[0]!)).toBe('restricts: resolution in ["1080p","4k"] limits duration to 8');
    const both = withRules([{ kind: 'restricts', if: 'resolution', equals: '4k', in: ['1080p'], field: 'duration', allowed: [8] }]);
    expect(capabilityProblems(both)).toEqual(["rule 0 (restricts) has both 'equals' and 'in'; use one"]);
  });
});

describe('max_total: a sum of counts', () => {
  const c: Capability = {
    ...veoLike,
    fields: { ...veoLike.fields, max_images: { schema: { type: 'integer', minimum: 1, maximum: 15, default: 1 } } },
    rules: [{ kind: 'max_total', fields: ['reference_images', 'max_images'], max: 4 }],
  };
  it('counts array items and numbers, and refuses over the maximum naming both fields', () => {
    const r = checkRules(c, { reference_images: ['a', 'b', 'c'], max_images: 2 });
    expect(msgs(r)).toEqual(['vertex/test-veo: reference_images and max_images add up to at most 4; got reference_images 3 + max_images 2 = 5']);
    expect(r.errors[0]?.details).toMatchObject({ model: 'vertex/test-veo', field: 'max_images' });
    expect(checkRules(c, { reference_images: ['a', 'b', 'c'], max_images: 1 }).errors).toEqual([]);
  });
  it('counts a field not given as its default', () => {
    expect(checkRules(c, { reference_images: ['a', 'b', 'c'] }).errors).toEqual([]);
    expect(msgs(checkRules(c, { reference_images: ['a', 'b', 'c', 'd'] }))).toEqual([
      'vertex/test-veo: reference_images and max_images add up to at most 4; got reference_images 4 + max_images 1 = 5',
    ]);
  });
  it('names unknown fields as a file problem and is described for plan checks', () => {
    expect(capabilityProblems({ ...c, rules: [{ kind: 'max_total', fields: ['reference_images', 'nope'], max: 3 }] })).toEqual([
      "rule 0 (max_total) names 'nope', which is not a field of this model",
    ]);
    expect(describeRule(c.rules[0]!)).toBe('max_total: reference_images + max_images at most 4');
  });
});

describe('media accept and max_input_bytes', () => {
  const c = Capability.parse({
    ...veoLike,
    fields: {
      ...veoLike.fields,
      image: { ...veoLike.fields['image'], accept: { mime: ['image/jpeg', 'image/png'], min_side_px: 300, aspect_ratio: { min: 0.4, max: 2.5 } } },
      audio: { role: 'audio', media: 'audio', schema: { type: 'string' }, accept: { mime: ['audio/wav'] } },
    },
    limits: { max_input_bytes: 1_000_000 },
  });
  const img = { kind: 'image' as const, mime: 'image/png', bytes: 1000, width: 640, height: 480 };
  it('sends an accepted file as it is', () => {
    expect(mediaVerdict(c, 'image', img)).toEqual({ action: 'send' });
  });
  it('converts an image of another type to an accepted one (PNG first)', () => {
    expect(mediaVerdict(c, 'image', { ...img, mime: 'image/webp' })).toEqual({ action: 'convert', to: 'image/png' });
    const jpegOnly = Capability.parse({ ...c, fields: { ...c.fields, image: { ...c.fields['image'], accept: { mime: ['image/jpeg'] } } } });
    expect(mediaVerdict(jpegOnly, 'image', { ...img, mime: 'image/webp' })).toEqual({ action: 'convert', to: 'image/jpeg' });
  });
  const refusal = (v: ReturnType<typeof mediaVerdict>) => (v.action === 'refuse' ? { message: v.error.message, details: v.error.details } : v);
  it('refuses what it cannot convert, naming the field and what the model takes', () => {
    expect(refusal(mediaVerdict(c, 'audio', { kind: 'audio', mime: 'audio/mpeg', bytes: 10 }))).toEqual({
      message: 'vertex/test-veo: audio is audio/mpeg; the model accepts audio/wav',
      details: { model: 'vertex/test-veo', field: 'audio', accepts: 'audio/wav' },
    });
  });
  it('refuses images that are too small or out of the aspect range', () => {
    expect(refusal(mediaVerdict(c, 'image', { ...img, width: 200, height: 480 }))).toEqual({
      message: 'vertex/test-veo: start_frame is 200×480 px; the model needs at least 300 px on each side',
      details: { model: 'vertex/test-veo', field: 'start_frame', accepts: 'images of at least 300 px a side' },
    });
    expect(refusal(mediaVerdict(c, 'image', { ...img, width: 1920, height: 400 }, 'start_frame'))).toEqual({
      message: 'vertex/test-veo: start_frame has an aspect ratio of 4.80 (1920×400); the model takes 0.4 to 2.5 (width / height)',
      details: { model: 'vertex/test-veo', field: 'start_frame', accepts: 'images with width / height between 0.4 and 2.5' },
    });
    // Unknown pixel size is not guessed: the conformer probes the file.
    expect(mediaVerdict(c, 'image', { ...img, width: null, height: null })).toEqual({ action: 'send' });
  });
  it('refuses a file over limits.max_input_bytes on any field', () => {
    expect(refusal(mediaVerdict(c, 'referenceImages', { ...img, bytes: 1_500_000 }, 'reference_images[2]'))).toEqual({
      message: 'vertex/test-veo: reference_images[2] is 1.5 MB; the model accepts files of at most 1.0 MB',
      details: { model: 'vertex/test-veo', field: 'reference_images[2]', accepts: 'files of at most 1.0 MB' },
    });
  });
  it('the registry refuses accept on a non-media field, and size limits on non-images', () => {
    const bad = Capability.parse({
      ...veoLike,
      fields: {
        ...veoLike.fields,
        seed: { ...veoLike.fields['seed'], accept: { mime: ['image/png'] } },
        audio: { role: 'audio', media: 'audio', schema: { type: 'string' }, accept: { mime: ['audio/wav'], min_side_px: 10 } },
      },
    });
    expect(capabilityProblems(bad)).toEqual([
      "field 'seed' has 'accept' but is not a media field",
      "field 'audio': min_side_px and aspect_ratio apply to images only",
    ]);
  });
});

describe('accepted formats survive the live Replicate schema', () => {
  it("Kling's start_image keeps its JPEG/PNG, 300 px and aspect limits when the live schema replaces the file", () => {
    const shipped = registry.require('replicate/kwaivgi/kling-v2.1');
    const live = capabilityFromReplicateModel(
      {
        owner: 'kwaivgi',
        name: 'kling-v2.1',
        is_official: true,
        latest_version: {
          id: 'd'.repeat(64),
          openapi_schema: {
            components: {
              schemas: {
                Input: {
                  type: 'object',
                  required: ['prompt', 'start_image'],
                  properties: {
                    prompt: { type: 'string', 'x-order': 0 },
                    start_image: { type: 'string', format: 'uri', 'x-order': 1, description: 'First frame' },
                  },
                },
                Output: { type: 'string', format: 'uri' },
              },
            },
          },
        },
      },
      shipped,
    );
    expect(live.fields['start_image']?.accept).toEqual({ mime: ['image/jpeg', 'image/png'], min_side_px: 300, aspect_ratio: { min: 0.4, max: 2.5 } });
  });
});
