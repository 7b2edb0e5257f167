import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../errors.js';
import { inputFile, outputFile, runFfmpeg } from './ffmpeg.js';
import { siblingTemp, tempDir, writeThroughTemp } from '../temp.js';
import { drawtextFromFile, num } from './filters.js';
import { encodePngRgb } from './png.js';
import { LastPpmFrame } from './ppm.js';

/**
 * Frame extraction. Every function writes to a temp file beside the destination and renames it into place, so a
 * reader never sees a half-written PNG.
 */

/** Options shared by the frame functions. */
export interface FrameOptions {
  signal?: AbortSignal;
}

async function nonEmptyFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).size > 0;
  } catch {
    return false;
  }
}

/** Run one single-image extraction into a temp file; true when ffmpeg produced an image. */
async function extractTo(video: string, inputOptions: string[], outputOptions: string[], outPng: string, opts: FrameOptions, what: string): Promise<boolean> {
  const tmp = siblingTemp(outPng, '.png');
  try {
    await runFfmpeg(
      [
        ...inputFile(video, inputOptions),
        '-map', '0:v:0',
        // Never duplicate or drop frames: the last frame written must be the last frame decoded.
        '-fps_mode', 'passthrough',
        ...outputOptions,
        '-f', 'image2',
        outputFile(tmp),
      ],
      { signal: opts.signal, outputs: [tmp], what },
    );
    if (!(await nonEmptyFile(tmp))) return false;
    await rename(tmp, outPng);
    return true;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** The first decoded frame of `video` as a PNG. */
export async function extractFirstFrame(video: string, outPng: string, opts: FrameOptions = {}): Promise<void> {
  const ok = await extractTo(video, [], ['-frames:v', '1'], outPng, opts, `first frame of ${path.basename(video)}`);
  if (!ok) throw new StudioError('invalid_input', `no video frame could be decoded from ${path.basename(video)}`);
}

/**
 * Seek windows (seconds before the end) tried in turn. The first almost always suffices; a longer one is needed
 * only when the last frame is held for a long time (VFR) or an audio track outlasts the video. `undefined` = decode
 * the whole clip, the last resort that is always right.
 */
const LAST_FRAME_WINDOWS: (number | undefined)[] = [0.5, 3, 20, undefined];

/** Decode the frames of the last `window` seconds (all if undefined) as raw rgb24; keep the final one. */
async function decodeLastFrame(video: string, window: number | undefined, opts: FrameOptions): Promise<RgbImage | undefined> {
  const last = new LastPpmFrame();
  await runFfmpeg(
    [
      ...inputFile(video, window === undefined ? [] : ['-sseof', `-${num(window)}`]),
      '-map', '0:v:0',
      '-fps_mode', 'passthrough',
      '-pix_fmt', 'rgb24',
      '-c:v', 'ppm',
      '-f', 'image2pipe',
      'pipe:1',
    ],
    { signal: opts.signal, onStdout: (c) => last.push(c), what: `last frame of ${path.basename(video)}` },
  );
  return last.frame();
}

/** A decoded picture, rgb24. */
interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * The exact final decoded frame of `video` as a PNG, in time that does not grow with the clip's length:
 * `-sseof` seeks to the keyframe before (end - window) and decodes only from there (accurate seek drops what
 * precedes the window), frames are piped raw, and only the last one — the last in presentation order, as a full
 * decode ends with, B-frames and VFR included — is compressed to PNG. Compressing every frame of the window with
 * ffmpeg's PNG encoder (`-update 1`) would cost more than the decode itself at 1080p.
 */
export async function extractLastFrame(video: string, outPng: string, opts: FrameOptions = {}): Promise<void> {
  for (const window of LAST_FRAME_WINDOWS) {
    let frame: RgbImage | undefined;
    try {
      frame = await decodeLastFrame(video, window, opts);
    } catch (e) {
      // A container without a known duration can refuse -sseof; the full decode below still works.
      if (window === undefined || (e instanceof StudioError && e.code === 'canceled')) throw e;
      continue;
    }
    if (!frame) continue;
    await writeThroughTemp(outPng, '.png', async (tmp) => {
      await writeFile(tmp, encodePngRgb(frame.data, frame.width, frame.height));
    });
    return;
  }
  throw new StudioError('invalid_input', `no video frame could be decoded from ${path.basename(video)}`);
}

/** The frame shown at `seconds` (accurate seek); past the end, the last frame. */
export async function extractFrameAt(video: string, seconds: number, outPng: string, opts: FrameOptions = {}): Promise<void> {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new StudioError('invalid_input', 'frame time must be a number of seconds >= 0', { field: 'seconds' });
  }
  const ok = await extractTo(video, ['-ss', num(seconds)], ['-frames:v', '1'], outPng, opts, `frame at ${num(seconds)} s of ${path.basename(video)}`);
  if (!ok) await extractLastFrame(video, outPng, opts);
}

/**
 * One PNG every `everySeconds` (the first frame, then the first frame at least `everySeconds` after the previous
 * pick) into `outDir` as frame_00001.png, …; returns their paths in order.
 */
export async function extractEvery(video: string, everySeconds: number, outDir: string, opts: FrameOptions = {}): Promise<string[]> {
  if (!Number.isFinite(everySeconds) || everySeconds <= 0) {
    throw new StudioError('invalid_input', 'the interval must be a number of seconds > 0', { field: 'every_seconds' });
  }
  await mkdir(outDir, { recursive: true });
  // Decode into a private folder first so outDir never holds a partial set, and '%' in outDir cannot act as a pattern.
  const tmp = await tempDir('studio-frames-');
  try {
    const select = `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${num(everySeconds)})'`;
    await runFfmpeg(
      [
        ...inputFile(video),
        '-map', '0:v:0',
        '-vf', select,
        '-fps_mode', 'passthrough',
        '-f', 'image2',
        outputFile(path.join(tmp.dir, 'frame_%05d.png')),
      ],
      { signal: opts.signal, what: `frames of ${path.basename(video)}` },
    );
    const names = (await readdir(tmp.dir)).filter((n) => /^frame_\d{5}\.png$/.test(n)).sort();
    const out: string[] = [];
    for (const n of names) {
      const dest = path.join(outDir, n);
      await rename(path.join(tmp.dir, n), dest);
      out.push(dest);
    }
    return out;
  } finally {
    await tmp.dispose();
  }
}

/** One image of a contact sheet. */
export interface ContactSheetItem {
  path: string;
  /** Drawn under the tile; any text (it is passed through a file, never the filtergraph). */
  label?: string;
}

/** Layout of a contact sheet. */
export interface ContactSheetOptions {
  /** Tiles per row (default: up to 4). */
  columns?: number;
  /** Width of one tile in pixels (default 320); tiles are 16:9 plus a label strip. */
  tileWidth?: number;
  signal?: AbortSignal;
}

/** Tile images (or videos' first frames) into one labelled PNG, in order, left to right then top to bottom. */
export async function contactSheet(items: ContactSheetItem[], outPng: string, opts: ContactSheetOptions = {}): Promise<void> {
  if (items.length === 0) throw new StudioError('invalid_input', 'a contact sheet needs at least one image');
  const columns = Math.max(1, Math.min(opts.columns ?? Math.min(4, items.length), items.length));
  const tileW = even(opts.tileWidth ?? 320);
  const imgH = even((tileW * 9) / 16);
  const labelH = even(Math.max(16, tileW / 12));
  const tileH = imgH + labelH;
  const tmp = await tempDir('studio-sheet-');
  try {
    await writeThroughTemp(outPng, '.png', async (out) => {
      const args: string[] = [];
      const chains: string[] = [];
      for (const [i, item] of items.entries()) {
        args.push(...inputFile(item.path));
        const labelFile = await tmp.file(`label${i}.txt`, (item.label ?? '').replace(/\s+/g, ' ').trim());
        chains.push(
          `[${i}:v:0]scale=${tileW}:${imgH}:force_original_aspect_ratio=decrease,` +
            `pad=${tileW}:${tileH}:(ow-iw)/2:(${imgH}-ih)/2:color=0x181818,format=rgb24,` +
            drawtextFromFile(labelFile, { fontSize: labelH * 0.7, x: '(w-text_w)/2', y: `${imgH}+(${labelH}-text_h)/2` }) +
            `[t${i}]`,
        );
      }
      let graph = chains.join(';');
      if (items.length === 1) {
        graph += ';[t0]null[sheet]';
      } else {
        const layout = items.map((_, i) => `${(i % columns) * tileW}_${Math.floor(i / columns) * tileH}`).join('|');
        graph += `;${items.map((_, i) => `[t${i}]`).join('')}xstack=inputs=${items.length}:layout=${layout}:fill=black[sheet]`;
      }
      await runFfmpeg(
        [...args, '-filter_complex', graph, '-map', '[sheet]', '-frames:v', '1', '-f', 'image2', outputFile(out)],
        { signal: opts.signal, outputs: [out], what: 'contact sheet' },
      );
    });
  } finally {
    await tmp.dispose();
  }
}

function even(n: number): number {
  return Math.max(2, 2 * Math.round(n / 2));
}
