import type { JsonObjectSchema } from './types.js';

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Some MCP clients (form-based UIs, command-line bridges) send every argument as a string. Where the tool's schema
 * says a top-level argument is a number, an integer or a boolean, a string that spells exactly such a value is
 * read as one ("8" → 8, "true" → true). Anything else is left as it is, so validation still names the field.
 */
export function coerceScalars(args: Record<string, unknown>, schema: JsonObjectSchema): Record<string, unknown> {
  const out: Record<string, unknown> = { ...args };
  for (const [name, value] of Object.entries(args)) {
    if (typeof value !== 'string') continue;
    const prop = schema.properties[name] as { type?: unknown } | undefined;
    const types = Array.isArray(prop?.type) ? (prop?.type as unknown[]) : [prop?.type];
    if (types.includes('string')) continue;
    const text = value.trim();
    if ((types.includes('number') || types.includes('integer')) && NUMBER.test(text)) {
      const n = Number(text);
      if (Number.isFinite(n) && (types.includes('number') || Number.isInteger(n))) out[name] = n;
    } else if (types.includes('boolean') && (text === 'true' || text === 'false')) {
      out[name] = text === 'true';
    }
  }
  return out;
}
