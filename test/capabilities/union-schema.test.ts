import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { visibleArgFields } from '../../src/capabilities/arg-fields.js';
import { toolInputSchema } from '../../src/capabilities/tool-schema.js';
import type { JsonSchemaFragment, Task } from '../../src/capabilities/types.js';
import { brief, limitText, mergeSchemas, nameSet, shortNames, unionInputSchema } from '../../src/capabilities/union-schema.js';
import { cap, registry } from './helpers.js';

const studioArgs = { shot_id: { type: 'string' }, use_last_frame: { type: 'boolean' } };

describe('union of several models into one flat tool schema', () => {
  it('names models by the shortest tail no other id shares, and whole providers or owners as prefix/*', () => {
    const ids = ['elevenlabs/eleven_v3', 'elevenlabs/text-to-dialogue/eleven_v3', 'replicate/google/veo-3.1', 'vertex/veo-3.1-generate-001'];
    expect([...shortNames(ids).values()]).toEqual(['elevenlabs/eleven_v3', 'text-to-dialogue/eleven_v3', 'veo-3.1', 'veo-3.1-generate-001']);
    const all = ['local/animatic', 'replicate/a/x', 'replicate/a/y', 'replicate/b/z', 'vertex/p', 'vertex/q'];
    const name = (id: string): string => id.split('/').pop() ?? id;
    expect(nameSet(['replicate/a/x', 'replicate/a/y', 'vertex/p', 'vertex/q'], all, name)).toBe('vertex/*, a/*');
    expect(nameSet(['replicate/a/x', 'replicate/a/y', 'replicate/b/z', 'local/animatic'], all, name)).toBe('replicate/*, animatic');
    expect(nameSet(['vertex/p'], all, name)).toBe('p');
  });

  it('merges to the loosest schema: number ranges over integer enums, enum unions, anyOf only inside a property for different types', () => {
    expect(
      mergeSchemas([
        { type: 'integer', enum: [4, 6, 8] },
        { type: 'number', minimum: 1, maximum: 20 },
      ]),
    ).toEqual({ type: 'number', minimum: 1, maximum: 20 });
    expect(
      mergeSchemas([
        { type: 'string', enum: ['16:9', '9:16'] },
        { type: 'string', enum: ['1:1', '16:9'] },
      ]),
    ).toEqual({ type: 'string', enum: ['16:9', '9:16', '1:1'] });
    expect(mergeSchemas([{ type: 'array', items: { type: 'string' }, maxItems: 3 }, { type: 'string' }])).toEqual({
      anyOf: [{ type: 'array', items: { type: 'string' }, maxItems: 3 }, { type: 'string' }],
    });
    expect(mergeSchemas([{ type: 'boolean' }, { type: 'boolean' }])).toEqual({ type: 'boolean' });
  });

  it('says each limit in a few characters and a description in brief', () => {
    expect(limitText({ type: 'integer', enum: [4, 6, 8], default: 8 })).toBe('4|6|8 =8');
    expect(limitText({ type: 'integer', minimum: 2, maximum: 12 })).toBe('2..12');
    expect(limitText({ type: 'array', items: { type: 'string' }, maxItems: 7 })).toBe('≤7 items');
    expect(limitText({ type: 'string', maxLength: 4000 })).toBe('≤4000 chars');
    expect(limitText({ type: 'boolean', default: true })).toBe('=true');
    const formats = Array.from({ length: 28 }, (_, i) => `f${i}`);
    expect(limitText({ type: 'string', enum: formats, default: 'f3' })).toBe('28 values =f3');
    expect(brief('Whether people may appear. Only adults.')).toBe('Whether people may appear');
    expect(brief('Language code (ISO 639-1, e.g. en). Enforces it.')).toBe('Language code');
    expect(brief('Output size; 4K is in preview.')).toBe('Output size');
  });

  it("is exactly the model's own schema when one model is offered", () => {
    const animatic = cap('local/animatic');
    expect(unionInputSchema('video_generate', [animatic], studioArgs, 'local/animatic')).toEqual(
      toolInputSchema('video_generate', animatic, studioArgs, ['local/animatic']),
    );
  });

  it('takes the union of two models: enum of both, required only what both require, who takes what and their limits', () => {
    const s = unionInputSchema('video_generate', [cap('local/animatic'), cap('vertex/veo-3.1-generate-001')], studioArgs, 'local/animatic');
    expect(Object.keys(s).sort()).toEqual(['additionalProperties', 'properties', 'required', 'type']);
    expect(s.properties['model']).toMatchObject({ enum: ['local/animatic', 'vertex/veo-3.1-generate-001'], default: 'local/animatic' });
    expect(s.required).toEqual([]);
    expect(s.properties['duration']).toEqual({
      type: 'number',
      minimum: 1,
      maximum: 20,
      description: 'animatic: 1..20 =4; veo-3.1-generate-001: 4|6|8 =8.',
    });
    expect(s.properties['generateAudio']?.['description']).toBe('Generate a soundtrack with the video. Not animatic.');
    expect(s.properties['prompt']?.['description']).toMatch(/Required by animatic unless shot_id supplies it/);
  });

  it("admits every shipped model's enum values and defaults, for every task, with a flat root", () => {
    const tasks = [...new Set(registry.list().map((c) => c.task))] as Task[];
    for (const task of tasks) {
      const caps = registry.list({ task });
      const s = unionInputSchema(task, caps, {}, caps[0]?.id ?? '');
      expect(Object.keys(s).sort(), task).toEqual(['additionalProperties', 'properties', 'required', 'type']);
      for (const c of caps) {
        for (const { arg, field } of visibleArgFields(c)) {
          const prop = s.properties[arg] as JsonSchemaFragment;
          const check = z.fromJSONSchema(prop as Parameters<typeof z.fromJSONSchema>[0]);
          const values = [...(Array.isArray(field.schema['enum']) ? field.schema['enum'] : []), field.schema['default']].filter((v) => v !== undefined);
          for (const v of values) expect(check.safeParse(v).success, `${task} ${c.id} ${arg}=${JSON.stringify(v)}`).toBe(true);
        }
      }
    }
  });
});
