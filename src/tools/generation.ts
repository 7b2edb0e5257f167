import { z } from 'zod';
import { STUDIO_ARGS_BY_TASK } from '../capabilities/defaults.js';
import { toolInputSchema } from '../capabilities/tool-schema.js';
import type { Capability, JsonSchemaFragment, Task } from '../capabilities/types.js';
import { unionInputSchema } from '../capabilities/union-schema.js';
import { StudioError, type ErrorCode } from '../errors.js';
import { CONFIRM_TOKEN_DESCRIPTION } from '../studio/confirmations.js';
import type { Studio } from '../studio/studio.js';
import { resolveTurnVoices } from '../studio/dialogue-voices.js';
import { jobLinks } from './jobs.js';
import { withoutNulls } from './page.js';
import type { JsonObjectSchema, ToolContext, ToolDef, ToolOutput } from './types.js';
import { result } from './output-shapes.js';
import { outputJsonSchema } from './zod-tool.js';

const STUDIO_ARG_SCHEMAS: Record<string, JsonSchemaFragment> = {
  character_id: { type: 'string', minLength: 1, description: 'Character to inject (references or face, voice, style).' },
  shot_id: { type: 'string', minLength: 1, description: 'The take (voice: line) is for this shot, which supplies defaults.' },
  use_last_frame: { type: 'boolean', description: "Start on the previous shot's last frame (needs shot_id)." },
  // The same limits as shot_add_dialogue, which records the line.
  offset_seconds: { type: 'number', minimum: 0, maximum: 600, description: 'Line start in the shot (s).' },
  gain_db: { type: 'number', minimum: -60, maximum: 20, description: 'Line level in the mix (dB).' },
  fit: { type: 'string', enum: ['none', 'extend'], default: 'none', description: "'extend' lengthens the shot to hold its lines." },
  wait: { type: 'boolean', default: true, description: 'false: answer the job id at once (else waits ~45 s).' },
  confirm_token: { type: 'string', minLength: 1, description: CONFIRM_TOKEN_DESCRIPTION },
};

function studioArgs(task: Task): Record<string, JsonSchemaFragment> {
  return Object.fromEntries(STUDIO_ARGS_BY_TASK[task].map((a) => [a, STUDIO_ARG_SCHEMAS[a] as JsonSchemaFragment]));
}

/** The schema of a generation tool: `model` is an enum of the offered models and the fields are the union of theirs. */
export function generationSchema(studio: Studio, task: Task): JsonObjectSchema {
  return unionInputSchema(task, studio.offered.forTask(task), studioArgs(task), studio.offered.defaultModel(task)) as unknown as JsonObjectSchema;
}

/** One model's own tool schema: what the tool would be if that model were the only one offered (the lookups show it). */
export function modelSchema(cap: Capability): JsonObjectSchema {
  return toolInputSchema(cap.task, cap, studioArgs(cap.task), [cap.id]) as unknown as JsonObjectSchema;
}

/**
 * What the server checks of a generation call before it runs: `model` and the studio arguments, with the limits
 * tools/list shows. `model` is any string here and the model fields are left to parseArgs, against the model the
 * call resolves to, so an unknown, wrong-task or not-offered model gets its own specific error.
 */
export function generationCallSchema(task: Task): JsonObjectSchema {
  return { type: 'object', properties: { model: { type: 'string', minLength: 1 }, ...studioArgs(task) }, required: [], additionalProperties: true };
}

/**
 * The structuredContent of a generation call, its main members: a finished job's media (`status` succeeded), or a
 * job still running after the wait (follow `job_id` with job_wait). The published schema admits error results too.
 */
export const generationOutput = result({
  status: z.string(),
  job_id: z.string(),
  model: z.string(),
  warnings: z.array(z.string()),
  media_id: z.string().optional(),
  shot_id: z.string().optional(),
});

const GENERATION_OUTPUT = outputJsonSchema(generationOutput);

/** Run a prepared generation and wait (bounded) for it; shared by every generation tool. */
export async function runGeneration(
  studio: Studio,
  tool: string,
  task: Task,
  args: Record<string, unknown>,
  ctx: Pick<ToolContext, 'signal' | 'progress' | 'waitMs' | 'onJob'>,
): Promise<ToolOutput> {
  // Without `model` (and, for video, without a shot that names one) the studio's default offered model is used.
  const fallback = studio.offered.defaultModel(task);
  // Lip-sync on a shot gets its line placed on the shot's timeline, so the synced take keeps the cut.
  const line = await studio.lipsyncLines.prepare(task, args, ctx.signal, fallback);
  // Turns of a multi-speaker line may name characters: each is spoken in its character's voice.
  const model = typeof args.model === 'string' ? args.model : fallback;
  const voiced = await resolveTurnVoices(studio.store, studio.registry.get(model), line.args);
  const prepared = await studio.planner.prepare({ tool, task, args: voiced, defaultModel: fallback });
  prepared.warnings.push(...line.warnings);
  // Checked after validation, like availability below: a call to a model not offered here still learns whether it was valid.
  studio.offered.require(prepared.cap);
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
    await studio.project.setContinues(args.shot_id, args.use_last_frame);
  }
  const submitted = await studio.queue.submit(tool, prepared.cap, prepared.request, prepared.budgetUsd !== undefined ? { budgetUsd: prepared.budgetUsd } : {});
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
      links: await jobLinks(studio, job),
    };
  }
  const mediaIds = job.result?.media_ids ?? [];
  const media = mediaIds[0] ? await studio.store.media.get(mediaIds[0]) : undefined;
  const file = media ? await studio.library.fileRef(media) : undefined;
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
        file_path: file?.path ?? null,
        url: file?.url,
      }),
    },
    links: await jobLinks(studio, job),
  };
}

function generationTool(name: string, task: Task, title: string, description: string): ToolDef {
  return {
    name,
    title,
    description,
    annotations: { title, readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    longRunning: true,
    inputSchema: (studio) => generationSchema(studio, task),
    callSchema: () => generationCallSchema(task),
    outputSchema: GENERATION_OUTPUT,
    outputShape: generationOutput,
    run: (args, ctx) => runGeneration(ctx.studio, name, task, args, ctx),
  };
}

const MODEL_NOTE = " model: one of the enum; *_get_capabilities gives a model's exact fields.";

export const generationTools: ToolDef[] = [
  generationTool(
    'video_generate',
    'video_generate',
    'Generate a video clip',
    'A video clip from a prompt, with start/end frame or reference images as the model allows; with shot_id, a new take of the shot.' + MODEL_NOTE,
  ),
  generationTool(
    'image_generate',
    'image_generate',
    'Generate an image',
    "Generate an image (a character sheet, a start frame, a location). character_id adds the character's reference images where the model takes them." +
      MODEL_NOTE,
  ),
  generationTool(
    'voice_tts',
    'voice_tts',
    'Speak a line (text to speech)',
    "Text to speech in the character's voice (character_id) or a voice_id. With shot_id the line is attached to the shot at offset_seconds and mixed by " +
      'render_scene.' +
      MODEL_NOTE,
  ),
  generationTool(
    'voice_v2v',
    'voice_v2v',
    'Change the voice of a recording',
    "Re-voice a recording with the character's voice or a voice_id. With shot_id the result is attached to the shot as dialogue." + MODEL_NOTE,
  ),
  generationTool(
    'lipsync_image',
    'lipsync_image',
    'Animate a face to speech (image + audio)',
    "A talking video from a face image and audio (character_id: its reference image). With shot_id: a new take, and the shot's latest line when no " +
      'audio is given.' +
      MODEL_NOTE,
  ),
  generationTool(
    'lipsync_video',
    'lipsync_video',
    'Lip-sync a video to speech',
    "Re-sync a video's lips to audio. With shot_id and no video, the shot's current take is used (and its latest line when no audio is given); the result " +
      "becomes the shot's current take." +
      MODEL_NOTE,
  ),
  generationTool(
    'music_generate',
    'music_generate',
    'Generate music',
    "Generate a music track (local/music: an offline chord bed). The result is library audio (extra.audio_role 'music'); lay it under a scene or film " +
      'with scene_add_audio / film_add_audio.' +
      MODEL_NOTE,
  ),
  generationTool(
    'sfx_generate',
    'sfx_generate',
    'Generate a sound effect',
    "Generate a sound effect (local/sfx: an offline synthetic one). The result is library audio (extra.audio_role 'sfx'); place it with scene_add_audio " +
      '(role sfx).' +
      MODEL_NOTE,
  ),
];
