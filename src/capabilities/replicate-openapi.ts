import { z } from 'zod';
import { StudioError } from '../errors.js';
import { capabilityProblems, ruleFields } from './consistency.js';
import { argName } from './arg-fields.js';
import { Capability, type CapabilityField, type JsonSchemaFragment, type MediaKind, type Role, type Task } from './types.js';

/**
 * Replicate model object (`GET /v1/models/{owner}/{name}`) → capability. Replicate's Input schemas are Cog output:
 * enums hide behind `allOf`/`$ref` (sometimes `anyOf` with `null`), file inputs are `format: uri` strings, order is
 * `x-order`, secrets carry `x-cog-secret`. Roles are inferred from field names (and descriptions as a fallback),
 * so that a live model the studio has never seen still gets start frames, references and character injection.
 */

/** The parts of the model object we read; everything else is ignored. */
const ReplicateModel = z.looseObject({
  owner: z.string().min(1),
  name: z.string().min(1),
  url: z.string().nullish(),
  description: z.string().nullish(),
  is_official: z.boolean().nullish(),
  latest_version: z
    .looseObject({
      id: z.string().min(1),
      openapi_schema: z.looseObject({
        components: z.looseObject({ schemas: z.record(z.string(), z.unknown()) }),
      }),
    })
    .nullish(),
});
export type ReplicateModel = z.infer<typeof ReplicateModel>;

/** A JSON Schema node as Cog writes it (loose: unknown keys are kept, only these are read). */
type Node = Record<string, unknown>;

const InputSchema = z.looseObject({
  properties: z.record(z.string(), z.record(z.string(), z.unknown())),
  required: z.array(z.string()).optional(),
});

/** Keys that carry over to the capability field schema. */
const SCHEMA_KEYS = [
  'type',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
] as const;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deref(ref: unknown, schemas: Record<string, unknown>): Node | undefined {
  if (typeof ref !== 'string') return undefined;
  const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
  const target = m?.[1] !== undefined ? schemas[decodeURIComponent(m[1])] : undefined;
  return isNode(target) ? target : undefined;
}

/**
 * Flatten `$ref` / `allOf` / `anyOf` / `oneOf` wrappers into one node. The wrapper's own keys (default,
 * description, x-order, title) win over the referenced enum's ("An enumeration." is not a useful description);
 * a `{type: "null"}` member only makes the field nullable.
 */
export function resolveNode(prop: Node, schemas: Record<string, unknown>, depth = 0): Node {
  if (depth > 8) return prop; // a cycle in a broken schema; the caller ends up with a plain field
  let out: Node = { ...prop };
  const ref = deref(prop['$ref'], schemas);
  if (ref) {
    delete out['$ref'];
    out = { ...resolveNode(ref, schemas, depth + 1), ...out };
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const members = prop[key];
    if (!Array.isArray(members)) continue;
    delete out[key];
    const real = members.filter((m) => !(isNode(m) && m['type'] === 'null'));
    if (real.length < members.length) out['nullable'] = true;
    const first = real.find(isNode);
    if (first) {
      const inner = resolveNode(first, schemas, depth + 1);
      if (inner['nullable'] === true) out['nullable'] = true;
      out = { ...inner, ...out };
    }
  }
  if (isNode(out['items'])) out['items'] = resolveNode(out['items'], schemas, depth + 1);
  if (out['description'] === 'An enumeration.') delete out['description'];
  return out;
}

function enumType(values: unknown[]): string | undefined {
  if (values.every((v) => typeof v === 'string')) return 'string';
  if (values.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'integer';
  if (values.every((v) => typeof v === 'number')) return 'number';
  if (values.every((v) => typeof v === 'boolean')) return 'boolean';
  return undefined;
}

function isUri(node: Node): boolean {
  return node['type'] === 'string' && node['format'] === 'uri';
}

function isSecret(node: Node): boolean {
  return node['x-cog-secret'] === true || node['format'] === 'password' || node['writeOnly'] === true;
}

/**
 * The kind of file a `format: uri` input takes: from its name first, then its description. In descriptions a
 * frame or image word wins over "clip"/"video" ("the final frame of the clip" is an image).
 */
export function inferMediaKind(name: string, description = ''): MediaKind {
  const audio = /audio|voice|speech|sound|music|\bwav\b|mp3/i;
  const video = /video|clip|footage/i;
  const image = /image|img|frame|photo|picture|mask|face|portrait/i;
  if (audio.test(name)) return 'audio';
  if (video.test(name)) return 'video';
  if (image.test(name)) return 'image';
  if (audio.test(description)) return 'audio';
  if (image.test(description)) return 'image';
  if (video.test(description)) return 'video';
  return 'image';
}

/** Field names that play a role regardless of the task. */
const COMMON_ROLES: Record<string, Role> = {
  prompt: 'prompt',
  negative_prompt: 'negative_prompt',
  duration: 'duration',
  aspect_ratio: 'aspect_ratio',
  seed: 'seed',
};

const START_NAMES = new Set(['image', 'first_frame_image', 'start_image', 'input_image', 'first_frame', 'start_frame', 'init_image']);
const END_NAMES = new Set(['last_frame', 'last_frame_image', 'end_image', 'tail_image', 'last_image', 'end_frame', 'end_frame_image']);
const REF_NAMES = new Set(['reference_images', 'image_input', 'subject_reference', 'reference_image', 'ref_images', 'input_images', 'reference_image_urls']);

/** Roles by name for one task; media roles only for uri fields of the right kind. */
function roleByName(task: Task, name: string, kind: MediaKind | undefined): Role | undefined {
  const common = COMMON_ROLES[name];
  if (common) return common;
  if (kind === undefined) return task === 'voice_tts' && name === 'text' ? 'text' : undefined;
  if (kind === 'audio') return name === 'audio' || name === 'audio_file' || name === 'input_audio' ? 'audio' : undefined;
  if (kind === 'video') return name === 'video' || name === 'input_video' || name === 'video_file' ? 'video' : undefined;
  if (REF_NAMES.has(name)) return 'reference_images';
  if (task === 'video_generate') {
    if (START_NAMES.has(name)) return 'start_frame';
    if (END_NAMES.has(name)) return 'end_frame';
  }
  if (task === 'lipsync_image' && (name === 'image' || name === 'input_image' || name === 'face')) return 'image';
  // Image models: the input image is what the character's identity reference goes into.
  if (task === 'image_generate' && (name === 'image' || name === 'input_image')) return 'reference_images';
  return undefined;
}

/** A fallback for names we do not know, from what the description says the input is. */
function roleByDescription(task: Task, description: string, kind: MediaKind | undefined): Role | undefined {
  if (kind !== 'image' || task !== 'video_generate') return undefined;
  if (/\b(first|start|starting|initial) (frame|image)\b/i.test(description)) return 'start_frame';
  if (/\b(last|end|ending|final|tail) (frame|image)\b/i.test(description)) return 'end_frame';
  if (/\breference/i.test(description)) return 'reference_images';
  return undefined;
}

const VIDEO_HINT_FIELDS: ReadonlySet<string> = new Set([
  'duration',
  'fps',
  'frames_per_second',
  'num_frames',
  'frames',
  'video_length',
  'last_frame',
  'last_frame_image',
  'end_image',
  'first_frame_image',
  'start_image',
  'camera_fixed',
  'motion_bucket_id',
]);

/** The task of a model the studio has no file for, from its inputs and its description. */
export function inferTask(props: Record<string, Node>, description: string): Task {
  const names = Object.keys(props);
  const uriKinds = names.filter((n) => props[n] && isUri(props[n])).map((n) => inferMediaKind(n, String(props[n]?.['description'] ?? '')));
  const lip = /lip[- ]?sync|talking|lipsync/i.test(description) || names.some((n) => /lip/i.test(n));
  if (lip && uriKinds.includes('audio')) return uriKinds.includes('video') ? 'lipsync_video' : 'lipsync_image';
  if (names.some((n) => VIDEO_HINT_FIELDS.has(n)) || /\bvideo\b/i.test(description)) return 'video_generate';
  return 'image_generate';
}

const TASK_MEDIA: Record<Task, Capability['media_type']> = {
  video_generate: 'video',
  image_generate: 'image',
  voice_tts: 'voice',
  voice_v2v: 'voice',
  lipsync_image: 'video',
  lipsync_video: 'video',
  music_generate: 'voice',
  sfx_generate: 'voice',
};

/** One Input property → a capability field (without role), or undefined for shapes we cannot offer. */
function toField(name: string, node: Node, required: boolean): { field: CapabilityField; kind?: MediaKind } | undefined {
  const description = typeof node['description'] === 'string' ? node['description'] : undefined;
  const items = isNode(node['items']) ? node['items'] : undefined;
  const uriArray = node['type'] === 'array' && items !== undefined && isUri(items);
  const kind = isUri(node) || uriArray ? inferMediaKind(name, description) : undefined;

  const schema: JsonSchemaFragment = {};
  for (const key of SCHEMA_KEYS) if (node[key] !== undefined && node[key] !== null) schema[key] = node[key];
  if (schema['type'] === undefined && Array.isArray(schema['enum'])) {
    const t = enumType(schema['enum']);
    if (t) schema['type'] = t;
  }
  // Free-form objects and untyped unions cannot be described to an agent; the provider default applies.
  if (!['string', 'integer', 'number', 'boolean', 'array'].includes(String(schema['type']))) return undefined;
  if (uriArray) schema['items'] = { type: 'string' };
  else if (items) {
    const inner: JsonSchemaFragment = {};
    for (const key of SCHEMA_KEYS) if (items[key] !== undefined && items[key] !== null) inner[key] = items[key];
    schema['items'] = inner;
  }
  // A file default is a provider-side URL, not a library media id.
  if (kind) delete schema['default'];

  const field: CapabilityField = { schema };
  if (kind) field.media = kind;
  if (description) field.description = description;
  if (required) field.required = true;
  if (isSecret(node)) field.hidden = true;
  return kind ? { field, kind } : { field };
}

/**
 * Build a capability from a Replicate model object.
 * @param modelJson the body of `GET /v1/models/{owner}/{name}` (validated here).
 * @param shipped the shipped capability file for this model, if any: it supplies task, roles it names, rules
 *   (dropped when they mention fields that no longer exist), pricing, limits and concurrency; the live schema wins
 *   for the fields themselves.
 * @throws StudioError provider_error when the object has no usable input schema.
 */
export function capabilityFromReplicateModel(modelJson: unknown, shipped?: Capability): Capability {
  const parsed = ReplicateModel.safeParse(modelJson);
  if (!parsed.success) {
    throw new StudioError('provider_error', `Replicate model description is not in the expected shape (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  }
  const model = parsed.data;
  const ownerName = `${model.owner}/${model.name}`;
  const schemas = model.latest_version?.openapi_schema.components.schemas ?? {};
  const input = InputSchema.safeParse(isNode(schemas['Input']) ? resolveNode(schemas['Input'], schemas) : undefined);
  if (!model.latest_version || !input.success) {
    throw new StudioError('provider_error', `Replicate model ${ownerName} has no input schema (no latest version)`);
  }
  const requiredSet = new Set(input.data.required ?? []);
  const props: Record<string, Node> = {};
  for (const [name, raw] of Object.entries(input.data.properties)) props[name] = resolveNode(raw, schemas);

  const description = model.description ?? shipped?.description ?? '';
  const task = shipped?.task ?? inferTask(props, description);

  const order = (n: string): number => {
    const o = props[n]?.['x-order'];
    return typeof o === 'number' ? o : Number.MAX_SAFE_INTEGER;
  };
  const names = Object.keys(props).sort((a, b) => order(a) - order(b));

  const fields: Record<string, CapabilityField> = {};
  const taken = new Set<Role>();
  for (const name of names) {
    const node = props[name];
    if (!node) continue;
    const built = toField(name, node, requiredSet.has(name));
    if (!built) continue;
    const { field, kind } = built;
    const shippedRole = shipped?.fields[name]?.role;
    const shippedField = shipped?.fields[name];
    const role =
      shippedRole && (shippedField?.media ?? undefined) === kind
        ? shippedRole
        : (roleByName(task, name, kind) ?? roleByDescription(task, field.description ?? '', kind));
    // A role whose name is another field's provider name would expose two fields under one name.
    if (role && !taken.has(role) && !(role !== name && role in props) && !field.hidden) {
      field.role = role;
      taken.add(role);
    }
    if (field.role === 'reference_images' && field.schema['type'] !== 'array' && field.schema['type'] !== 'string') delete field.role;
    if (!field.description && shippedField?.description) field.description = shippedField.description;
    // Accepted formats come from the docs, not the live schema: keep the shipped ones.
    if (shippedField?.accept && shippedField.media === field.media) field.accept = shippedField.accept;
    fields[name] = field;
  }

  const isOfficial = model.is_official === true;
  const live: Capability = Capability.parse({
    id: `replicate/${ownerName}`,
    provider: 'replicate',
    provider_model: ownerName,
    adapter: 'replicate',
    ...(isOfficial ? {} : { version: model.latest_version.id }),
    title: ownerName,
    description: model.description ?? shipped?.description ?? `${ownerName} on Replicate`,
    media_type: TASK_MEDIA[task],
    task,
    status: 'live',
    docs: [model.url ?? `https://replicate.com/${ownerName}`],
    fields,
    rules: [],
    limits: {},
    output: { mime: TASK_MEDIA[task] === 'video' ? 'video/mp4' : TASK_MEDIA[task] === 'image' ? 'image/png' : 'audio/mpeg' },
    concurrency: 4,
  });
  const cap = shipped ? mergeShipped(live, shipped) : live;
  const problems = capabilityProblems(cap);
  if (problems.length) {
    throw new StudioError('provider_error', `Replicate model ${ownerName} could not be described: ${problems.join('; ')}`);
  }
  return cap;
}

/**
 * A live capability with what the shipped file for the same model owns: task and media type, title, docs, rules
 * (those whose fields the live schema still has), limits, output, pricing and concurrency. The live schema only
 * knows the fields; without this a live lookup would drop the price (and a budget would then refuse every call as
 * unpriced). The converter uses it, and so does loading a live capability cached by a version that did not.
 * Idempotent: merging twice gives the same capability.
 */
export function mergeShipped(live: Capability, shipped: Capability): Capability {
  const args = new Set(Object.entries(live.fields).map(([n, f]) => argName(n, f)));
  const { pricing: _livePricing, ...rest } = live;
  return Capability.parse({
    ...rest,
    title: shipped.title,
    media_type: shipped.media_type,
    task: shipped.task,
    docs: [...new Set([...shipped.docs, ...live.docs])],
    rules: shipped.rules.filter((r) => ruleFields(r).every((f) => args.has(f))),
    limits: shipped.limits,
    output: shipped.output,
    ...(shipped.pricing ? { pricing: shipped.pricing } : {}),
    concurrency: shipped.concurrency,
  });
}
