import { z } from 'zod';

/**
 * The capability format: one JSON file per model in `capability-schemas/<provider>/<model>.json`.
 * It is data, never code: the rule engine, the tool schemas and the adapters are generic over it, so adding a
 * model is adding a file. This zod schema *is* the meta-schema (it is also exported as JSON Schema to
 * `capability-schemas/meta-schema.json`).
 */

/** Canonical roles. A field with a role is exposed to the agent under the role's studio-level name. */
export const ROLES = [
  'prompt',
  'negative_prompt',
  'text',
  'start_frame',
  'end_frame',
  'reference_images',
  'image',
  'video',
  'audio',
  'voice_id',
  'duration',
  'aspect_ratio',
  'seed',
] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Roles whose values are media ids from the library (resolved to files before the adapter sees them). */
export const MEDIA_ROLES: ReadonlySet<Role> = new Set(['start_frame', 'end_frame', 'reference_images', 'image', 'video', 'audio']);

export const MediaKind = z.enum(['image', 'video', 'audio']);
export type MediaKind = z.infer<typeof MediaKind>;

/** A JSON Schema fragment for one field (type, enum, minimum, maximum, default, items, maxItems, ...). */
export const JsonSchemaFragment = z.record(z.string(), z.unknown());
export type JsonSchemaFragment = z.infer<typeof JsonSchemaFragment>;

/**
 * What a provider accepts for one media field, from its docs. The studio converts a library image of another
 * format before upload (e.g. WebP → PNG for Veo) and refuses, naming the field, what cannot be converted
 * (images too small or too narrow, media of a kind it does not convert).
 */
export const MediaAccept = z.object({
  /** Accepted MIME types, e.g. ["image/jpeg", "image/png"]. */
  mime: z.array(z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/)).min(1),
  /** Images: the shorter side must be at least this many pixels. */
  min_side_px: z.number().int().min(1).optional(),
  /** Images: width / height must lie in [min, max] (e.g. 1:2.5 → 0.4 and 2.5:1 → 2.5). */
  aspect_ratio: z.object({ min: z.number().positive(), max: z.number().positive() }).optional(),
});
export type MediaAccept = z.infer<typeof MediaAccept>;

export const CapabilityField = z.object({
  /** The canonical role this field plays, if any. */
  role: Role.optional(),
  /** For media fields: which kind of media the library item must be. */
  media: MediaKind.optional(),
  /** JSON Schema of the value as the agent passes it (media fields: a media id string or an array of them). */
  schema: JsonSchemaFragment,
  /**
   * Where the adapter puts the value in the provider request, as a dot path; default: the field name.
   * Conventions: `instances.0.image` / `parameters.seed` (JSON body paths), `query.<name>` (URL query parameter),
   * `url.<name>` (a segment of the URL path, e.g. ElevenLabs `voice_id`), `form.<name>` (a multipart part).
   */
  path: z.string().optional(),
  description: z.string().optional(),
  /** Required by the provider. */
  required: z.boolean().optional(),
  /** Not shown to agents (e.g. secrets, webhooks, or fields the studio sets itself). */
  hidden: z.boolean().optional(),
  /** Media fields: the formats (and image sizes) the provider accepts. Without it any file of the kind is sent. */
  accept: MediaAccept.optional(),
  /**
   * Send the schema default when the call omits the field. For fields whose provider default differs from what
   * the studio's rules and estimates assume (or is not documented), so what is rendered is what was checked.
   */
  send_default: z.boolean().optional(),
});
export type CapabilityField = z.infer<typeof CapabilityField>;

/**
 * Rules across fields. Field names here are the names the agent uses: a role name for fields with a role,
 * otherwise the provider's field name.
 */
export const Rule = z.discriminatedUnion('kind', [
  /** If `if` is given, each of `then` must be given too. */
  z.object({ kind: z.literal('requires'), if: z.string(), then: z.array(z.string()).min(1), message: z.string().optional() }),
  /** If `if` is given, none of `then` may be given. */
  z.object({ kind: z.literal('excludes'), if: z.string(), then: z.array(z.string()).min(1), message: z.string().optional() }),
  /** At least one of `fields` must be given. */
  z.object({ kind: z.literal('one_of'), fields: z.array(z.string()).min(2), message: z.string().optional() }),
  /** An array field holds at most `max` items (after character injection). */
  z.object({ kind: z.literal('max_items'), field: z.string(), max: z.number().int().min(0), message: z.string().optional() }),
  /**
   * The counts of `fields` add up to at most `max`: an array counts its items, a number its value, a field not
   * given its schema default (Seedream 4: input images + max_images ≤ 15).
   */
  z.object({ kind: z.literal('max_total'), fields: z.array(z.string()).min(2), max: z.number().int().min(0), message: z.string().optional() }),
  /** If `if` is given, `set` forces these values: a conflicting explicit value is an error, a missing one is filled in. */
  z.object({
    kind: z.literal('forces'),
    if: z.string(),
    set: z.record(z.string(), z.unknown()),
    message: z.string().optional(),
  }),
  /**
   * If `if` equals `equals` (or is one of `in`; or, without either, whenever `if` is given), the field `field` must
   * be one of `allowed`; when `field` is not given, its schema default is what gets checked (that is what the
   * provider uses). `in` says "if resolution is 1080p or 4k then …" in one rule.
   */
  z.object({
    kind: z.literal('restricts'),
    if: z.string(),
    equals: z.unknown().optional(),
    in: z.array(z.unknown()).min(1).optional(),
    field: z.string(),
    allowed: z.array(z.unknown()).min(1),
    message: z.string().optional(),
  }),
]);
export type Rule = z.infer<typeof Rule>;

export const Pricing = z.object({
  usd: z.number().min(0),
  per: z.enum(['second', 'image', 'request', 'character', '1k_characters', 'minute']),
  /** Variants, e.g. higher price with audio or at a higher resolution: field=value → usd. */
  variants: z.array(z.object({ when: z.record(z.string(), z.unknown()), usd: z.number().min(0) })).optional(),
  minimum_units: z.number().min(0).optional(),
  /** Bill whole units only (WaveSpeed rounds output seconds up). */
  round_units_up: z.boolean().optional(),
  note: z.string().optional(),
  source: z.string().optional(),
});
export type Pricing = z.infer<typeof Pricing>;

export const Task = z.enum(['video_generate', 'image_generate', 'voice_tts', 'voice_v2v', 'lipsync_image', 'lipsync_video', 'music_generate', 'sfx_generate']);
export type Task = z.infer<typeof Task>;

export const Capability = z.object({
  /** `<provider>/<the provider's own model id>` */
  id: z.string().regex(/^[a-z0-9-]+\/.+$/),
  provider: z.enum(['local', 'vertex', 'replicate', 'elevenlabs', 'wavespeed']),
  /** The provider's own model id (for Replicate: `owner/name`). */
  provider_model: z.string().min(1),
  /** Which adapter protocol runs it (one adapter may serve several protocols of a provider). */
  adapter: z.string().min(1),
  /** Replicate community models run by version. */
  version: z.string().optional(),
  /** Provider region the model must be called in when it differs from the configured one (Vertex: `global`). */
  location: z.string().optional(),
  title: z.string(),
  description: z.string(),
  media_type: z.enum(['video', 'image', 'voice']),
  task: Task,
  status: z.enum(['ga', 'preview', 'community', 'local', 'live']).default('ga'),
  docs: z.array(z.string()).default([]),
  fields: z.record(z.string(), CapabilityField),
  rules: z.array(Rule).default([]),
  limits: z
    .object({
      max_prompt_chars: z.number().int().optional(),
      max_text_chars: z.number().int().optional(),
      max_input_bytes: z.number().int().optional(),
      max_duration_seconds: z.number().optional(),
      note: z.string().optional(),
    })
    .default({}),
  output: z.object({
    mime: z.string(),
    /** Videos: whether the output carries an audio track. */
    has_audio: z.boolean().optional(),
    /** Default seconds of output when no duration field is given (for pricing and placeholders). */
    default_duration_seconds: z.number().optional(),
  }),
  pricing: Pricing.optional(),
  /** Default number of jobs in flight at the provider for this model. */
  concurrency: z.number().int().min(1).default(1),
});
export type Capability = z.infer<typeof Capability>;
