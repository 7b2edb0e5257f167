import { z } from 'zod';
import { invalidInput } from '../errors.js';
import { gotText } from './check-args.js';
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
  run: (args: z.infer<S>, ctx: ToolContext) => Promise<ToolOutput>;
}): ToolDef {
  const strict = def.schema.strict();
  const json = z.toJSONSchema(strict, { io: 'input', unrepresentable: 'any' }) as JsonObjectSchema;
  delete json['$schema'];
  return {
    name: def.name,
    title: def.title,
    description: def.description,
    annotations: { title: def.title, ...def.annotations },
    ...(def.longRunning ? { longRunning: true } : {}),
    inputSchema: () => json,
    ...(def.output ? { outputSchema: outputJsonSchema(def.output) } : {}),
    run: (args, ctx) => def.run(parseToolArgs(def.name, strict, args) as z.infer<S>, ctx),
  };
}

/** A result shape as the JSON Schema published in tools/list (no $schema: the spec's default dialect is 2020-12). */
export function outputJsonSchema(shape: z.ZodObject): JsonObjectSchema {
  const json = z.toJSONSchema(shape, { io: 'output', unrepresentable: 'any' }) as JsonObjectSchema;
  delete json['$schema'];
  return json;
}

/** Common argument shapes, described once so every tool words them the same way. */
export const idArg = (what: string): z.ZodString => z.string().min(1).describe(`Id of the ${what}.`);
export const mediaIdArg = (what: string): z.ZodString => z.string().min(1).describe(`Media id (from the library) of ${what}.`);
