import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../errors.js';
import { inputFile, outputFile, runFfmpeg } from './ffmpeg.js';
import { siblingTemp, tempDir, writeThroughTemp } from '../temp.js';
import { num } from './filters.js';
import { encodePngRgb } from './png.js';
import { LastPpmFrame } from './ppm.js';
import { drawTexts } from './text.js';

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
        '-map',
        '0:v:0',
        // Never duplicate or drop frames: the last frame written must be the last frame decoded.
        '-fps_mode',
        'passthrough',
        ...outputOptions,
        '-f',
        'image2',
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
      '-map',
      '0:v:0',
      '-fps_mode',
      'passthrough',
      '-pix_fmt',
      'rgb24',
      '-c:v',
      'ppm',
      '-f',
      'image2pipe',
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
      [...inputFile(video), '-map', '0:v:0', '-vf', select, '-fps_mode', 'passthrough', '-f', 'image2', outputFile(path.join(tmp.dir, 'frame_%05d.png'))],
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

/** Sizes of one labelled tile: the picture (16:9 box) and the label strip under it. */
interface TileSize {
  tileW: number;
  imgH: number;
  labelH: number;
  tileH: number;
}

function tileSize(tileWidth: number): TileSize {
  const tileW = even(tileWidth);
  const imgH = even((tileW * 9) / 16);
  const labelH = even(Math.max(16, tileW / 12));
  return { tileW, imgH, labelH, tileH: imgH + labelH };
}

/**
 * Filter chain turning input `index` into a labelled tile `[t<index>]`: the picture fitted into the 16:9 box (kept
 * aspect, dark bars), the label centred in the strip under it. The label goes through a file, never the graph.
 */
async function tileChain(index: number, item: ContactSheetItem, size: TileSize, tmp: Awaited<ReturnType<typeof tempDir>>): Promise<string> {
  const { tileW, imgH, labelH, tileH } = size;
  const label = await drawTexts(
    [{ text: fitLabel(item.label ?? '', Math.floor(tileW / (labelH * 0.7 * 0.6))), x: tileW / 2, y: imgH + labelH / 2, anchor: 'center', size: labelH * 0.7 }],
    tileW,
    tileH,
    tmp.dir,
    `label${index}`,
  );
  return (
    `[${index}:v:0]scale=${tileW}:${imgH}:force_original_aspect_ratio=decrease,` +
    `pad=${tileW}:${tileH}:(ow-iw)/2:(${imgH}-ih)/2:color=${TILE_BACKGROUND},format=rgb24,` +
    label +
    `[t${index}]`
  );
}

/** A label on one line of at most `chars` characters (a long shot title is cut with "…" rather than overflow). */
function fitLabel(label: string, chars: number): string {
  const cps = Array.from(label.replace(/\s+/g, ' ').trim());
  return cps.length <= chars
    ? cps.join('')
    : cps
        .slice(0, Math.max(1, chars - 1))
        .join('')
        .trimEnd() + '…';
}

/** Background of a tile around its picture and under its label. */
const TILE_BACKGROUND = '0x181818';

/** Run a one-frame graph ending in `[sheet]` over `inputs` and write the PNG atomically. */
async function writeSheet(inputs: string[], graph: string, outPng: string, signal: AbortSignal | undefined, what: string): Promise<void> {
  await writeThroughTemp(outPng, '.png', async (out) => {
    await runFfmpeg([...inputs.flatMap((p) => inputFile(p)), '-filter_complex', graph, '-map', '[sheet]', '-frames:v', '1', '-f', 'image2', outputFile(out)], {
      signal,
      outputs: [out],
      what,
    });
  });
}

/** Tile images (or videos' first frames) into one labelled PNG, in order, left to right then top to bottom. */
export async function contactSheet(items: ContactSheetItem[], outPng: string, opts: ContactSheetOptions = {}): Promise<void> {
  if (items.length === 0) throw new StudioError('invalid_input', 'a contact sheet needs at least one image');
  const columns = Math.max(1, Math.min(opts.columns ?? Math.min(4, items.length), items.length));
  const size = tileSize(opts.tileWidth ?? 320);
  const tmp = await tempDir('studio-sheet-');
  try {
    const chains: string[] = [];
    for (const [i, item] of items.entries()) chains.push(await tileChain(i, item, size, tmp));
    let graph = chains.join(';');
    if (items.length === 1) {
      graph += ';[t0]null[sheet]';
    } else {
      const layout = items.map((_, i) => `${(i % columns) * size.tileW}_${Math.floor(i / columns) * size.tileH}`).join('|');
      graph += `;${items.map((_, i) => `[t${i}]`).join('')}xstack=inputs=${items.length}:layout=${layout}:fill=black[sheet]`;
    }
    await writeSheet(
      items.map((i) => i.path),
      graph,
      outPng,
      opts.signal,
      'contact sheet',
    );
  } finally {
    await tmp.dispose();
  }
}

/** One storyboard row: the frame before a cut and the frame after it. */
export interface StoryboardRow {
  left: ContactSheetItem;
  right: ContactSheetItem;
}

/** Colours of a storyboard's separators (0xRRGGBB), exported so tests can find them in the pixels. */
export const STORYBOARD_COLORS = {
  /** The bar between the two frames of a row: where the cut is. */
  cut: 0xff3b30,
  /** The bar between two rows. */
  row: 0x8e8e93,
} as const;

/** Geometry of a storyboard sheet, so callers (and tests) know where each cell and bar is. */
export interface StoryboardLayout {
  width: number;
  height: number;
  tileW: number;
  tileH: number;
  /** Picture height inside a tile (the label strip is under it). */
  imgH: number;
  /** Thickness of the separator bars. */
  bar: number;
}

export function storyboardLayout(rows: number, tileWidth = 400): StoryboardLayout {
  const { tileW, tileH, imgH } = tileSize(tileWidth);
  const bar = even(Math.max(4, tileW / 40));
  return { width: 2 * tileW + bar, height: rows * tileH + (rows - 1) * bar, tileW, tileH, imgH, bar };
}

/**
 * A storyboard: one row per cut, the frame before it | a cut-coloured bar | the frame after it, rows top to bottom
 * with a bar of another colour between them, so each cut is read as one pair and never confused with the next.
 */
export async function storyboardSheet(
  rows: StoryboardRow[],
  outPng: string,
  opts: { tileWidth?: number; signal?: AbortSignal } = {},
): Promise<StoryboardLayout> {
  if (rows.length === 0) throw new StudioError('invalid_input', 'a storyboard needs at least one row');
  const L = storyboardLayout(rows.length, opts.tileWidth);
  const size = tileSize(L.tileW);
  const tmp = await tempDir('studio-storyboard-');
  try {
    const items = rows.flatMap((r) => [r.left, r.right]);
    const chains: string[] = [];
    for (const [i, item] of items.entries()) chains.push(await tileChain(i, item, size, tmp));
    const hex = (c: number) => `0x${c.toString(16).padStart(6, '0')}`;
    // Bars are generated in rgb24 so their colour reaches the PNG exactly (no YUV round trip).
    const cutBar = `color=c=${hex(STORYBOARD_COLORS.cut)}:s=${L.bar}x${L.tileH}:r=1,format=rgb24`;
    const rowBar = `color=c=${hex(STORYBOARD_COLORS.row)}:s=${L.width}x${L.bar}:r=1,format=rgb24`;
    const cells: string[] = [];
    const layout: string[] = [];
    for (let r = 0; r < rows.length; r++) {
      const y = r * (L.tileH + L.bar);
      chains.push(`${cutBar}[cut${r}]`);
      cells.push(`[t${2 * r}]`, `[cut${r}]`, `[t${2 * r + 1}]`);
      layout.push(`0_${y}`, `${L.tileW}_${y}`, `${L.tileW + L.bar}_${y}`);
      if (r < rows.length - 1) {
        chains.push(`${rowBar}[row${r}]`);
        cells.push(`[row${r}]`);
        layout.push(`0_${y + L.tileH}`);
      }
    }
    const graph = `${chains.join(';')};${cells.join('')}xstack=inputs=${cells.length}:layout=${layout.join('|')}:fill=black[sheet]`;
    await writeSheet(
      items.map((i) => i.path),
      graph,
      outPng,
      opts.signal,
      'storyboard',
    );
    return L;
  } finally {
    await tmp.dispose();
  }
}

function even(n: number): number {
  return Math.max(2, 2 * Math.round(n / 2));
}
