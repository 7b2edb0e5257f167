import { z } from 'zod';
import { invalidInput, StudioError } from '../errors.js';
import { coerceValue } from './coerce.js';
import { describeField, mediaDescription } from './describe.js';
import { argFields, isGiven, visibleArgFields } from './arg-fields.js';
import { unsupportedArgError, type ModelLister } from './rules.js';
import type { Capability, CapabilityField, JsonSchemaFragment, Task } from './types.js';

/**
 * The bridge between capability files and MCP tools: the JSON Schema of a generation tool for one model (the whole
 * tool when it is the only model offered; a lookup's answer otherwise), validation of a call's model fields against
 * the model it names, and the rename from agent-facing names to provider field names.
 */

/** A JSON Schema object for a tool's input. */
export interface ToolInputSchema {
  type: 'object';
  properties: Record<string, JsonSchemaFragment>;
  required: string[];
  additionalProperties: boolean;
  [key: string]: unknown;
}

/** Roles that the studio can fill by itself, keyed by the studio argument that makes it do so. */
const FILLED_BY: Record<string, readonly string[]> = {
  character_id: ['voice_id', 'image', 'reference_images'],
  use_last_frame: ['start_frame'],
};

/**
 * What a shot supplies when the call gives shot_id (GenerationPlanner.prepare fills them): the shot's prompt for
 * video, its current take and latest dialogue line for lip-sync. JSON Schema cannot say "required unless shot_id"
 * at the root without anyOf (which hosts reject there), so these leave `required` and are enforced per call.
 */
export const SHOT_SUPPLIES: Partial<Record<Task, readonly string[]>> = {
  video_generate: ['prompt'],
  lipsync_video: ['video', 'audio'],
  lipsync_image: ['audio'],
};

const FROM_SHOT: Record<string, string> = {
  prompt: 'a shot that has a prompt',
  video: 'a shot that has a take (generate its video first)',
  audio: 'a shot that has a dialogue line (voice_tts with shot_id adds one)',
};

/** The studio arguments that fill a field when given (character_id fills voice_id, shot_id a lip-sync's audio). */
export function fillersOf(task: Task, arg: string, studioArgs: Record<string, unknown>): string[] {
  const out = Object.entries(FILLED_BY)
    .filter(([studioArg, roles]) => studioArg in studioArgs && roles.includes(arg))
    .map(([studioArg]) => studioArg);
  if ('shot_id' in studioArgs && SHOT_SUPPLIES[task]?.includes(arg)) out.push('shot_id');
  return out;
}

/**
 * The calls that leave a shot-supplied field empty, each as a specific error ("'prompt' is required: give prompt,
 * or shot_id of a shot that has a prompt"). Run after the shot's values were filled in.
 */
export function missingFromShot(tool: string, task: Task, cap: Capability, values: Record<string, unknown>, shotId: string | undefined): StudioError[] {
  const out: StudioError[] = [];
  const fields = argFields(cap);
  for (const arg of SHOT_SUPPLIES[task] ?? []) {
    const f = fields.get(arg);
    if (!f?.field.required || isGiven(values[arg])) continue;
    const shotNote = shotId ? ` (shot '${shotId}' has none)` : '';
    out.push(
      invalidInput(`${tool} (${cap.id}): '${arg}' is required: give ${arg}, or shot_id of ${FROM_SHOT[arg] ?? 'a shot that supplies it'}${shotNote}`, {
        model: cap.id,
        field: arg,
      }),
    );
  }
  return out;
}

function fieldProperty(field: CapabilityField, fillers: string[]): JsonSchemaFragment {
  const prop: JsonSchemaFragment = structuredClone(field.schema);
  const parts: string[] = [];
  if (field.media) {
    const max = field.schema['maxItems'];
    parts.push(mediaDescription(field.media, field.schema['type'] === 'array', typeof max === 'number' ? max : undefined));
  }
  if (field.description) parts.push(field.description);
  if (field.required && fillers.length) parts.push(`Required unless ${fillers.join(' or ')} supplies it.`);
  if (parts.length) prop['description'] = parts.join('. ').replace(/\.\./g, '.');
  return prop;
}

/**
 * The input schema of a generation tool for one model: exactly that model's fields.
 * @param cap the model; undefined when none is offered (then any field is let through to per-call checks).
 * @param studioArgs studio-only arguments of this tool (character_id, shot_id, use_last_frame, …) as JSON Schemas;
 *   `use_last_frame` is kept only when the model has a start frame.
 * @param modelIds the ids the `model` argument may take (its enum).
 */
export function toolInputSchema(
  task: Task,
  cap: Capability | undefined,
  studioArgs: Record<string, JsonSchemaFragment>,
  modelIds: readonly string[] = [],
): ToolInputSchema {
  const properties: Record<string, JsonSchemaFragment> = {};
  properties['model'] = {
    type: 'string',
    ...(modelIds.length ? { enum: [...modelIds] } : {}),
    ...(cap ? { default: cap.id } : {}),
    description: `Model for ${task}.`,
  };
  const hasStart = cap ? argFields(cap).has('start_frame') : true;
  for (const [name, schema] of Object.entries(studioArgs)) {
    if (name === 'use_last_frame' && !hasStart) continue;
    properties[name] = structuredClone(schema);
  }
  if (!cap) return { type: 'object', properties, required: [], additionalProperties: true };

  const required: string[] = [];
  for (const { arg, field } of visibleArgFields(cap)) {
    if (arg in properties) continue; // a studio arg of the same name wins (they mean the same thing)
    const fillers = fillersOf(task, arg, properties);
    properties[arg] = fieldProperty(field, fillers);
    if (field.required && fillers.length === 0) required.push(arg);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** zod validators built from field schemas, cached per field object (capabilities are immutable once loaded). */
const validators = new WeakMap<CapabilityField, z.ZodType>();

function validatorFor(field: CapabilityField): z.ZodType {
  let v = validators.get(field);
  if (!v) {
    // Defaults are the provider's business: filling them here would make every field look "given" to the rules.
    const { default: _ignored, ...schema } = field.schema;
    v = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    validators.set(field, v);
  }
  return v;
}

function typeWord(schema: JsonSchemaFragment): string {
  const t = schema['type'];
  return t === 'integer' ? 'an integer' : t === 'array' ? 'a list' : typeof t === 'string' ? `a ${t}` : 'a valid value';
}

function problemOf(issue: z.core.$ZodIssue, field: CapabilityField, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${field.media ? 'a media id' : typeWord(field.schema)} (got ${JSON.stringify(value) ?? typeof value})`;
    case 'too_big':
    case 'too_small': {
      const dir = issue.code === 'too_big' ? 'too many' : 'too few';
      if (Array.isArray(value)) return `has ${value.length} items, ${dir}`;
      if (value === '') return 'is empty';
      if (typeof value === 'string') return `is ${value.length} characters long, too ${issue.code === 'too_big' ? 'long' : 'short'}`;
      return `is ${JSON.stringify(value)}, out of range`;
    }
    default:
      return `has the value ${JSON.stringify(value)}, which is not accepted`;
  }
}

/** Roles whose blank value is a mistake, not "not given": an empty prompt or an empty line to speak. */
const BLANK_REFUSED = new Set(['prompt', 'text']);

export interface ParseArgsOptions {
  /** Argument names to skip (studio-level args such as model, character_id, shot_id). */
  ignore?: Iterable<string>;
  /** For the "models that take X" hint when an argument is unknown. */
  lister?: ModelLister;
}

/**
 * Validate a call's model fields against the model. Required fields are not checked here (injection may still
 * fill them; `checkRules` checks them afterwards). Null and undefined count as not given and are dropped.
 * @returns the model field values keyed by agent-facing names.
 * @throws StudioError invalid_input naming the model, each bad field, the problem and what is accepted.
 */
export function parseArgs(cap: Capability, args: Record<string, unknown>, opts: ParseArgsOptions = {}): Record<string, unknown> {
  const ignore = new Set(opts.ignore ?? []);
  const fields = new Map(visibleArgFields(cap).map((f) => [f.arg, f]));
  const out: Record<string, unknown> = {};
  const problems: StudioError[] = [];
  for (const [arg, value] of Object.entries(args)) {
    if (ignore.has(arg) || value === undefined || value === null) continue;
    const f = fields.get(arg);
    if (!f) {
      problems.push(unsupportedArgError(cap, arg, opts.lister));
      continue;
    }
    const parsed = validatorFor(f.field).safeParse(coerceValue(value, f.field.schema));
    if (parsed.success && typeof parsed.data === 'string' && BLANK_REFUSED.has(f.field.role ?? '') && parsed.data.trim() === '') {
      problems.push(
        invalidInput(`${cap.id}: field '${arg}' is empty; accepts ${describeField(f.field)} with words in it`, {
          model: cap.id,
          field: arg,
          accepts: describeField(f.field),
        }),
      );
    } else if (parsed.success) {
      out[arg] = parsed.data;
    } else {
      const issue = parsed.error.issues[0];
      const problem = issue ? problemOf(issue, f.field, value) : 'is not valid';
      const accepts = describeField(f.field);
      problems.push(invalidInput(`${cap.id}: field '${arg}' ${problem}; accepts ${accepts}`, { model: cap.id, field: arg, accepts }));
    }
  }
  if (problems.length === 1 && problems[0]) throw problems[0];
  if (problems.length > 1) {
    throw invalidInput(problems.map((p) => p.message).join('\n'), {
      model: cap.id,
      field: problems.map((p) => p.details.field).join(', '),
    });
  }
  return out;
}

/**
 * Rename agent-facing values to provider field names for the adapter.
 * @throws StudioError internal for a name the model does not have (a studio bug: values come from parseArgs/inject).
 */
export function toProviderFields(cap: Capability, values: Record<string, unknown>): Record<string, unknown> {
  const byArg = argFields(cap);
  const out: Record<string, unknown> = {};
  for (const [arg, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const f = byArg.get(arg);
    if (!f) throw new StudioError('internal', `${cap.id} has no field '${arg}'`);
    out[f.name] = value;
  }
  return out;
}
