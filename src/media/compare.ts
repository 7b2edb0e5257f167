import path from 'node:path';
import { StudioError } from '../errors.js';
import { inputFile, runFfmpeg } from './ffmpeg.js';
import { extractLastFrame } from './frames.js';
import { tempDir } from '../temp.js';
import { probe } from './probe.js';

/**
 * Pixel comparison for tests and checks: decode one frame to raw rgb24 and compare byte by byte. Exported so other
 * suites (continuity, lip-sync, renders) can assert "this frame is that image".
 */

/** One decoded frame, rgb24, row-major, no padding. */
export interface RgbFrame {
  data: Buffer;
  width: number;
  height: number;
}

/** Which frame of a video to decode; images have only the first. */
export type WhichFrame = 'first' | 'last';

/** Decode a frame of an image or video to rgb24, optionally scaled (bicubic) to `size`. */
export async function decodeRgb(file: string, opts: { frame?: WhichFrame; size?: { width: number; height: number } } = {}): Promise<RgbFrame> {
  if (opts.frame === 'last') {
    const tmp = await tempDir('studio-compare-');
    try {
      const png = path.join(tmp.dir, 'last.png');
      await extractLastFrame(file, png);
      return await decodeRgb(png, { size: opts.size });
    } finally {
      await tmp.dispose();
    }
  }
  const info = await probe(file);
  if (!info.hasVideo || !info.width || !info.height) {
    throw new StudioError('invalid_input', `${path.basename(file)} has no picture to compare`);
  }
  const width = opts.size?.width ?? info.width;
  const height = opts.size?.height ?? info.height;
  const r = await runFfmpeg(
    [...inputFile(file), '-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${width}:${height}:flags=bicubic`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
    { captureStdout: true, what: `decode ${path.basename(file)}` },
  );
  if (r.stdout.length !== width * height * 3) {
    throw new StudioError('internal', `decoded ${r.stdout.length} bytes from ${path.basename(file)}, expected ${width * height * 3}`);
  }
  return { data: r.stdout, width, height };
}

/** Mean absolute difference per channel value (0..255) of two equally sized rgb24 buffers. */
export function meanAbsDiff(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`buffers differ in size (${a.length} vs ${b.length})`);
  if (a.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}

/**
 * Mean absolute pixel difference between a frame of `a` and a frame of `b`, with `b` scaled to `a`'s size when they
 * differ. 0 means identical; < 2 is visually identical.
 */
export async function frameDiff(a: string, b: string, opts: { aFrame?: WhichFrame; bFrame?: WhichFrame } = {}): Promise<number> {
  const fa = await decodeRgb(a, { frame: opts.aFrame });
  const fb = await decodeRgb(b, { frame: opts.bFrame, size: { width: fa.width, height: fa.height } });
  return meanAbsDiff(fa.data, fb.data);
}
