import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { StudioError } from '../errors.js';
import { fileUrl, FORMAT_WHITELIST, PROTOCOL_WHITELIST, runFfprobe } from './ffmpeg.js';

/** What the studio needs to know about a media file, read with ffprobe. */
export interface ProbeResult {
  /** Seconds; 0 for a still image (which has no duration). */
  durationSeconds: number;
  hasVideo: boolean;
  hasAudio: boolean;
  /** Number of video / audio streams (renders must have exactly one of each). */
  videoStreams: number;
  audioStreams: number;
  /** Of the first video stream; null without video. */
  width: number | null;
  height: number | null;
  /** Average frame rate of the first video stream (falls back to the nominal rate); null without video or unknown. */
  fps: number | null;
  /** The same rate as ffprobe's rational ("30000/1001"), to compare rates exactly. */
  fpsRational: string | null;
  pixFmt: string | null;
  videoCodec: string | null;
  /** e.g. "High"; stream copy joins need the same profile. */
  videoProfile: string | null;
  audioCodec: string | null;
  sampleRate: number | null;
  channels: number | null;
  /** ffprobe's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "png_pipe", "wav". */
  formatName: string;
  /** Number of video frames when the container says so (mp4 does), else null. */
  nbFrames: number | null;
  /** Size in bytes as ffprobe saw it. */
  sizeBytes: number | null;
}

/** ffprobe prints numbers as strings; accept both and reject garbage quietly as "unknown". */
const numeric = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v) => {
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    return Number.isFinite(n) ? n : undefined;
  });

const FfprobeStream = z.object({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  profile: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  pix_fmt: z.string().optional(),
  r_frame_rate: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  sample_rate: numeric,
  channels: z.number().optional(),
  duration: numeric,
  nb_frames: numeric,
  disposition: z.object({ attached_pic: z.number().optional() }).partial().optional(),
});

const FfprobeOutput = z.object({
  streams: z.array(FfprobeStream).default([]),
  format: z
    .object({
      format_name: z.string(),
      duration: numeric,
      size: numeric,
    })
    .optional(),
});

/** Parse an ffprobe rational ("30000/1001", "25/1", "0/0") into a number; undefined when not a real rate. */
export function parseRational(r: string | undefined): number | undefined {
  if (!r) return undefined;
  const m = /^(\d+)(?:\/(\d+))?$/.exec(r.trim());
  if (!m?.[1]) return undefined;
  const num = Number(m[1]);
  const den = m[2] === undefined ? 1 : Number(m[2]);
  if (!(num > 0) || !(den > 0)) return undefined;
  return num / den;
}

/**
 * Results by file identity (device, inode, size, modification time in ns). Studio media files are written once and
 * never changed in place, and the library probes each file when it arrives, so a render that probes its shots again
 * hits here instead of paying an ffprobe start-up per shot. The path is not part of the key on purpose: the library
 * probes a temp file and then renames it into place (same inode). Rewriting a file changes its mtime and so the key.
 */
const cache = new Map<string, ProbeResult>();
const CACHE_MAX = 1000;

async function identity(file: string): Promise<string | undefined> {
  try {
    const st = await stat(file, { bigint: true });
    if (!st.isFile()) return undefined;
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return undefined;
  }
}

/** Forget cached probe results (tests, benchmarks). */
export function clearProbeCache(): void {
  cache.clear();
}

/**
 * Read a media file's streams and format. A file ffprobe cannot read is `invalid_input`. Results are cached per
 * file identity unless `cache: false`.
 */
export async function probe(file: string, opts: { signal?: AbortSignal; cache?: boolean } = {}): Promise<ProbeResult> {
  const key = opts.cache === false ? undefined : await identity(file);
  const hit = key === undefined ? undefined : cache.get(key);
  if (hit) return { ...hit };
  const result = await probeUncached(file, opts.signal);
  if (key !== undefined) {
    if (cache.size >= CACHE_MAX) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(key, result);
  }
  return { ...result };
}

async function probeUncached(file: string, signal: AbortSignal | undefined): Promise<ProbeResult> {
  const opts = { signal };
  let text: string;
  try {
    text = await runFfprobe([...PROTOCOL_WHITELIST, ...FORMAT_WHITELIST, '-print_format', 'json', '-show_format', '-show_streams', fileUrl(file)], {
      signal: opts.signal,
      what: `probe ${basename(file)}`,
    });
  } catch (e) {
    if (e instanceof StudioError && (e.code === 'invalid_input' || e.code === 'internal')) {
      throw new StudioError('invalid_input', `file is not a readable media file: ${basename(file)} (${e.message})`);
    }
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StudioError('invalid_input', `file is not a readable media file: ${basename(file)}`);
  }
  const parsed = FfprobeOutput.safeParse(json);
  if (!parsed.success || !parsed.data.format) {
    throw new StudioError('invalid_input', `file is not a readable media file: ${basename(file)}`);
  }
  const { streams, format } = parsed.data;
  // Cover art in an mp3/m4a is a "video" stream that is not really video.
  const video = streams.filter((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.filter((s) => s.codec_type === 'audio');
  if (video.length === 0 && audio.length === 0) {
    throw new StudioError('invalid_input', `file is not a readable media file: ${basename(file)} (no audio or video)`);
  }
  const v = video[0];
  const a = audio[0];
  const avg = parseRational(v?.avg_frame_rate);
  const nominal = parseRational(v?.r_frame_rate);
  const fpsRational = avg !== undefined ? v?.avg_frame_rate : nominal !== undefined ? v?.r_frame_rate : undefined;
  const duration = format.duration ?? Math.max(0, ...streams.map((s) => s.duration ?? 0));
  return {
    durationSeconds: duration,
    hasVideo: video.length > 0,
    hasAudio: audio.length > 0,
    videoStreams: video.length,
    audioStreams: audio.length,
    width: v?.width ?? null,
    height: v?.height ?? null,
    fps: avg ?? nominal ?? null,
    fpsRational: fpsRational ?? null,
    pixFmt: v?.pix_fmt ?? null,
    videoCodec: v?.codec_name ?? null,
    videoProfile: v?.profile ?? null,
    audioCodec: a?.codec_name ?? null,
    sampleRate: a?.sample_rate ?? null,
    channels: a?.channels ?? null,
    formatName: format.format_name,
    nbFrames: v?.nb_frames ?? null,
    sizeBytes: format.size ?? null,
  };
}
