import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { capabilityProblems } from '../../src/capabilities/consistency.js';
import { inject } from '../../src/capabilities/inject.js';
import { capabilityFromReplicateModel, inferMediaKind, resolveNode } from '../../src/capabilities/replicate-openapi.js';
import { CapabilityRegistry } from '../../src/capabilities/registry.js';
import { checkRules } from '../../src/capabilities/rules.js';
import { parseArgs, toolInputSchema } from '../../src/capabilities/tool-schema.js';
import { StudioError } from '../../src/errors.js';
import { cap, thrownMessage } from './helpers.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));

describe('resolveNode', () => {
  const schemas = { e: { enum: ['a', 'b'], type: 'string', description: 'An enumeration.' } };
  it('resolves allOf, anyOf with null, oneOf and bare $ref, keeping the wrapper default and description', () => {
    expect(resolveNode({ allOf: [{ $ref: '#/components/schemas/e' }], default: 'b', description: 'Pick' }, schemas)).toMatchObject({
      enum: ['a', 'b'],
      type: 'string',
      default: 'b',
      description: 'Pick',
    });
    const nullable = resolveNode({ anyOf: [{ $ref: '#/components/schemas/e' }, { type: 'null' }] }, schemas);
    expect(nullable).toMatchObject({ enum: ['a', 'b'], nullable: true });
    expect(nullable['description']).toBeUndefined();
    expect(resolveNode({ $ref: '#/components/schemas/e', default: 'a' }, schemas)).toMatchObject({ enum: ['a', 'b'], default: 'a' });
    expect(resolveNode({ oneOf: [{ $ref: '#/components/schemas/e' }] }, schemas)).toMatchObject({ enum: ['a', 'b'] });
  });
  it('survives a reference cycle', () => {
    const cyc = { a: { $ref: '#/components/schemas/a' } };
    expect(() => resolveNode({ $ref: '#/components/schemas/a' }, cyc)).not.toThrow();
  });
});

describe('inferMediaKind', () => {
  it.each([
    ['audio', '', 'audio'],
    ['driving_video', '', 'video'],
    ['first_frame_image', '', 'image'],
    ['soundtrack', 'Background music', 'audio'],
    ['target', 'final frame', 'image'],
    ['file', '', 'image'],
  ])('%s (%s) → %s', (name, desc, kind) => {
    expect(inferMediaKind(name, desc)).toBe(kind);
  });
});

describe('seedream-4-like (allOf/$ref enums, uri array, official)', () => {
  const shipped = cap('replicate/bytedance/seedream-4');
  const live = capabilityFromReplicateModel(fixture('replicate-seedream-4.json'), shipped);

  it('is a valid live capability run by name', () => {
    expect(capabilityProblems(live)).toEqual([]);
    expect(live).toMatchObject({ id: 'replicate/bytedance/seedream-4', status: 'live', task: 'image_generate', media_type: 'image' });
    expect(live.version).toBeUndefined();
  });

  it('resolves enums with the wrapper default and keeps x-order', () => {
    expect(Object.keys(live.fields)).toEqual([
      'prompt',
      'image_input',
      'size',
      'aspect_ratio',
      'width',
      'height',
      'sequential_image_generation',
      'max_images',
      'enhance_prompt',
    ]);
    expect(live.fields['size']?.schema).toEqual({ type: 'string', enum: ['1K', '2K', '4K', 'custom'], default: '2K' });
    expect(live.fields['size']?.description).toMatch(/Image resolution/);
    expect(live.fields['width']?.schema).toMatchObject({ type: 'integer', minimum: 1024, maximum: 4096, default: 2048 });
  });

  it('maps image_input to reference_images (media image, no default) and prompt/aspect_ratio to roles', () => {
    expect(live.fields['image_input']).toMatchObject({
      role: 'reference_images',
      media: 'image',
      schema: { type: 'array', items: { type: 'string' }, maxItems: 10 },
    });
    expect(live.fields['image_input']?.schema['default']).toBeUndefined();
    expect(live.fields['prompt']).toMatchObject({ role: 'prompt', required: true });
    expect(live.fields['aspect_ratio']?.role).toBe('aspect_ratio');
  });

  it('keeps the shipped pricing, docs and rules', () => {
    expect(live.pricing).toEqual(shipped.pricing);
    expect(live.rules).toEqual(shipped.rules);
    expect(live.docs).toContain('https://replicate.com/bytedance/seedream-4');
  });

  it('serves a working tool schema and validation', () => {
    const s = toolInputSchema('image_generate', live, {});
    expect(s.properties['reference_images']).toMatchObject({ type: 'array', maxItems: 10 });
    expect(() => parseArgs(live, { prompt: 'p', size: '8K' })).toThrow(/field 'size' .* accepts one of 1K, 2K, 4K, custom/);
  });

  it('replaces the shipped capability in a registry', () => {
    const r = new CapabilityRegistry([shipped]);
    r.add(live);
    expect(r.require('replicate/bytedance/seedream-4').status).toBe('live');
  });
});

describe('seedance-lite-like (anyOf nullable enum, bare $ref, frames and refs)', () => {
  const shipped = cap('replicate/bytedance/seedance-1-lite');
  const live = capabilityFromReplicateModel(fixture('replicate-seedance-1-lite.json'), shipped);

  it('orders by x-order and assigns frame roles', () => {
    expect(Object.keys(live.fields)).toEqual([
      'prompt',
      'image',
      'last_frame_image',
      'aspect_ratio',
      'duration',
      'resolution',
      'fps',
      'camera_fixed',
      'reference_images',
      'seed',
    ]);
    expect(live.fields['image']).toMatchObject({ role: 'start_frame', media: 'image' });
    expect(live.fields['last_frame_image']).toMatchObject({ role: 'end_frame', media: 'image' });
    expect(live.fields['reference_images']).toMatchObject({ role: 'reference_images', media: 'image' });
    expect(live.fields['resolution']?.schema).toEqual({ type: 'string', enum: ['480p', '720p', '1080p'], default: '720p' });
    expect(live.fields['aspect_ratio']?.schema).toMatchObject({ enum: ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9', '9:21'], default: '16:9' });
    expect(live.fields['fps']?.schema).toEqual({ type: 'integer', enum: [24], default: 24 });
    expect(live.fields['duration']).toMatchObject({ role: 'duration', schema: { minimum: 2, maximum: 12 } });
  });

  it('keeps the shipped rules that still apply, so refs + frames are still refused', () => {
    expect(live.rules).toEqual(shipped.rules);
    const r = checkRules(live, { prompt: 'p', reference_images: ['a'], start_frame: 's' });
    expect(r.errors[0]?.message).toMatch(/reference_images cannot be combined with start_frame/);
  });

  it('drops shipped rules that mention fields the live schema no longer has', () => {
    const fx = fixture('replicate-seedance-1-lite.json') as {
      latest_version: { openapi_schema: { components: { schemas: { Input: { properties: Record<string, unknown> } } } } };
    };
    delete fx.latest_version.openapi_schema.components.schemas.Input.properties['reference_images'];
    const noRefs = capabilityFromReplicateModel(fx, shipped);
    expect(noRefs.rules).toEqual([shipped.rules[0]]);
    expect(capabilityProblems(noRefs)).toEqual([]);
  });

  it('infers the same task without the shipped file', () => {
    const bare = capabilityFromReplicateModel(fixture('replicate-seedance-1-lite.json'));
    expect(bare.task).toBe('video_generate');
    expect(bare.rules).toEqual([]);
    expect(bare.title).toBe('bytedance/seedance-1-lite');
  });
});

describe('an unknown community model', () => {
  const live = capabilityFromReplicateModel(fixture('replicate-unknown-video.json'));

  it('runs by version and is a video model (num_frames, description)', () => {
    expect(live).toMatchObject({
      id: 'replicate/someone/motion-maker',
      version: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      task: 'video_generate',
      media_type: 'video',
      status: 'live',
    });
    expect(live.output.mime).toBe('video/mp4');
  });

  it('infers roles from names and descriptions', () => {
    expect(live.fields['first_frame']).toMatchObject({ role: 'start_frame', media: 'image', required: true });
    expect(live.fields['target']).toMatchObject({ role: 'end_frame', media: 'image' });
    expect(live.fields['style_image']).toMatchObject({ role: 'reference_images', media: 'image', schema: { type: 'string' } });
    expect(live.fields['soundtrack']).toMatchObject({ media: 'audio' });
    expect(live.fields['soundtrack']?.role).toBeUndefined();
    expect(live.fields['sampler']?.schema).toEqual({ type: 'string', enum: ['euler', 'dpm++'] });
  });

  it('hides secrets and leaves out free-form objects', () => {
    expect(live.fields['hf_token']?.hidden).toBe(true);
    expect(toolInputSchema('video_generate', live, {}).properties['hf_token']).toBeUndefined();
    expect(live.fields['extra']).toBeUndefined();
  });

  it('works end to end with use_last_frame and character injection', () => {
    const r = inject(live, { prompt: 'p' }, { lastFrame: 'last', character: { name: 'M', reference_images: ['r1'], voice_id: null, style_tokens: null } });
    expect(r.values).toMatchObject({ start_frame: 'last', reference_images: 'r1' });
    expect(checkRules(live, r.values).errors).toEqual([]);
  });
});

describe('bad model objects', () => {
  it('are provider errors with a safe message', () => {
    const e = (() => {
      try {
        capabilityFromReplicateModel({ owner: 'a', name: 'b', latest_version: null });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(StudioError);
    expect((e as StudioError).code).toBe('provider_error');
    expect((e as StudioError).message).toBe('Replicate model a/b has no input schema (no latest version)');
    expect(thrownMessage(() => capabilityFromReplicateModel('nope'))).toMatch(/not in the expected shape/);
  });
});
