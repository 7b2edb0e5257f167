import { invalidInput } from '../errors.js';
import { coerceValue, schemaTypes } from '../capabilities/coerce.js';
import type { JsonObjectSchema } from './types.js';

/**
 * Every tool call is checked against the JSON Schema its tool advertises (type, minimum/maximum, enum, length,
 * items, required, unknown arguments) before the tool runs, so what tools/list promises is what the server
 * enforces — studio arguments included. The check covers the subset of JSON Schema the studio's schemas use.
 */

type Schema = Record<string, unknown>;

export interface ArgProblem {
  /** Path of the bad value: `gain_db`, `settings.width`, `reference_images[2]`. */
  field: string;
  text: string;
  /** What the field accepts, in words. */
  accepts: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function fits(type: string, v: unknown): boolean {
  const t = jsonType(v);
  return type === t || (type === 'number' && t === 'integer');
}

/** What a value is, for "got …" (strings quoted, so "4" and 4 read differently). */
export function gotText(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v)}`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isRecord(v)) return 'an object';
  return JSON.stringify(v) ?? typeof v;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

function typeWords(types: Iterable<string>): string {
  const words = [...types].map((t) => TYPE_WORDS[t] ?? t);
  return words.length <= 1 ? (words[0] ?? 'a value') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function num(s: Schema, key: string): number | undefined {
  const v = s[key];
  return typeof v === 'number' ? v : undefined;
}

/** "between -60 and 20", "at least 0", "greater than 0 and at most 600"; undefined when unbounded. */
function rangeText(s: Schema): string | undefined {
  const min = num(s, 'minimum');
  const max = num(s, 'maximum');
  const xmin = num(s, 'exclusiveMinimum');
  const xmax = num(s, 'exclusiveMaximum');
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  const parts: string[] = [];
  if (min !== undefined) parts.push(`at least ${min}`);
  if (xmin !== undefined) parts.push(`greater than ${xmin}`);
  if (max !== undefined) parts.push(`at most ${max}`);
  if (xmax !== undefined) parts.push(`less than ${xmax}`);
  return parts.length ? parts.join(' and ') : undefined;
}

/** A schema in words, for `accepts`. */
export function acceptsText(s: Schema): string {
  if (Array.isArray(s['enum'])) return `one of ${s['enum'].map((v) => JSON.stringify(v)).join(', ')}`;
  const types = schemaTypes(s);
  const range = rangeText(s);
  return `${typeWords(types)}${range ? ` ${range}` : ''}`;
}

function matchesBranch(s: Schema, v: unknown): boolean {
  const types = schemaTypes({ type: s['type'] });
  if (types.size && ![...types].some((t) => fits(t, v))) return false;
  if (Array.isArray(s['enum']) && !s['enum'].some((e) => JSON.stringify(e) === JSON.stringify(v))) return false;
  return true;
}

/** Every problem of `value` against `schema`, with paths under `at`. */
export function checkValue(value: unknown, schema: Schema, at: string, topLevel = false): ArgProblem[] {
  const here = at || '(arguments)';
  const union = [schema['anyOf'], schema['oneOf']].find(Array.isArray) as unknown[] | undefined;
  if (union) {
    const options = union.filter(isRecord);
    // Validate against the branch of the value's kind, so its own limits are what the message names.
    const branch = options.find((b) => matchesBranch(b, value)) ?? options.find((b) => schemaTypes(b).size && [...schemaTypes(b)].some((t) => fits(t, value)));
    if (!branch)
      return [{ field: here, text: `'${here}' must be ${typeWords(schemaTypes(schema))} (got ${gotText(value)})`, accepts: typeWords(schemaTypes(schema)) }];
    return checkValue(value, { ...schema, anyOf: undefined, oneOf: undefined, ...branch }, at, topLevel);
  }
  const accepts = acceptsText(schema);
  const problem = (text: string): ArgProblem[] => [{ field: here, text: `'${here}' ${text}`, accepts }];

  const types = schemaTypes(schema);
  if (types.size && ![...types].some((t) => fits(t, value))) return problem(`must be ${typeWords(types)} (got ${gotText(value)})`);
  if (Array.isArray(schema['enum']) && !schema['enum'].some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return problem(`must be one of ${schema['enum'].map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(value)})`);
  }
  if ('const' in schema && JSON.stringify(schema['const']) !== JSON.stringify(value)) {
    return problem(`must be ${JSON.stringify(schema['const'])} (got ${JSON.stringify(value)})`);
  }

  if (typeof value === 'number') {
    const min = num(schema, 'minimum');
    const max = num(schema, 'maximum');
    const xmin = num(schema, 'exclusiveMinimum');
    const xmax = num(schema, 'exclusiveMaximum');
    const out =
      (min !== undefined && value < min) ||
      (max !== undefined && value > max) ||
      (xmin !== undefined && value <= xmin) ||
      (xmax !== undefined && value >= xmax);
    if (out) return problem(`must be ${rangeText(schema)} (got ${value})`);
  }
  if (typeof value === 'string') {
    const min = num(schema, 'minLength');
    const max = num(schema, 'maxLength');
    if (min !== undefined && value.length < min)
      return problem(min === 1 ? 'must not be empty' : `must be at least ${min} characters long (got ${value.length})`);
    if (max !== undefined && value.length > max) return problem(`must be at most ${max} characters long (got ${value.length})`);
    const pattern = schema['pattern'];
    if (typeof pattern === 'string' && !new RegExp(pattern, 'u').test(value)) return problem(`does not have the expected form (pattern ${pattern})`);
  }
  if (Array.isArray(value)) {
    const min = num(schema, 'minItems');
    const max = num(schema, 'maxItems');
    if (min !== undefined && value.length < min) return problem(`must have at least ${min} item${min === 1 ? '' : 's'} (got ${value.length})`);
    if (max !== undefined && value.length > max) return problem(`must have at most ${max} item${max === 1 ? '' : 's'} (got ${value.length})`);
    const items = schema['items'];
    if (isRecord(items)) return value.flatMap((v, i) => checkValue(v, items, `${here}[${i}]`));
  }
  if (isRecord(value)) return checkObject(value, schema, at, topLevel);
  return [];
}

function checkObject(value: Record<string, unknown>, schema: Schema, at: string, topLevel: boolean): ArgProblem[] {
  const props = isRecord(schema['properties']) ? (schema['properties'] as Record<string, Schema>) : {};
  const sub = (k: string): string => (at ? `${at}.${k}` : k);
  const problems: ArgProblem[] = [];
  const required = Array.isArray(schema['required']) ? (schema['required'] as unknown[]).filter((r): r is string => typeof r === 'string') : [];
  for (const name of required) {
    if (value[name] === undefined) {
      const s = props[name] ?? {};
      const what = acceptsText(s);
      problems.push({ field: sub(name), text: `'${sub(name)}' is required (${what})`, accepts: what });
    }
  }
  const extra = schema['additionalProperties'];
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const s = props[k] ?? (isRecord(extra) ? extra : undefined);
    if (s) problems.push(...checkValue(v, s, sub(k)));
    else if (extra === false) unknown.push(k);
  }
  if (unknown.length) {
    const accepted = Object.keys(props).join(', ');
    const noun = topLevel ? 'argument' : 'key';
    problems.push({
      field: sub(unknown[0] as string),
      text: `unknown ${noun}${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${sub(k)}'`).join(', ')}${accepted ? ` (accepted: ${accepted})` : ''}`,
      accepts: accepted,
    });
  }
  return problems;
}

/**
 * Coerce (see coerceValue) and check a call's arguments against the schema the tool advertises.
 * A null given for an optional argument whose schema has no null counts as not given (as parseArgs does for
 * model fields), so clients that send null for "unset" are not refused.
 * @returns the coerced arguments.
 * @throws StudioError invalid_input naming the tool, every bad field, what it got and what it accepts.
 */
export function checkArgs(tool: string, args: Record<string, unknown>, schema: JsonObjectSchema): Record<string, unknown> {
  const coerced = coerceValue(args, { type: 'object', properties: schema.properties }) as Record<string, unknown>;
  const required = new Set(schema.required ?? []);
  for (const [k, v] of Object.entries(coerced)) {
    if (v === null && !required.has(k) && k in schema.properties && !schemaTypes(schema.properties[k]).has('null')) delete coerced[k];
  }
  const problems = checkValue(coerced, schema as Schema, '', true);
  if (!problems.length) return coerced;
  const first = problems[0] as ArgProblem;
  throw invalidInput(`${tool}: ${problems.map((p) => p.text).join('; ')}`, {
    field: problems.length === 1 ? first.field : [...new Set(problems.map((p) => p.field))].join(', '),
    ...(problems.length === 1 && first.accepts ? { accepts: first.accepts } : {}),
  });
}
