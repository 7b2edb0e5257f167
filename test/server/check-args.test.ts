import { describe, expect, it } from 'vitest';
import { coerceValue } from '../../src/capabilities/coerce.js';
import { StudioError } from '../../src/errors.js';
import { checkArgs } from '../../src/tools/check-args.js';
import type { JsonObjectSchema } from '../../src/tools/types.js';

/** The schema checker every tool call goes through, on the JSON Schema shapes the studio's tools advertise. */

const schema: JsonObjectSchema = {
  type: 'object',
  properties: {
    scene_id: { type: 'string', minLength: 1 },
    every_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 600 },
    duration: { anyOf: [{ type: 'number', exclusiveMinimum: 0, maximum: 600 }, { type: 'null' }] },
    ids: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 3 },
    transition: {
      type: 'object',
      properties: { type: { type: 'string', enum: ['cut', 'crossfade'] }, duration: { type: 'number', minimum: 0, maximum: 5 } },
      required: ['type'],
      additionalProperties: false,
    },
    version: { type: 'number', const: 1 },
  },
  required: ['scene_id'],
  additionalProperties: false,
};

function problem(args: Record<string, unknown>): { message: string; field: string | undefined; accepts: string | undefined } {
  try {
    checkArgs('t', args, schema);
  } catch (err) {
    if (err instanceof StudioError && err.code === 'invalid_input') return { message: err.message, field: err.details.field, accepts: err.details.accepts };
    throw err;
  }
  throw new Error('accepted');
}

describe('checkArgs', () => {
  it('accepts a valid call and returns it coerced, with a null for an optional non-null argument dropped', () => {
    expect(
      checkArgs('t', { scene_id: 's', every_seconds: '2.5', duration: null, ids: ['a'], transition: { type: 'cut', duration: '0' }, version: null }, schema),
    ).toEqual({
      scene_id: 's',
      every_seconds: 2.5,
      duration: null,
      ids: ['a'],
      transition: { type: 'cut', duration: 0 },
    });
  });

  it('names the field, what it got and what it accepts', () => {
    expect(problem({ scene_id: 's', every_seconds: 0 })).toEqual({
      message: "t: 'every_seconds' must be greater than 0 and at most 600 (got 0)",
      field: 'every_seconds',
      accepts: 'a number greater than 0 and at most 600',
    });
    expect(problem({ scene_id: 's', duration: 700 })).toMatchObject({
      message: "t: 'duration' must be greater than 0 and at most 600 (got 700)",
      field: 'duration',
    });
    expect(problem({ scene_id: 's', duration: true })).toMatchObject({ message: "t: 'duration' must be a number or null (got true)" });
    expect(problem({ scene_id: 's', transition: { type: 'wipe' } })).toMatchObject({
      message: `t: 'transition.type' must be one of "cut", "crossfade" (got "wipe")`,
      field: 'transition.type',
    });
    expect(problem({ scene_id: 's', transition: { duration: 1 } })).toMatchObject({
      message: `t: 'transition.type' is required (one of "cut", "crossfade")`,
      field: 'transition.type',
    });
    expect(problem({ scene_id: 's', transition: { type: 'cut', speed: 2 } })).toMatchObject({
      message: "t: unknown key 'transition.speed' (accepted: type, duration)",
      field: 'transition.speed',
    });
    expect(problem({ scene_id: 's', ids: ['a', ''] })).toMatchObject({ message: "t: 'ids[1]' must not be empty", field: 'ids[1]' });
    expect(problem({ scene_id: 's', ids: ['a', 'b', 'c', 'd'] })).toMatchObject({ message: "t: 'ids' must have at most 3 items (got 4)" });
    expect(problem({ scene_id: 's', version: 2 })).toMatchObject({ message: "t: 'version' must be 1 (got 2)" });
  });

  it('reports every problem of a call at once, the required ones first', () => {
    expect(problem({ every_seconds: -1, colour: 'red' })).toEqual({
      message:
        "t: 'scene_id' is required (a string); 'every_seconds' must be greater than 0 and at most 600 (got -1); unknown argument 'colour' (accepted: " +
        'scene_id, every_seconds, duration, ids, transition, version)',
      field: 'scene_id, every_seconds, colour',
      accepts: undefined,
    });
  });
});

describe('coerceValue: one rule for every schema', () => {
  it('reads numbers, integers and booleans spelled as strings where the schema says so, at any depth', () => {
    expect(coerceValue('4', { anyOf: [{ type: 'number' }, { type: 'null' }] })).toBe(4);
    expect(coerceValue(' 8 ', { type: 'integer' })).toBe(8);
    expect(coerceValue('true', { type: 'boolean' })).toBe(true);
    expect(coerceValue(['1', '2'], { type: 'array', items: { type: 'number' } })).toEqual([1, 2]);
    expect(coerceValue({ p: { w: '3' } }, { type: 'object', properties: { p: { type: 'object', properties: { w: { type: 'integer' } } } } })).toEqual({
      p: { w: 3 },
    });
  });

  it('leaves alone what is not exactly such a value, and strings where a string is allowed', () => {
    expect(coerceValue('4s', { type: 'number' })).toBe('4s');
    expect(coerceValue('1.5', { type: 'integer' })).toBe('1.5');
    expect(coerceValue('yes', { type: 'boolean' })).toBe('yes');
    expect(coerceValue('42', { type: 'string' })).toBe('42');
    expect(coerceValue('42', { anyOf: [{ type: 'string' }, { type: 'number' }] })).toBe('42');
  });
});
