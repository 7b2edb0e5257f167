import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseArgs, toolInputSchema, toProviderFields } from '../../src/capabilities/tool-schema.js';
import { StudioError } from '../../src/errors.js';
import { veoLike } from './fixtures.js';
import { hiddenDefaults } from '../../src/capabilities/arg-fields.js';
import { cap, registry, thrownMessage } from './helpers.js';

const videoStudioArgs = {
  character_id: { type: 'string', description: 'character whose references, voice and style to use' },
  shot_id: { type: 'string' },
  use_last_frame: { type: 'boolean', description: "start from the previous shot's last frame" },
};

describe('toolInputSchema', () => {
  const schema = toolInputSchema('video_generate', veoLike, videoStudioArgs, ['local/animatic', 'vertex/test-veo']);

  it('is a closed object with model, studio args and the model fields under agent-facing names', () => {
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual([
      'model',
      'character_id',
      'shot_id',
      'use_last_frame',
      'prompt',
      'start_frame',
      'end_frame',
      'reference_images',
      'duration',
      'resolution',
      'seed',
      'generateAudio',
    ]);
    expect(schema.properties['sampleCount']).toBeUndefined(); // hidden
  });

  it('model is an enum of the ids given and defaults to the model', () => {
    expect(schema.properties['model']).toEqual({
      type: 'string',
      enum: ['local/animatic', 'vertex/test-veo'],
      default: 'vertex/test-veo',
      description: 'Model for video_generate.',
    });
  });

  it('carries enums, ranges, defaults and media descriptions', () => {
    expect(schema.properties['duration']).toMatchObject({ enum: [4, 6, 8], default: 8 });
    expect(schema.properties['seed']).toMatchObject({ minimum: 0, maximum: 4294967295 });
    expect(schema.properties['start_frame']?.['description']).toBe('Media id (image)');
    expect(schema.properties['reference_images']?.['description']).toBe('Media ids (images, at most 3)');
  });

  it('drops use_last_frame when the model has no start frame', () => {
    const s = toolInputSchema('image_generate', cap('local/still'), videoStudioArgs);
    expect(s.properties['use_last_frame']).toBeUndefined();
    expect(s.required).toEqual(['prompt']);
  });

  it('does not mark fields required that the studio can fill (voice from character, image from character)', () => {
    const tts = toolInputSchema('voice_tts', cap('local/voice'), { character_id: { type: 'string' } });
    expect(tts.required).toEqual(['text']);
    const lip = toolInputSchema('lipsync_image', cap('local/lipsync'), { character_id: { type: 'string' } });
    expect(lip.required).toEqual(['audio']);
    expect(lip.properties['image']?.['description']).toMatch(/Required unless character_id supplies it/);
    const lipNoChar = toolInputSchema('lipsync_image', cap('local/lipsync'), {});
    expect(lipNoChar.required).toEqual(['image', 'audio']);
  });

  it('is a valid JSON Schema that zod can load, for every shipped model', () => {
    for (const c of registry.list()) {
      const s = toolInputSchema(c.task, c, videoStudioArgs);
      expect(() => z.fromJSONSchema(s as Parameters<typeof z.fromJSONSchema>[0])).not.toThrow();
    }
  });

  it('without a selected model lets fields through to per-call validation', () => {
    const s = toolInputSchema('video_generate', undefined, videoStudioArgs);
    expect(s.additionalProperties).toBe(true);
    expect(s.properties['model']?.['default']).toBeUndefined();
  });
});

describe('parseArgs', () => {
  it('returns the model fields, skipping ignored studio args and nulls', () => {
    expect(parseArgs(veoLike, { model: 'x', prompt: 'p', duration: 6, seed: null }, { ignore: ['model'] })).toEqual({
      prompt: 'p',
      duration: 6,
    });
  });

  it('does not fill defaults (the rules must see what the caller gave)', () => {
    expect(parseArgs(veoLike, { prompt: 'p' })).toEqual({ prompt: 'p' });
  });

  it('names the model, the field, the problem and what is accepted', () => {
    expect(thrownMessage(() => parseArgs(veoLike, { duration: 5 }))).toBe(
      "vertex/test-veo: field 'duration' has the value 5, which is not accepted; accepts one of 4, 6, 8",
    );
    expect(thrownMessage(() => parseArgs(veoLike, { seed: -1 }))).toBe(
      "vertex/test-veo: field 'seed' is -1, out of range; accepts an integer from 0 to 4294967295",
    );
    expect(thrownMessage(() => parseArgs(veoLike, { seed: 'x' }))).toMatch(/field 'seed' must be an integer \(got "x"\)/);
    expect(thrownMessage(() => parseArgs(veoLike, { start_frame: 3 }))).toMatch(/field 'start_frame' must be a media id .*accepts a media id of an image/);
    expect(thrownMessage(() => parseArgs(veoLike, { reference_images: ['a', 'b', 'c', 'd'] }))).toBe(
      "vertex/test-veo: field 'reference_images' has 4 items, too many; accepts a list of up to 3 media ids of images",
    );
  });

  it('rejects unknown and hidden fields naming what the model accepts', () => {
    const msg = thrownMessage(() => parseArgs(cap('local/still'), { prompt: 'p', start_frame: 's' }, { lister: registry }));
    expect(msg).toMatch(/^local\/still does not take start_frame; it accepts: prompt, reference_images, aspect_ratio/);
    expect(thrownMessage(() => parseArgs(veoLike, { sampleCount: 2 }))).toMatch(/does not take sampleCount/);
  });

  it('reports several problems at once', () => {
    try {
      parseArgs(veoLike, { duration: 5, foo: 1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StudioError);
      expect((e as StudioError).message.split('\n')).toHaveLength(2);
      expect((e as StudioError).details.field).toBe('duration, foo');
    }
  });
});

describe('toProviderFields', () => {
  it('renames role names to provider field names', () => {
    expect(toProviderFields(veoLike, { prompt: 'p', start_frame: 's', duration: 8, resolution: '720p' })).toEqual({
      prompt: 'p',
      image: 's',
      durationSeconds: 8,
      resolution: '720p',
    });
  });

  it('refuses names the model does not have (a studio bug)', () => {
    expect(() => toProviderFields(veoLike, { nope: 1 })).toThrow(/has no field 'nope'/);
  });
});

describe('hiddenDefaults', () => {
  it('lists the defaults of hidden fields by provider name, for adapters to apply', () => {
    expect(hiddenDefaults(veoLike)).toEqual({ sampleCount: 1 });
    expect(hiddenDefaults(cap('vertex/gemini-3-pro-image'))).toEqual({ responseModalities: ['TEXT', 'IMAGE'], candidateCount: 1 });
    expect(hiddenDefaults(cap('local/animatic'))).toEqual({});
  });
});
