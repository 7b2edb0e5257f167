import { z } from 'zod';

/**
 * The film plan format (JSON or YAML): a declarative description of a film that `studio-mcp run` makes through
 * the studio's tools. Every entity carries a plan id (`id`) so a re-run can find what it made before; limits
 * mirror the tools' own so a plan the schema accepts is not refused halfway through by a tool.
 */

export const PlanId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'ids are 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** An image the plan needs: a file to import, or a prompt to generate one from. A bare string is a file path. */
export const ImageSource = z.union([
  z.string().min(1),
  z.object({ file: z.string().min(1) }).strict(),
  z
    .object({
      prompt: z.string().min(1).max(4000),
      model: z.string().min(1).optional().describe('Image model (default: defaults.image_model, else local/still).'),
      aspect_ratio: z.string().min(1).optional(),
      params: z.record(z.string(), z.unknown()).optional().describe('Other fields of the image model.'),
    })
    .strict(),
]);
export type ImageSource = z.infer<typeof ImageSource>;

const Settings = z
  .object({
    width: z.number().int().min(16).max(7680).optional(),
    height: z.number().int().min(16).max(4320).optional(),
    fps: z.number().min(1).max(120).optional(),
    sample_rate: z.number().int().min(8000).max(192000).optional(),
    loudnorm: z.boolean().optional(),
  })
  .strict();

const TransitionType = z.enum(['cut', 'crossfade', 'fade_black']);
/** `crossfade` alone, or `{ type: crossfade, duration: 0.5 }`. */
export const Transition = z.union([TransitionType, z.object({ type: TransitionType, duration: z.number().min(0).max(5).optional() }).strict()]);

export const DialogueLine = z
  .object({
    text: z.string().min(1).max(5000),
    character: PlanId.optional().describe("Who speaks (default: the shot's character)."),
    offset: z.number().min(0).max(600).default(0).describe('Seconds from the start of the shot.'),
    gain_db: z.number().min(-60).max(20).optional(),
  })
  .strict();

export const Shot = z
  .object({
    id: PlanId,
    title: z.string().max(200).optional(),
    prompt: z.string().min(1).max(4000).optional(),
    model: z.string().min(1).optional().describe('Video model (default: defaults.video_model, else local/animatic).'),
    duration: z.number().positive().max(600).optional(),
    character: PlanId.optional(),
    params: z.record(z.string(), z.unknown()).optional().describe("Other fields of the video model, by the model's argument names."),
    reference_images: z.array(ImageSource).max(14).optional().describe("Reference images for this shot, added to the character's."),
    start_frame: ImageSource.optional(),
    end_frame: ImageSource.optional(),
    use_last_frame: z.boolean().default(false).describe("Start on the previous shot's exact last frame."),
    transition: Transition.optional().describe('Transition from the previous shot into this one.'),
    dialogue: z.array(DialogueLine).max(20).default([]),
    fit_to_dialogue: z.boolean().default(false).describe('The duration follows the lines: the lines are voiced first, then the video made that long.'),
    dialogue_padding_seconds: z.number().min(0).max(5).optional().describe('With fit_to_dialogue: seconds after the last line (default 0.5).'),
    lipsync: z
      .union([z.boolean(), z.object({ model: z.string().min(1).optional() }).strict()])
      .default(false)
      .describe(
        'Lip-sync the shot to its (last) line; a two-speaker model (InfiniteTalk multi) syncs two lines in one take. A model or defaults.lipsync_model.',
      ),
  })
  .strict();
export type Shot = z.infer<typeof Shot>;

export const Scene = z
  .object({
    id: PlanId,
    title: z.string().min(1).max(200),
    description: z.string().max(4000).optional(),
    settings: Settings.optional(),
    shots: z.array(Shot).min(1),
  })
  .strict();
export type Scene = z.infer<typeof Scene>;

export const Character = z
  .object({
    id: PlanId,
    name: z.string().min(1).max(200),
    reference_images: z.array(ImageSource).max(14).default([]),
    voice_id: z.string().min(1).optional(),
    style_tokens: z.string().max(1000).optional(),
  })
  .strict();
export type Character = z.infer<typeof Character>;

export const Plan = z
  .object({
    version: z.literal(1).default(1),
    id: PlanId.optional().describe("Names this plan's state in the studio folder (default: the plan file's name)."),
    film: z.object({ title: z.string().min(1).max(200), description: z.string().max(4000).optional(), settings: Settings.optional() }).strict(),
    defaults: z
      .object({
        video_model: z.string().min(1).optional(),
        image_model: z.string().min(1).optional(),
        voice_model: z.string().min(1).optional(),
        lipsync_model: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    characters: z.array(Character).default([]),
    scenes: z.array(Scene).min(1),
  })
  .strict();
export type Plan = z.infer<typeof Plan>;
export type PlanSettings = z.infer<typeof Settings>;
