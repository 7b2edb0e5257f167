import { num } from './filters.js';

/**
 * Encoder settings shared by everything the studio writes, so renders of placeholders, lip-syncs and scenes all
 * come out in one format and can later be joined by stream copy.
 */

/** Options every long-running media function accepts. */
export interface MediaOptions {
  signal?: AbortSignal;
  /** 0..1 */
  onProgress?: (fraction: number) => void;
}

/** H.264 High, yuv420p. `crf` 12 is visually lossless (placeholders whose first frame must equal an image). */
export function h264(crf = 18, preset = 'veryfast'): string[] {
  return ['-c:v', 'libx264', '-preset', preset, '-crf', String(crf), '-pix_fmt', 'yuv420p', '-profile:v', 'high'];
}

/** AAC stereo at `sampleRate`. */
export function aac(sampleRate = 48_000): string[] {
  return ['-c:a', 'aac', '-b:a', '160k', '-ar', String(sampleRate), '-ac', '2'];
}

/** mp4 with the index up front, so players (and MCP clients) can start before the download ends. */
export const FASTSTART = ['-movflags', '+faststart'] as const;

/** A frame rate as ffmpeg wants it: NTSC rates as exact rationals, others as plain numbers. */
export function fpsArg(fps: number): string {
  if (!Number.isFinite(fps) || fps <= 0) throw new Error('frame rate must be > 0');
  for (const base of [24, 30, 60]) {
    if (Math.abs(fps - (base * 1000) / 1001) < 0.005) return `${base * 1000}/1001`;
  }
  return num(fps);
}

/** Exact frame rate value for `fpsArg(fps)`. */
export function fpsValue(fps: number): number {
  const [a, b] = fpsArg(fps).split('/');
  return Number(a) / (b === undefined ? 1 : Number(b));
}

/** Frames for a duration: round(duration × fps), at least one. */
export function frameCount(durationSeconds: number, fps: number): number {
  return Math.max(1, Math.round(durationSeconds * fpsValue(fps)));
}
