import { DEFAULT_MODELS, STUDIO_ARGS_BY_TASK } from '../capabilities/defaults.js';
import { toolInputSchema } from '../capabilities/tool-schema.js';
import type { JsonSchemaFragment, Task } from '../capabilities/types.js';
import { StudioError, type ErrorCode } from '../errors.js';
import { CONFIRM_TOKEN_DESCRIPTION } from '../studio/confirmations.js';
import type { Studio } from '../studio/studio.js';
import { resolveTurnVoices } from '../studio/dialogue-voices.js';
import { jobLinks } from './jobs.js';
import { withoutNulls } from './page.js';
import type { JsonObjectSchema, Session, ToolContext, ToolDef, ToolOutput } from './types.js';

const STUDIO_ARG_SCHEMAS: Record<string, JsonSchemaFragment> = {
  character_id: {
    type: 'string',
    minLength: 1,
    description:
      'Character to inject: its reference images (where the model takes reference images, or as the face for lip-sync), its voice and its style tokens.',
  },
  shot_id: {
    type: 'string',
    minLength: 1,
    description:
      'Shot this is for: the result becomes a new take of the shot (voice: a dialogue line of the shot). The shot supplies defaults (prompt, model, duration).',
  },
  use_last_frame: { type: 'boolean', description: "Start from the previous shot's last frame (needs shot_id; only on models with a start frame)." },
  // The same limits as shot_add_dialogue, which records the line.
  offset_seconds: { type: 'number', minimum: 0, maximum: 600, description: 'With shot_id: where the line starts within the shot, in seconds (default 0).' },
  gain_db: { type: 'number', minimum: -60, maximum: 20, description: 'With shot_id: loudness of the line in the scene mix, in dB (default 0).' },
  fit: {
    type: 'string',
    enum: ['none', 'extend'],
    default: 'none',
    description:
      "With shot_id: 'extend' lengthens the shot's planned duration to hold all its lines (regenerate the video after); 'none' keeps it and warns when a " +
      'line runs past the shot.',
  },
  wait: {
    type: 'boolean',
    default: true,
    description: 'Wait for the result (up to about 45 s, then the job id is returned; follow it with job_wait). false returns the job id at once.',
  },
  confirm_token: { type: 'string', minLength: 1, description: CONFIRM_TOKEN_DESCRIPTION },
};

function studioArgs(task: Task): Record<string, JsonSchemaFragment> {
  return Object.fromEntries(STUDIO_ARGS_BY_TASK[task].map((a) => [a, STUDIO_ARG_SCHEMAS[a] as JsonSchemaFragment]));
}

/** The schema of a generation tool for the model this session has selected for its task. */
export function generationSchema(studio: Studio, session: Session, task: Task): JsonObjectSchema {
  const selected = session.selected.get(task) ?? DEFAULT_MODELS[task];
  const cap = studio.registry.get(selected);
  const ids = studio.registry.list({ task }).map((c) => c.id);
  const schema = toolInputSchema(task, cap, studioArgs(task), ids);
  // `model` may be omitted (the selected model is used), so nothing about it is required.
  return schema as unknown as JsonObjectSchema;
}

/**
 * What the server checks of a generation call before it runs: `model` and the studio arguments, with the limits
 * tools/list shows. The model fields are left to parseArgs, against the model the call resolves to (which may be
 * the shot's or the call's, not the selected one).
 */
export function generationCallSchema(task: Task): JsonObjectSchema {
  return { type: 'object', properties: { model: { type: 'string', minLength: 1 }, ...studioArgs(task) }, required: [], additionalProperties: true };
}

/** Run a prepared generation and wait (bounded) for it; shared by every generation tool. */
export async function runGeneration(
  studio: Studio,
  tool: string,
  task: Task,
  args: Record<string, unknown>,
  ctx: Pick<ToolContext, 'session' | 'signal' | 'progress' | 'waitMs' | 'onJob'>,
): Promise<ToolOutput> {
  // Lip-sync on a shot gets its line placed on the shot's timeline, so the synced take keeps the cut.
  const line = await studio.lipsyncLines.prepare(task, args, ctx.signal, ctx.session.selected.get(task));
  // Turns of a multi-speaker line may name characters: each is spoken in its character's voice.
  const model = typeof args.model === 'string' ? args.model : (ctx.session.selected.get(task) ?? DEFAULT_MODELS[task]);
  const voiced = resolveTurnVoices(studio.store, studio.registry.get(model), line.args);
  const prepared = studio.planner.prepare({ tool, task, args: voiced, selectedModel: ctx.session.selected.get(task) });
  prepared.warnings.push(...line.warnings);
  // Checked after validation so an agent without keys still learns whether its call would have been valid.
  const availability = studio.models.availability(prepared.cap);
  if (!availability.available) {
    const env = availability.env?.length ? ` (set ${availability.env.join(', ')})` : '';
    throw new StudioError('provider_unavailable', `${prepared.cap.id} cannot run here: ${availability.reason}${env}`, {
      model: prepared.cap.id,
      ...(availability.env ? { accepts: `set ${availability.env.join(' or ')}` } : {}),
    });
  }
  // The shot remembers whether it continues, so later takes upstream can say when this cut goes stale.
  if (task === 'video_generate' && typeof args.shot_id === 'string' && typeof args.use_last_frame === 'boolean') {
    studio.project.setContinues(args.shot_id, args.use_last_frame);
  }
  const submitted = studio.queue.submit(tool, prepared.cap, prepared.request);
  ctx.onJob?.(submitted.job_id);
  const waitMs = args.wait === false ? 0 : (ctx.waitMs ?? studio.config.waitMs);
  const onAbort = (): void => void studio.queue.cancel(submitted.job_id).catch(() => undefined);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let job;
  try {
    job = await studio.queue.wait(submitted.job_id, { timeoutMs: waitMs, signal: ctx.signal, onProgress: (p, m) => ctx.progress(p, 1, m) });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
  const common = {
    job_id: job.job_id,
    model: prepared.cap.id,
    warnings: [...prepared.warnings, ...(job.result?.warnings ?? [])],
    ...(prepared.costUsd !== undefined ? { cost_estimate_usd: prepared.costUsd } : {}),
  };
  if (job.status === 'failed' || job.status === 'canceled') {
    const e = job.error;
    throw new StudioError((e?.code as ErrorCode) ?? 'internal', `${prepared.cap.id}: ${e?.message ?? 'the job failed'} (job ${job.job_id})`, {
      model: prepared.cap.id,
      ...(e?.field ? { field: e.field } : {}),
    });
  }
  if (job.status !== 'succeeded') {
    return {
      result: {
        status: job.status,
        ...common,
        progress: job.progress,
        message: `still running; call job_wait with job_id '${job.job_id}' (or read studio://jobs/${job.job_id}) for the result`,
      },
      links: jobLinks(studio, job),
    };
  }
  const mediaIds = job.result?.media_ids ?? [];
  const media = mediaIds[0] ? studio.store.media.get(mediaIds[0]) : undefined;
  // Only what is known (no null fields) and no nested copy of the job: job_get has the job for whoever wants it.
  return {
    result: {
      status: 'succeeded',
      ...withoutNulls({
        ...common,
        media_id: mediaIds[0],
        ...(mediaIds.length > 1 ? { media_ids: mediaIds } : {}),
        type: media?.type,
        duration: media?.duration,
        width: media?.width,
        height: media?.height,
        first_frame_id: media?.first_frame_id,
        last_frame_id: media?.last_frame_id,
        shot_id: job.request.shot_id,
        take_number: job.result?.take_number,
        audio_id: job.result?.audio_id,
        ...(job.result?.stale_shots?.length ? { stale_shots: job.result.stale_shots } : {}),
        file_path: media ? studio.library.absPath(media) : null,
      }),
    },
    links: jobLinks(studio, job),
  };
}

function generationTool(name: string, task: Task, title: string, description: string): ToolDef {
  return {
    name,
    title,
    description,
    annotations: { title, readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    longRunning: true,
    inputSchema: (studio, session) => generationSchema(studio, session, task),
    callSchema: () => generationCallSchema(task),
    run: (args, ctx) => runGeneration(ctx.studio, name, task, args, ctx),
  };
}

const MODEL_NOTE =
  ' The fields shown are those of the selected model; call video_get_capabilities with another model id to switch (the call is always checked against the ' +
  'model it names).';

export const generationTools: ToolDef[] = [
  generationTool(
    'video_generate',
    'video_generate',
    'Generate a video clip',
    'Generate a video clip from a prompt, optionally with a start frame, an end frame or reference images (as the model allows). With shot_id it becomes a ' +
      'new take of the shot; use_last_frame continues from the previous shot; character_id injects the character. Stores the mp4, its first and last frames ' +
      'and full metadata.' +
      MODEL_NOTE,
  ),
  generationTool(
    'image_generate',
    'image_generate',
    'Generate an image',
    "Generate an image (e.g. a character sheet, a start frame, a location). character_id adds the character's reference images as identity references where " +
      'the model takes them.' +
      MODEL_NOTE,
  ),
  generationTool(
    'voice_tts',
    'voice_tts',
    'Speak a line (text to speech)',
    "Turn text into speech with the character's voice (character_id) or a voice_id. With shot_id the line is attached to the shot at offset_seconds and " +
      'mixed in by render_scene.' +
      MODEL_NOTE,
  ),
  generationTool(
    'voice_v2v',
    'voice_v2v',
    'Change the voice of a recording',
    "Re-voice an audio recording with another voice (voice-to-voice): the character's voice or voice_id. With shot_id the result is attached to the shot as " +
      'dialogue.' +
      MODEL_NOTE,
  ),
  generationTool(
    'lipsync_image',
    'lipsync_image',
    'Animate a face to speech (image + audio)',
    "Make a talking video from a face image and an audio clip. character_id uses the character's reference image as the face; with shot_id the result is a " +
      "new take of the shot and, without audio, the shot's latest dialogue line is used." +
      MODEL_NOTE,
  ),
  generationTool(
    'lipsync_video',
    'lipsync_video',
    'Lip-sync a video to speech',
    "Re-sync the lips of a video to an audio clip. With shot_id and no video, the shot's current take is used (and the shot's latest dialogue line when no " +
      "audio is given); the result becomes the shot's new current take (render_scene prefers it)." +
      MODEL_NOTE,
  ),
  generationTool(
    'music_generate',
    'music_generate',
    'Generate music',
    'Generate a music track from a prompt (local/music makes an offline chord bed of the length asked). The result is audio in the library (type voice, ' +
      "extra.audio_role 'music'); lay it under a scene or a whole film with scene_add_audio / film_add_audio." +
      MODEL_NOTE,
  ),
  generationTool(
    'sfx_generate',
    'sfx_generate',
    'Generate a sound effect',
    'Generate a sound effect from a description (local/sfx makes an offline synthetic effect of the length asked). The result is audio in the library ' +
      "(type voice, extra.audio_role 'sfx'); place it in a scene with scene_add_audio (role sfx, offset)." +
      MODEL_NOTE,
  ),
];
