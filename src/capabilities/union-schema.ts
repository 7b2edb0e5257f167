import { visibleArgFields, type ArgField } from './arg-fields.js';
import { mediaDescription } from './describe.js';
import { fillersOf, toolInputSchema, type ToolInputSchema } from './tool-schema.js';
import type { Capability, JsonSchemaFragment, Task } from './types.js';

/**
 * One input schema for a generation tool that serves several models: `model` is an enum of the offered models and
 * the properties are the union of their fields. Hosts reject composition at a schema's root, so the root stays flat
 * (type, properties, required); a field whose models disagree gets the loosest schema that admits every model's
 * values, and its description names which models take it and each one's limits. Every call is still checked
 * against the model it names (parseArgs, rules), so a looser union never lets a bad value through.
 */

/** Keys that describe a value rather than constrain it: not compared when deciding whether models agree. */
function constraint(schema: JsonSchemaFragment): JsonSchemaFragment {
  const { description: _d, default: _f, ...rest } = schema;
  return rest;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The shortest tail of each id (by `/` segments) that no other id shares: `veo-3.1`, `text-to-dialogue/eleven_v3`. */
export function shortNames(ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of ids) {
    const parts = id.split('/');
    for (let n = 1; n <= parts.length; n++) {
      const tail = parts.slice(-n).join('/');
      if (n === parts.length || !ids.some((o) => o !== id && (o === tail || o.endsWith(`/${tail}`)))) {
        out.set(id, tail);
        break;
      }
    }
  }
  return out;
}

function numericBounds(s: JsonSchemaFragment): { lo?: number; hi?: number } {
  const en = Array.isArray(s['enum']) ? (s['enum'] as unknown[]).filter((v): v is number => typeof v === 'number') : [];
  const lo = typeof s['minimum'] === 'number' ? s['minimum'] : en.length ? Math.min(...en) : undefined;
  const hi = typeof s['maximum'] === 'number' ? s['maximum'] : en.length ? Math.max(...en) : undefined;
  return { ...(lo !== undefined ? { lo } : {}), ...(hi !== undefined ? { hi } : {}) };
}

/** Values of every list, each once, in order of first appearance. */
const unionOf = (lists: unknown[][]): unknown[] => lists.flat().filter((v, i, all) => all.findIndex((w) => same(v, w)) === i);

/** The loosest schema of one JSON type that admits the values of each of `schemas` (all of that type). */
function mergeSameType(type: string, schemas: JsonSchemaFragment[]): JsonSchemaFragment {
  const first = schemas[0] as JsonSchemaFragment;
  if (schemas.every((s) => same(s, first))) return structuredClone(first);
  const all = (k: string): boolean => schemas.every((s) => s[k] !== undefined);
  const nums = (k: string): number[] => schemas.map((s) => s[k]).filter((v): v is number => typeof v === 'number');
  const out: JsonSchemaFragment = { type };
  if (schemas.every((s) => Array.isArray(s['enum']))) return { type, enum: unionOf(schemas.map((s) => s['enum'] as unknown[])) };
  if (type === 'number' || type === 'integer') {
    const bounds = schemas.map(numericBounds);
    if (bounds.every((b) => b.lo !== undefined)) out['minimum'] = Math.min(...bounds.map((b) => b.lo as number));
    if (bounds.every((b) => b.hi !== undefined)) out['maximum'] = Math.max(...bounds.map((b) => b.hi as number));
  } else if (type === 'string') {
    if (all('minLength')) out['minLength'] = Math.min(...nums('minLength'));
    if (all('maxLength')) out['maxLength'] = Math.max(...nums('maxLength'));
    if (all('pattern') && schemas.every((s) => s['pattern'] === first['pattern'])) out['pattern'] = first['pattern'];
  } else if (type === 'array') {
    const items = schemas.map((s) => s['items']);
    if (items.every((i) => same(i, items[0]))) out['items'] = structuredClone(items[0]);
    if (all('minItems')) out['minItems'] = Math.min(...nums('minItems'));
    if (all('maxItems')) out['maxItems'] = Math.max(...nums('maxItems'));
  }
  return out;
}

/** The loosest schema admitting every model's values; differing JSON types become an anyOf inside the property. */
export function mergeSchemas(schemas: JsonSchemaFragment[]): JsonSchemaFragment {
  const byType = new Map<string, JsonSchemaFragment[]>();
  for (const s of schemas) {
    // An integer field beside a number field: the number schema admits both.
    const t = s['type'] === 'integer' && schemas.some((o) => o['type'] === 'number') ? 'number' : String(s['type']);
    byType.set(t, [...(byType.get(t) ?? []), s['type'] === 'integer' && t === 'number' ? { ...s, type: 'number' } : s]);
  }
  const merged = [...byType.entries()].map(([t, list]) => mergeSameType(t, list));
  return merged.length === 1 ? (merged[0] as JsonSchemaFragment) : { anyOf: merged };
}

/** Enums longer than this are summarised (ElevenLabs' 28 output formats): the model's own schema lists them all. */
const LONG_ENUM = 12;

const BARE = new Set(['string', 'integer', 'number', 'boolean', 'list']);

/** A model's limits on a field in a few characters: `4|6|8`, `2..12`, `≤3 items`, with `=x` for its default. */
export function limitText(s: JsonSchemaFragment): string {
  const parts: string[] = [];
  const en = s['enum'];
  if (Array.isArray(en)) {
    const shown = en.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    parts.push(shown.length > LONG_ENUM ? `${shown.length} values` : shown.join('|'));
  } else if (s['type'] === 'array') {
    const lo = s['minItems'];
    const hi = s['maxItems'];
    parts.push(typeof hi === 'number' ? `≤${hi} items` : typeof lo === 'number' ? `≥${lo} items` : 'list');
  } else if (s['type'] === 'number' || s['type'] === 'integer') {
    const { lo, hi } = numericBounds(s);
    parts.push(lo !== undefined && hi !== undefined ? `${lo}..${hi}` : lo !== undefined ? `≥${lo}` : hi !== undefined ? `≤${hi}` : String(s['type']));
  } else if (s['type'] === 'string') {
    parts.push(typeof s['maxLength'] === 'number' ? `≤${s['maxLength']} chars` : 'string');
  } else if (s['type'] !== 'boolean' || s['default'] === undefined) parts.push(String(s['type']));
  if (s['default'] !== undefined) parts.push(`=${typeof s['default'] === 'string' ? s['default'] : JSON.stringify(s['default'])}`);
  return parts.join(' ');
}

/**
 * A set of models named compactly: a provider or owner whose offered models all belong to the set is named once as
 * `vertex/*` or `replicate/bytedance/*`; the rest by their short names.
 */
export function nameSet(set: readonly string[], all: readonly string[], name: (id: string) => string): string {
  const left = new Set(set);
  const out: string[] = [];
  const prefixes = [...new Set(all.flatMap((id) => [id.split('/').slice(0, 1).join('/'), id.split('/').slice(0, 2).join('/')]))]
    .filter((p) => !all.includes(p))
    .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  for (const p of prefixes) {
    const members = all.filter((id) => id.startsWith(`${p}/`));
    if (members.length > 1 && members.every((id) => left.has(id))) {
      // An owner is named without its provider when no other id has that owner: `bytedance/*`.
      const owner = p.split('/').slice(1).join('/');
      const unique = owner && all.every((id) => id.startsWith(`${p}/`) || !id.split('/').includes(owner));
      out.push(`${unique ? owner : p}/*`);
      for (const id of members) left.delete(id);
    }
  }
  for (const id of set) if (left.has(id)) out.push(name(id));
  return out.join(', ');
}

/** "Only a, b" or "Not c", whichever is shorter; empty when every model takes the field. */
function whoTakes(takers: string[], all: string[], name: (id: string) => string): string {
  if (takers.length === all.length) return '';
  return shorter(
    `Only ${nameSet(takers, all, name)}`,
    `Not ${nameSet(
      all.filter((id) => !takers.includes(id)),
      all,
      name,
    )}`,
  );
}

const shorter = (a: string, b: string): string => (a.length <= b.length ? a : b);

/**
 * A field's description in brief: its first clause, without asides in parentheses, at most about `max` characters.
 * The whole text stays in the model's own schema (its lookup).
 */
export function brief(text: string, max = 64): string {
  let depth = 0;
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === ';' || (c === '.' && /^\s+[A-Z'"]/.test(text.slice(i + 1, i + 3)) && !/(e\.g|i\.e|etc)$/.test(text.slice(0, i))))) {
      end = i;
      break;
    }
  }
  const out = text
    .slice(0, end)
    .replace(/\s*\([^()]*\)/g, '')
    .replace(/\.$/, '')
    .trim();
  return out.length <= max ? out : `${out.slice(0, out.lastIndexOf(' ', max - 1))}…`;
}

/** Whether the models' limits on a field differ (then the description carries each one's). */
function limitsDiffer(fields: ArgField[]): boolean {
  return new Set(fields.map((f) => limitText(f.field.schema))).size > 1;
}

/**
 * The description a union field carries: the default model's (what a call without `model` uses), else the most
 * common among the models (the shorter on a tie), as models of one family share their wording.
 */
function commonDescription(fields: ArgField[], preferred: ArgField | undefined): string | undefined {
  if (preferred?.field.description) return preferred.field.description;
  const counts = new Map<string, number>();
  for (const f of fields) if (f.field.description) counts.set(f.field.description, (counts.get(f.field.description) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length)[0]?.[0];
}

/**
 * The input schema of a generation tool offering `caps` (sorted by id).
 * @param defaultModel the model a call without `model` uses (when the shot names none).
 */
export function unionInputSchema(
  task: Task,
  caps: readonly Capability[],
  studioArgs: Record<string, JsonSchemaFragment>,
  defaultModel: string,
): ToolInputSchema {
  if (caps.length <= 1) {
    const schema = toolInputSchema(task, caps[0], studioArgs, caps[0] ? [caps[0].id] : []);
    if (!caps[0]) schema.properties['model'] = { type: 'string', description: `No ${task} model is offered here (see STUDIO_MODELS and provider keys).` };
    return schema;
  }
  const ids = caps.map((c) => c.id);
  const names = shortNames(ids);
  const name = (id: string): string => names.get(id) ?? id;
  const properties: Record<string, JsonSchemaFragment> = {
    // Field descriptions say which models take a field ("Only a, b" / "Not c") and each one's limits ("=x" its default).
    model: { type: 'string', enum: ids, default: defaultModel },
  };
  const fieldsOf = caps.map((c) => new Map(visibleArgFields(c).map((f) => [f.arg, f])));
  const anyStart = fieldsOf.some((f) => f.has('start_frame'));
  for (const [arg, schema] of Object.entries(studioArgs)) {
    if (arg === 'use_last_frame' && !anyStart) continue;
    properties[arg] = structuredClone(schema);
  }
  const args = [...new Set(fieldsOf.flatMap((f) => [...f.keys()]))].filter((a) => !(a in properties));
  const required: string[] = [];
  for (const arg of args) {
    const takers = caps.flatMap((c, i) => {
      const f = fieldsOf[i]?.get(arg);
      return f ? [{ id: c.id, f }] : [];
    });
    const fields = takers.map((t) => t.f);
    const fillers = fillersOf(task, arg, properties);
    const requiredBy = takers.filter((t) => t.f.field.required).map((t) => t.id);
    const prop = mergeSchemas(fields.map((f) => constraint(f.field.schema)));
    if (Array.isArray(prop['enum']) && prop['enum'].length > LONG_ENUM && limitsDiffer(fields)) delete prop['enum'];
    const defaults = fields.map((f) => f.field.schema['default']);
    if (defaults[0] !== undefined && defaults.every((d) => same(d, defaults[0]))) prop['default'] = structuredClone(defaults[0]);

    const notes: string[] = [];
    // A media field without a role says what it takes; a role's name already does (start_frame, audio…).
    const media = fields[0]?.field.media;
    if (media && !fields[0]?.field.role)
      notes.push(
        mediaDescription(
          media,
          fields.every((f) => f.field.schema['type'] === 'array'),
        ),
      );
    // A field with a studio role (prompt, duration, start_frame…) means the same on every model that shares it;
    // its wording is left to the models' own schemas. One model's field keeps its words (Veo's `video` extends a clip).
    const text = fields[0]?.field.role && takers.length > 1 ? undefined : commonDescription(fields, takers.find((t) => t.id === defaultModel)?.f);
    // A field only one model takes is that model's own idea (a dialogue's turns): its first clause is kept whole.
    if (text) notes.push(brief(text, takers.length > 1 ? 64 : 200));
    const who = whoTakes(
      takers.map((t) => t.id),
      ids,
      name,
    );
    if (who) notes.push(who);
    if (requiredBy.length === ids.length && fillers.length === 0) required.push(arg);
    else if (requiredBy.length) {
      const others = takers.map((t) => t.id).filter((id) => !requiredBy.includes(id));
      const by = !others.length ? '' : shorter(` by ${nameSet(requiredBy, ids, name)}`, ` (not ${nameSet(others, ids, name)})`);
      notes.push(`Required${by}${fillers.length ? ` unless ${fillers.join(' or ')} supplies it` : ''}`);
    }
    // Each model's own limits where they are narrower than the union's (a bare type says nothing more).
    const limits = new Map<string, string[]>();
    for (const t of takers) {
      const l = limitText(t.f.field.schema);
      limits.set(l, [...(limits.get(l) ?? []), t.id]);
    }
    if (limits.size > 1) {
      // A model whose limits are the union's own (same range, same default) needs no words.
      const own = limitText(prop);
      const told = [...limits.entries()].filter(([l]) => !BARE.has(l) && l !== own);
      notes.push(told.map(([l, who]) => `${nameSet(who, ids, name)}: ${l}`).join('; '));
    }
    if (notes.length) prop['description'] = `${notes.join('. ')}.`.replace(/…\./g, '…');
    properties[arg] = prop;
  }
  return { type: 'object', properties, required, additionalProperties: false };
}
