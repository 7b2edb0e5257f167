import path from 'node:path';
import { StudioError } from '../../errors.js';
import { fpsValue } from '../encode.js';
import { inputFile, runFfmpeg } from '../ffmpeg.js';
import { readMp4Info } from '../mp4info.js';
import { probe, type ProbeResult } from '../probe.js';

/** Probing and checking of render inputs, with errors that name the shot. */

/** Prefix an input error with the shot it concerns, keeping its code. */
export function shotError(shotId: string, field: string, e: unknown): StudioError {
  if (e instanceof StudioError) {
    if (e.code === 'canceled') return e;
    return new StudioError(e.code === 'internal' ? 'invalid_input' : e.code, `shot '${shotId}': ${e.message}`, { ...e.details, field });
  }
  return new StudioError('internal', `shot '${shotId}': could not read ${field}`, { field });
}

/** Probe a shot's video; it must have a picture and a length. */
export async function probeShotVideo(shotId: string, field: string, file: string, signal?: AbortSignal, known?: ProbeResult): Promise<ProbeResult> {
  let info: ProbeResult;
  try {
    info = known ?? (await probe(file, { signal }));
  } catch (e) {
    throw shotError(shotId, field, e);
  }
  if (!info.hasVideo) throw new StudioError('invalid_input', `shot '${shotId}': ${path.basename(file)} has no video stream`, { field });
  if (!(info.durationSeconds > 0)) {
    throw new StudioError('invalid_input', `shot '${shotId}': ${path.basename(file)} has no length (a still image is not a shot)`, { field });
  }
  return info;
}

/** Probe a dialogue track; zero-length or silent-container audio is an error naming the shot. */
export async function probeShotAudio(shotId: string, field: string, file: string, signal?: AbortSignal): Promise<ProbeResult> {
  let info: ProbeResult;
  try {
    info = await probe(file, { signal });
  } catch (e) {
    throw shotError(shotId, field, e);
  }
  if (!info.hasAudio) throw new StudioError('invalid_input', `shot '${shotId}': ${path.basename(file)} has no audio stream`, { field });
  if (!(info.durationSeconds > 0.001)) {
    throw new StudioError('invalid_input', `shot '${shotId}': ${path.basename(file)} is zero-length audio`, { field });
  }
  return info;
}

/**
 * Read every packet without decoding, failing on corrupt or missing data: catches truncated files whose index
 * still claims the full length (a faststart mp4 cut short). I/O-bound, so cheap next to an encode.
 */
export async function checkReadable(shotId: string, field: string, file: string, signal?: AbortSignal): Promise<void> {
  try {
    await runFfmpeg(['-xerror', ...inputFile(file), '-map', '0', '-c', 'copy', '-f', 'null', '-'], {
      signal,
      what: `read ${path.basename(file)}`,
    });
  } catch (e) {
    if (e instanceof StudioError && e.code === 'canceled') throw e;
    throw new StudioError('invalid_input', `shot '${shotId}': ${path.basename(file)} is corrupt or truncated`, { field });
  }
}

/** Run `fn` over `items` with at most `limit` in flight (ffmpeg processes share the machine's cores). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The format facts that must be equal for a stream-copy join. */
export interface CopyTarget {
  width: number;
  height: number;
  fps: number;
  pixFmt: string;
  sampleRate: number;
}

/** Why `info` cannot be stream-copied into `target`, or undefined when it can. */
export function copyMismatch(info: ProbeResult, target: CopyTarget, profile: string | null): string | undefined {
  if (info.videoStreams !== 1 || info.audioStreams !== 1) return 'needs exactly one video and one audio stream';
  if (info.videoCodec !== 'h264') return `video codec ${info.videoCodec ?? 'unknown'} is not h264`;
  if (info.width !== target.width || info.height !== target.height) return `size ${info.width}x${info.height}`;
  if (info.fps === null || Math.abs(info.fps - fpsValue(target.fps)) > 1e-3) return `frame rate ${info.fpsRational ?? 'unknown'}`;
  if (info.pixFmt !== target.pixFmt) return `pixel format ${info.pixFmt ?? 'unknown'}`;
  if (info.videoProfile !== profile) return `H.264 profile ${info.videoProfile ?? 'unknown'}`;
  if (info.audioCodec !== 'aac' || info.sampleRate !== target.sampleRate || info.channels !== 2) {
    return `audio ${info.audioCodec ?? 'none'} ${info.sampleRate ?? '?'} Hz ${info.channels ?? '?'} ch`;
  }
  if (!/mp4|mov/.test(info.formatName)) return `container ${info.formatName}`;
  return undefined;
}

/**
 * Whether every file carries the same video decoder configuration (SPS/PPS), read from the MP4 index in-process.
 * Clips from different encoders can agree on codec, profile, size and rate and still differ here; an unreadable
 * index counts as different, so the caller re-encodes rather than risk a broken join.
 */
export async function sameVideoConfig(files: readonly string[]): Promise<boolean> {
  const configs = await mapLimit(files, 4, async (f) => (await readMp4Info(f))?.videoConfig);
  return configs.every((c) => c !== undefined && c === configs[0]);
}
