import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../errors.js';
import { getBinaries } from '../media/binaries.js';
import { probe } from '../media/probe.js';
import { makeMusic, makeSfx } from '../media/placeholder/music.js';
import { lipsyncImage, lipsyncVideo, makeAnimatic, makeStill, makeVoice, retimbre, seedFromString, type VoiceFormat } from '../media/placeholders.js';
import type { AdapterContext, Availability, MediaInput, PollResult, ProviderAdapter, ProviderOutput, ProviderRequest, StartResult } from './types.js';

/**
 * The `local` provider: offline placeholder media made with ffmpeg (src/media/placeholders.ts). It is synchronous:
 * `start` writes the output into the job's workDir and returns it. Which placeholder runs is chosen by the
 * capability's `adapter` (and `task` where one adapter serves two tasks); fields arrive under the local capability
 * files' field names.
 */

type Aspect = '16:9' | '9:16' | '1:1' | '4:3' | '3:4';

/** Pixel sizes of the animatic's `resolution` × `aspect_ratio` (even numbers, as H.264 yuv420p needs). */
const VIDEO_HEIGHTS: Record<string, number> = { '360p': 360, '480p': 480, '720p': 720 };

export function videoSize(resolution: string, aspect: Aspect): { width: number; height: number } {
  const short = VIDEO_HEIGHTS[resolution] ?? 480;
  const long = 2 * Math.round((short * 16) / 9 / 2);
  switch (aspect) {
    case '9:16':
      return { width: short, height: long };
    case '1:1':
      return { width: short, height: short };
    case '4:3':
      return { width: 2 * Math.round((short * 4) / 3 / 2), height: short };
    case '3:4':
      return { width: short, height: 2 * Math.round((short * 4) / 3 / 2) };
    default:
      return { width: long, height: short };
  }
}

function str(fields: Record<string, unknown>, key: string): string | undefined {
  const v = fields[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function numField(fields: Record<string, unknown>, key: string): number | undefined {
  const v = fields[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function isMediaInput(v: unknown): v is MediaInput {
  return typeof v === 'object' && v !== null && typeof (v as { path?: unknown }).path === 'string';
}

function media(fields: Record<string, unknown>, key: string): string | undefined {
  const v = fields[key];
  if (isMediaInput(v)) return v.path;
  if (Array.isArray(v) && isMediaInput(v[0])) return v[0].path;
  return undefined;
}

function requireMedia(fields: Record<string, unknown>, key: string, model: string): string {
  const p = media(fields, key);
  if (!p) throw new StudioError('invalid_input', `${model} needs '${key}'`, { field: key, model });
  return p;
}

function aspect(fields: Record<string, unknown>): Aspect {
  const a = str(fields, 'aspect_ratio');
  return a === '9:16' || a === '1:1' || a === '4:3' || a === '3:4' ? a : '16:9';
}

/** File names in workDir derive from the job id, which is ours but need not be filename-safe. */
function outPath(req: ProviderRequest, ctx: AdapterContext, suffix: string): string {
  const safe = req.jobId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80) || 'job';
  return path.join(ctx.workDir, `${safe}-${suffix}`);
}

async function runAnimatic(req: ProviderRequest, ctx: AdapterContext): Promise<ProviderOutput> {
  const f = req.fields;
  const { width, height } = videoSize(str(f, 'resolution') ?? '480p', aspect(f));
  const out = outPath(req, ctx, 'animatic.mp4');
  await makeAnimatic(
    {
      prompt: str(f, 'prompt') ?? '',
      characterName: str(f, 'character_name'),
      referenceImage: media(f, 'reference_images'),
      startFrame: media(f, 'start_frame'),
      endFrame: media(f, 'end_frame'),
      durationSeconds: numField(f, 'duration') ?? req.capability.output.default_duration_seconds ?? 4,
      width,
      height,
      fps: numField(f, 'fps') ?? 24,
      // The capability file says whether this model's output carries sound; default to sound.
      withAudio: req.capability.output.has_audio ?? true,
    },
    out,
    { signal: ctx.signal, onProgress: (p) => ctx.onProgress?.(p, 'rendering animatic') },
  );
  return { kind: 'file', path: out, mime: 'video/mp4' };
}

async function runStill(req: ProviderRequest, ctx: AdapterContext): Promise<ProviderOutput> {
  const f = req.fields;
  const a = aspect(f);
  const size = a === '1:1' ? { width: 1024, height: 1024 } : videoSize('720p', a);
  const out = outPath(req, ctx, 'still.png');
  await makeStill({ prompt: str(f, 'prompt') ?? '', referenceImage: media(f, 'reference_images'), characterName: str(f, 'character_name'), ...size }, out, {
    signal: ctx.signal,
  });
  return { kind: 'file', path: out, mime: 'image/png' };
}

async function runVoice(req: ProviderRequest, ctx: AdapterContext): Promise<ProviderOutput> {
  const f = req.fields;
  const format: VoiceFormat = str(f, 'output_format') === 'wav' ? 'wav' : 'mp3';
  const mime = format === 'wav' ? 'audio/wav' : 'audio/mpeg';
  const voiceId = str(f, 'voice_id') ?? 'default';
  // The voice id picks the timbre so a character always sounds the same; an explicit seed varies it.
  const seed = seedFromString(voiceId) + (numField(f, 'seed') ?? 0);
  const out = outPath(req, ctx, `voice.${format}`);
  const progress = { signal: ctx.signal, onProgress: (p: number) => ctx.onProgress?.(p, 'making voice') };
  if (req.capability.task === 'voice_v2v') {
    await retimbre(requireMedia(f, 'audio', req.capability.id), out, { seed }, progress);
  } else {
    const text = str(f, 'text');
    if (!text) throw new StudioError('invalid_input', `${req.capability.id} needs 'text'`, { field: 'text', model: req.capability.id });
    await makeVoice({ text, seed }, out, format, progress);
  }
  return { kind: 'file', path: out, mime };
}

async function runLipsync(req: ProviderRequest, ctx: AdapterContext): Promise<ProviderOutput> {
  const f = req.fields;
  const model = req.capability.id;
  const audio = requireMedia(f, 'audio', model);
  const out = outPath(req, ctx, 'lipsync.mp4');
  const progress = { signal: ctx.signal, onProgress: (p: number) => ctx.onProgress?.(p, 'lip-syncing') };
  if (req.capability.task === 'lipsync_video') {
    await lipsyncVideo(requireMedia(f, 'video', model), audio, out, progress);
  } else {
    const image = requireMedia(f, 'image', model);
    // Keep the face image's aspect at 480 lines (even sizes for yuv420p).
    const info = await probe(image, { signal: ctx.signal });
    const h = 480;
    const w = info.width && info.height ? Math.max(2, 2 * Math.round((h * info.width) / info.height / 2)) : 480;
    await lipsyncImage(image, audio, out, { width: Math.min(w, 1920), height: h, fps: 25, ...progress });
  }
  return { kind: 'file', path: out, mime: 'video/mp4' };
}

/** Music and effects: the prompt (and seed) pick the pitch, `duration` the length. */
async function runBed(req: ProviderRequest, ctx: AdapterContext): Promise<ProviderOutput> {
  const f = req.fields;
  const format = str(f, 'output_format') === 'wav' ? 'wav' : 'mp3';
  const seed = seedFromString(str(f, 'prompt') ?? '') + (numField(f, 'seed') ?? 0);
  const seconds = numField(f, 'duration') ?? req.capability.output.default_duration_seconds ?? 5;
  const music = req.capability.task === 'music_generate';
  const out = outPath(req, ctx, `${music ? 'music' : 'sfx'}.${format}`);
  const progress = { signal: ctx.signal, onProgress: (p: number) => ctx.onProgress?.(p, music ? 'making music' : 'making the effect') };
  await (music ? makeMusic : makeSfx)({ seconds, seed }, out, format, progress);
  return { kind: 'file', path: out, mime: format === 'wav' ? 'audio/wav' : 'audio/mpeg' };
}

const RUNNERS: Record<string, (req: ProviderRequest, ctx: AdapterContext) => Promise<ProviderOutput>> = {
  'local-animatic': runAnimatic,
  'local-still': runStill,
  'local-voice': runVoice,
  'local-lipsync': runLipsync,
  'local-music': runBed,
  'local-sfx': runBed,
};

/** The offline `local` provider adapter. */
export function createLocalAdapter(): ProviderAdapter {
  return {
    provider: 'local',

    availability(): Availability {
      try {
        getBinaries();
        return { available: true };
      } catch (e) {
        const reason = e instanceof StudioError ? e.message : 'ffmpeg could not be resolved';
        return { available: false, reason, env: ['FFMPEG_PATH', 'FFPROBE_PATH'] };
      }
    },

    async start(req: ProviderRequest, ctx: AdapterContext): Promise<StartResult> {
      const run = RUNNERS[req.capability.adapter];
      if (!run) {
        throw new StudioError('internal', `the local provider has no adapter '${req.capability.adapter}'`, {
          model: req.capability.id,
        });
      }
      await mkdir(ctx.workDir, { recursive: true });
      const output = await run(req, ctx);
      return { kind: 'done', outputs: [output] };
    },

    async poll(_operationId: string, req: ProviderRequest): Promise<PollResult> {
      // start() always finishes the work, so there is never an operation to poll.
      return {
        state: 'failed',
        error: new StudioError('internal', `the local provider has no pending operations`, { model: req.capability.id }),
      };
    },

    async cancel(): Promise<void> {
      // Work is canceled through ctx.signal while start() runs; afterwards there is nothing to cancel.
    },

    async download(output: ProviderOutput, destPath: string): Promise<{ mime: string }> {
      if (output.kind !== 'file') {
        throw new StudioError('internal', `the local provider cannot download a '${output.kind}' output`);
      }
      // Copy, not rename: a retried download after a crash must still find its source.
      await copyFile(output.path, destPath);
      return { mime: output.mime };
    },

    pollIntervalMs(): number {
      return 1000;
    },
  };
}
