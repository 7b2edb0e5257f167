import { z } from 'zod';
import { Capability } from './types.js';

/**
 * The capability meta-schema as JSON Schema, generated from the zod `Capability` schema so the two can never
 * drift; `capability-schemas/meta-schema.json` holds this output (a test keeps the file up to date) for editors
 * and for people writing capability files without reading TypeScript.
 */
export function capabilityMetaSchema(): Record<string, unknown> {
  // io 'input': fields with defaults (status, docs, rules, limits, concurrency) may be left out of a file.
  const schema = z.toJSONSchema(Capability, { io: 'input', target: 'draft-2020-12' });
  return {
    ...schema,
    title: 'studio-mcp capability file',
    description: 'One file per model: capability-schemas/<provider>/<provider model id>.json. Generated from src/capabilities/types.ts; do not edit by hand.',
  };
}

/** The meta-schema file's exact text (stable key order, trailing newline). */
export function metaSchemaText(): string {
  return `${JSON.stringify(capabilityMetaSchema(), null, 2)}\n`;
}
