import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inputFile, outputFile, runFfmpeg } from '../../src/media/ffmpeg.js';

/** Test fixtures: small generated media (testsrc2 + sine), never checked-in binaries. */

export interface Tmp {
  dir: string;
  p: (name: string) => string;
  dispose: () => Promise<void>;
}

export async function makeTmp(prefix = 'studio-test-'): Promise<Tmp> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, p: (n) => path.join(dir, n), dispose: () => rm(dir, { recursive: true, force: true }) };
}

export interface ClipSpec {
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  /** B-frames (libx264 -bf). */
  bframes?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  audio?: boolean;
  sampleRate?: number;
  /** Irregular timestamps (variable frame rate). */
  vfr?: boolean;
  /** Colour of a solid clip instead of testsrc2. */
  color?: string;
}

/** An H.264/AAC mp4 clip. */
export async function makeClip(out: string, s: ClipSpec = {}): Promise<string> {
  const w = s.width ?? 320;
  const h = s.height ?? 180;
  const fps = s.fps ?? 25;
  const secs = s.seconds ?? 2;
  const src = s.color ? `color=c=${s.color}:s=${w}x${h}:r=${fps}:d=${secs}` : `testsrc2=s=${w}x${h}:r=${fps}:d=${secs}`;
  const args = ['-f', 'lavfi', '-i', src];
  if (s.audio ?? true) args.push('-f', 'lavfi', '-i', `sine=f=330:r=${s.sampleRate ?? 48000}:d=${secs}`);
  const vf: string[] = [];
  // Frames 0..29 regular, then a 0.37 s jump, and a long-held last frame: a genuinely irregular timeline.
  if (s.vfr) vf.push(`setpts='N/${fps}/TB+if(gte(N,30),0.37/TB,0)+if(eq(N,${Math.round(secs * fps) - 1}),0.5/TB,0)'`);
  vf.push('format=yuv420p');
  args.push('-vf', vf.join(','));
  if (s.vfr) args.push('-fps_mode', 'vfr');
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-bf', String(s.bframes ?? 0));
  if (s.bframes) args.push('-x264-params', `b-adapt=0:bframes=${s.bframes}`, '-preset', 'fast');
  if (s.gop) args.push('-g', String(s.gop));
  if (s.audio ?? true) args.push('-c:a', 'aac', '-ac', '2', '-ar', String(s.sampleRate ?? 48000), '-shortest');
  args.push('-movflags', '+faststart', '-f', 'mp4', outputFile(out));
  await runFfmpeg(args);
  return out;
}

/** A PNG test pattern (testsrc2 frame or a solid colour). */
export async function makeImage(out: string, w: number, h: number, color?: string): Promise<string> {
  const src = color ? `color=c=${color}:s=${w}x${h}` : `testsrc2=s=${w}x${h}`;
  await runFfmpeg(['-f', 'lavfi', '-i', src, '-frames:v', '1', '-f', 'image2', outputFile(out)]);
  return out;
}

/** Reference: decode every frame to PNG and return the last one's path (the slow, obviously right way). */
export async function lastFrameByFullDecode(video: string, dir: string): Promise<string> {
  await runFfmpeg([...inputFile(video), '-map', '0:v:0', '-fps_mode', 'passthrough', '-f', 'image2', outputFile(path.join(dir, 'full_%05d.png'))]);
  const names = (await readdir(dir)).filter((n) => n.startsWith('full_')).sort();
  const last = names[names.length - 1];
  if (!last) throw new Error('full decode produced no frames');
  return path.join(dir, last);
}
