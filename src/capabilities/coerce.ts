const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

type Schema = Record<string, unknown>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON types a schema allows, looking through `anyOf`/`oneOf` (zod writes `.nullable()` as an anyOf). */
export function schemaTypes(schema: unknown): Set<string> {
  const out = new Set<string>();
  if (!isRecord(schema)) return out;
  const t = schema['type'];
  if (typeof t === 'string') out.add(t);
  if (Array.isArray(t)) for (const x of t) if (typeof x === 'string') out.add(x);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) for (const b of branches) for (const x of schemaTypes(b)) out.add(x);
  }
  return out;
}

/** The object/array sub-schemas of a schema, its anyOf/oneOf branches included. */
function branches(schema: Schema): Schema[] {
  const out: Schema[] = [schema];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const b of list) if (isRecord(b)) out.push(...branches(b));
  }
  return out;
}

/**
 * The one coercion rule of the studio, for every tool and every model field: some MCP clients (form-based UIs,
 * command-line bridges) send every argument as a string, so where the schema says a value is a number, an integer
 * or a boolean and does not also allow a string, a string that spells exactly such a value is read as one
 * ("8" → 8, "true" → true) — at any depth (settings.width, items of a list). Anything else is left as it is, so
 * validation names the field with what it got.
 */
export function coerceValue(value: unknown, schema: unknown): unknown {
  if (!isRecord(schema)) return value;
  if (typeof value === 'string') {
    const types = schemaTypes(schema);
    if (types.has('string')) return value;
    const text = value.trim();
    if ((types.has('number') || types.has('integer')) && NUMBER.test(text)) {
      const n = Number(text);
      if (Number.isFinite(n) && (types.has('number') || Number.isInteger(n))) return n;
    } else if (types.has('boolean') && (text === 'true' || text === 'false')) {
      return text === 'true';
    }
    return value;
  }
  if (Array.isArray(value)) {
    const items = branches(schema)
      .map((b) => b['items'])
      .find(isRecord);
    return items ? value.map((v) => coerceValue(v, items)) : value;
  }
  if (isRecord(value)) {
    const objects = branches(schema).filter((b) => isRecord(b['properties']) || isRecord(b['additionalProperties']));
    if (!objects.length) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const sub = objects.map((b) => (b['properties'] as Schema | undefined)?.[k] ?? b['additionalProperties']).find(isRecord);
      out[k] = sub ? coerceValue(v, sub) : v;
    }
    return out;
  }
  return value;
}
