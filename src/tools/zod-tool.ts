import { z } from 'zod';
import { invalidInput } from '../errors.js';
import { gotText } from './check-args.js';
import type { Studio } from '../studio/studio.js';
import { mediaLinks } from './media-links.js';
import type { JsonObjectSchema, ToolAnnotations, ToolContext, ToolDef, ToolOutput } from './types.js';

function describeIssue(issue: z.core.$ZodIssue): { field: string; text: string } {
  const field = issue.path.map(String).join('.') || '(arguments)';
  switch (issue.code) {
    case 'invalid_type':
      // reportInput is on, so `input` is undefined only when the argument is really missing.
      return {
        field,
        text: issue.input === undefined ? `'${field}' is required (${issue.expected})` : `'${field}' expected ${issue.expected}, got ${gotText(issue.input)}`,
      };
    case 'unrecognized_keys':
      return { field: issue.keys[0] ?? field, text: `unknown argument(s): ${issue.keys.map((k) => `'${k}'`).join(', ')}` };
    case 'invalid_value':
      return { field, text: `'${field}' must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'too_small':
      return { field, text: `'${field}' is too small or short (minimum ${String(issue.minimum)})` };
    case 'too_big':
      return { field, text: `'${field}' is too big or long (maximum ${String(issue.maximum)})` };
    default:
      return { field, text: `'${field}': ${issue.message}` };
  }
}

/** Parse tool arguments with a zod schema; the error names every bad field. */
export function parseToolArgs<S extends z.ZodType>(tool: string, schema: S, args: unknown): z.infer<S> {
  const r = schema.safeParse(args ?? {}, { reportInput: true });
  if (r.success) return r.data;
  const issues = r.error.issues.map(describeIssue);
  throw invalidInput(`${tool}: ${issues.map((i) => i.text).join('; ')}`, { field: issues[0]?.field ?? '' });
}

/** A studio tool with a fixed zod schema (everything except the model-driven generation tools). */
export function zodTool<S extends z.ZodObject>(def: {
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  longRunning?: boolean;
  schema: S;
  /** Shape of the result's structuredContent; published as the tool's outputSchema. */
  output?: z.ZodObject;
  /**
   * Link every media item the result names (its `media_id`/`media_ids` members, at any depth) as a studio://media
   * resource (default). Lists turn it off: their items are an index to pick from, reachable through the template.
   */
  linkMedia?: boolean;
  run: (args: z.infer<S>, ctx: ToolContext) => Promise<ToolOutput>;
}): ToolDef {
  const strict = def.schema.strict();
  const raw = z.toJSONSchema(strict, { io: 'input', unrepresentable: 'any' }) as JsonObjectSchema;
  delete raw['$schema'];
  // The root keeps `properties` even when empty: a flat root is type, properties, required (hosts expect it).
  const leaned = lean(raw) as Partial<JsonObjectSchema>;
  const json: JsonObjectSchema = { ...leaned, type: 'object', properties: leaned.properties ?? {} };
  return {
    name: def.name,
    title: def.title,
    description: def.description,
    annotations: { title: def.title, ...def.annotations },
    ...(def.longRunning ? { longRunning: true } : {}),
    inputSchema: () => json,
    ...(def.output ? { outputSchema: outputJsonSchema(def.output), outputShape: def.output } : {}),
    run: async (args, ctx) => {
      const out = await def.run(parseToolArgs(def.name, strict, args) as z.infer<S>, ctx);
      return def.linkMedia === false ? out : await withMediaLinks(ctx.studio, out);
    },
  };
}

/** A result with a link to each media item it names, after the links the tool gave (each uri once). */
async function withMediaLinks(studio: Studio, out: ToolOutput): Promise<ToolOutput> {
  const links = [...(out.links ?? [])];
  const have = new Set(links.map((l) => l.uri));
  for (const l of await mediaLinks(studio, mediaIdsIn(out.result))) if (!have.has(l.uri)) links.push(l);
  return links.length ? { ...out, links } : out;
}

/** The values of every `media_id` and `media_ids` member of a JSON value, in document order. */
function mediaIdsIn(v: unknown, into: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) mediaIdsIn(x, into);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'media_id' && typeof x === 'string') into.push(x);
      else if (k === 'media_ids' && Array.isArray(x)) into.push(...x.filter((i): i is string => typeof i === 'string'));
      else mediaIdsIn(x, into);
    }
  }
  return into;
}

/** A result shape as the JSON Schema published in tools/list (no $schema: the spec's default dialect is 2020-12). */
export function outputJsonSchema(shape: z.ZodObject): JsonObjectSchema {
  const json = z.toJSONSchema(shape, { io: 'output', unrepresentable: 'any' }) as JsonObjectSchema;
  delete json['$schema'];
  return admitErrors(lean(json) as JsonObjectSchema);
}

/**
 * The schema as published: it also admits a tool error's structuredContent (`{error: {code, message, …}}`). The
 * spec binds only successful results to outputSchema, but SDK 1.x clients (the 2025-era clients we serve, up to
 * 1.32) validate an isError result too once tools/list was read (modelcontextprotocol/typescript-sdk#1943), and
 * then throw "Structured content does not match the tool's output schema" instead of showing the error. So the
 * root names `error` and lists no required members; inside the records, ids and types stay as strict as written.
 */
function admitErrors(json: JsonObjectSchema): JsonObjectSchema {
  const { required: _successOnly, properties, ...rest } = json;
  return { ...rest, properties: { ...properties, error: { type: 'object' } } };
}

/**
 * A schema without the keywords that allow everything anyway: every client carries tools/list in its context, and
 * zod spells out an open object (`additionalProperties: {}`), a record's string keys (`propertyNames`) and the
 * bounds of a safe integer. Dropping them changes nothing a validator accepts.
 */
function lean(node: unknown, names = false): unknown {
  if (Array.isArray(node)) return node.map((n) => lean(n));
  if (node === null || typeof node !== 'object') return node;
  const nullable = names ? undefined : nullableObject(node);
  if (nullable) return lean(nullable);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    // The keys of `properties` are field names, not keywords.
    if (!names && k === 'additionalProperties' && isEmptyObject(v)) continue;
    if (!names && k === 'propertyNames' && isStringType(v)) continue;
    if (!names && k === 'properties' && isEmptyObject(v)) continue;
    if (!names && ((k === 'minimum' && v === Number.MIN_SAFE_INTEGER) || (k === 'maximum' && v === Number.MAX_SAFE_INTEGER))) continue;
    out[k] = lean(v, !names && k === 'properties');
  }
  return out;
}

/**
 * `anyOf: [{type: 'object', properties…}, {type: 'null'}]` as `{type: ['object', 'null'], properties…}`: the same
 * values pass (properties and required only constrain objects), in fewer bytes.
 */
function nullableObject(node: object): Record<string, unknown> | undefined {
  const anyOf = (node as { anyOf?: unknown }).anyOf;
  if (Object.keys(node).length !== 1 || !Array.isArray(anyOf) || anyOf.length !== 2) return undefined;
  const [a, b] = anyOf as unknown[];
  if (!isObjectWith(b, ['type']) || (b as { type: unknown }).type !== 'null') return undefined;
  if (a === null || typeof a !== 'object' || (a as { type?: unknown }).type !== 'object') return undefined;
  return { ...a, type: ['object', 'null'] };
}

const isEmptyObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;
const isStringType = (v: unknown): boolean => isObjectWith(v, ['type']) && (v as { type: unknown }).type === 'string';
const isObjectWith = (v: unknown, keys: string[]): boolean =>
  v !== null && typeof v === 'object' && Object.keys(v).length === keys.length && keys.every((k) => k in v);

/** Common argument shapes, described once so every tool words them the same way. */
/** Entities whose `<entity>_id` argument says all there is to say (a description would only repeat the name). */
const PLAIN_IDS = new Set(['scene', 'shot', 'film', 'job', 'character']);
export const idArg = (what: string): z.ZodString => (PLAIN_IDS.has(what) ? z.string().min(1) : z.string().min(1).describe(`Id of the ${what}.`));
export const mediaIdArg = (what: string): z.ZodString => z.string().min(1).describe(`Media id (from the library) of ${what}.`);
