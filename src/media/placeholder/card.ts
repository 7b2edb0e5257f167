import { StudioError } from '../../errors.js';
import { aac, FASTSTART, fpsArg, frameCount, fpsValue, h264, type MediaOptions } from '../encode.js';
import { inputFile, outputFile, runFfmpeg } from '../ffmpeg.js';
import { type TempDir, tempDir, writeThroughTemp } from '../../temp.js';
import { num, wrapText } from '../filters.js';
import { drawTexts } from '../text.js';

/**
 * Title cards: the local provider's stand-in for generated images and videos. A card shows the prompt, the
 * character's name and reference image, so a viewer of a placeholder film can follow what each shot is meant to be.
 */

/** What an animatic shows and how it is encoded. */
export interface AnimaticSpec {
  prompt: string;
  characterName?: string;
  /** Identity reference, shown as a thumbnail (never used as a frame). */
  referenceImage?: string;
  /** When given, the first frame of the video is this image (scaled to fit, untouched when the size matches). */
  startFrame?: string;
  /** When given, the last frame of the video is this image. */
  endFrame?: string;
  durationSeconds: number;
  width: number;
  height: number;
  fps: number;
  /** Add an AAC track (silence); default true. */
  withAudio?: boolean;
}

/** What a still card shows. */
export interface StillSpec {
  prompt: string;
  referenceImage?: string;
  characterName?: string;
  width: number;
  height: number;
}

/** Low enough that a decoded frame is visually identical to the image it came from (mean abs diff < 2/255). */
const ANIMATIC_CRF = 12;

interface CardLayout {
  args: string[];
  /** Filter chains ending in `[card]`. */
  graph: string[];
  nextInput: number;
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16 || width > 7680 || height > 4320) {
    throw new StudioError('invalid_input', 'width and height must be whole numbers of pixels between 16 and 7680x4320');
  }
  if (width % 2 !== 0 || height % 2 !== 0) {
    throw new StudioError('invalid_input', 'width and height must be even (H.264 yuv420p)');
  }
}

/** Build the card: background, name, wrapped prompt, reference thumbnail. `bg` is the label of a background stream. */
async function cardLayout(
  spec: { prompt: string; characterName?: string; referenceImage?: string; width: number; height: number },
  bg: string,
  firstInput: number,
  tmp: TempDir,
): Promise<CardLayout> {
  const { width: W, height: H } = spec;
  const margin = Math.round(Math.min(W, H) * 0.06);
  const nameSize = Math.max(10, H / 14);
  const promptSize = Math.max(8, Math.min(H / 18, W / 30));
  const textWidthPx = spec.referenceImage ? W * 0.6 - margin : W - 2 * margin;
  const charsPerLine = Math.max(8, Math.floor(textWidthPx / (promptSize * 0.56)));
  const maxLines = Math.max(1, Math.floor((H * 0.62) / (promptSize * 1.3)));
  const prompt = wrapText(spec.prompt || '(no prompt)', charsPerLine, maxLines);
  const name = (spec.characterName ?? '').replace(/\s+/g, ' ').trim().slice(0, 60);
  const text = await drawTexts(
    [
      { text: name, x: margin, y: margin, size: nameSize, bold: true, color: 0xffd479 },
      { text: prompt, x: margin, y: margin + nameSize * 1.8, size: promptSize, lineSpacing: promptSize * 0.3 },
    ],
    W,
    H,
    tmp.dir,
    'card',
  );

  const args: string[] = [];
  let nextInput = firstInput;
  let chain = `[${bg}]${text}`;
  const graph: string[] = [];
  if (spec.referenceImage) {
    const refIdx = nextInput++;
    args.push(...inputFile(spec.referenceImage));
    const thumbW = Math.round(W * 0.34);
    const thumbH = Math.round(H * 0.5);
    graph.push(`[${refIdx}:v:0]scale=${thumbW}:${thumbH}:force_original_aspect_ratio=decrease,format=yuva420p[ref]`);
    chain += `[txt];[txt][ref]overlay=x=W-w-${margin}:y=${Math.round(margin + nameSize * 1.8)}:eof_action=repeat`;
  }
  graph.push(chain + '[card]');
  return { args, graph, nextInput };
}

/** An image fitted into W×H (kept aspect, black bars), untouched when it already has that size. */
function fitChain(input: number, W: number, H: number): string {
  return `[${input}:v:0]scale=${W}:${H}:force_original_aspect_ratio=decrease,` + `pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1`;
}

/**
 * A video placeholder: the card with a bar sliding along the bottom (so it is visibly video); when given, the start
 * image is the first frame and dissolves into the card, and the card dissolves into the end image, which is the
 * last frame. Exactly round(duration × fps) frames, H.264 yuv420p (+ AAC silence), faststart.
 */
export async function makeAnimatic(spec: AnimaticSpec, outMp4: string, opts: MediaOptions = {}): Promise<void> {
  checkSize(spec.width, spec.height);
  if (!(spec.durationSeconds > 0) || spec.durationSeconds > 600) {
    throw new StudioError('invalid_input', 'duration must be between 0 and 600 seconds', { field: 'duration' });
  }
  const { width: W, height: H } = spec;
  const rate = fpsArg(spec.fps);
  const frames = frameCount(spec.durationSeconds, spec.fps);
  const D = frames / fpsValue(spec.fps);
  const frameDur = 1 / fpsValue(spec.fps);
  // Hold the given frames at least two frames, dissolve over a quarter of the clip at most.
  const hold = Math.max(2 * frameDur, Math.min(0.5, D * 0.15));
  const dissolve = Math.max(frameDur, Math.min(1, D * 0.25));

  const tmp = await tempDir('studio-animatic-');
  try {
    await writeThroughTemp(outMp4, '.mp4', async (out) => {
      const args = ['-f', 'lavfi', '-i', `color=c=0x1d2540:s=${W}x${H}:r=${rate}`];
      const barW = Math.max(4, Math.round(W / 10));
      const barH = Math.max(2, Math.round(H / 60));
      args.push('-f', 'lavfi', '-i', `color=c=0xf0c040:s=${barW}x${barH}:r=${rate}`);
      const card = await cardLayout(spec, '0:v', 2, tmp);
      args.push(...card.args);
      const graph = [...card.graph];
      graph.push(`[card][1:v]overlay=x=(W-w)*t/${num(D)}:y=H-${barH * 3}:shortest=1[moving]`);
      let last = 'moving';
      let next = card.nextInput;
      if (spec.startFrame) {
        const i = next++;
        args.push(...inputFile(spec.startFrame, ['-loop', '1', '-framerate', rate]));
        graph.push(`${fitChain(i, W, H)},format=yuva420p,fade=t=out:st=${num(hold)}:d=${num(dissolve)}:alpha=1[startf]`);
        graph.push(`[${last}][startf]overlay=x=0:y=0:shortest=1[withstart]`);
        last = 'withstart';
      }
      if (spec.endFrame) {
        const i = next++;
        args.push(...inputFile(spec.endFrame, ['-loop', '1', '-framerate', rate]));
        const st = Math.max(0, D - hold - dissolve);
        graph.push(`${fitChain(i, W, H)},format=yuva420p,fade=t=in:st=${num(st)}:d=${num(dissolve)}:alpha=1[endf]`);
        graph.push(`[${last}][endf]overlay=x=0:y=0:shortest=1[withend]`);
        last = 'withend';
      }
      // The frame count is cut in the graph, not with -frames:v: that option closes the whole output when the
      // encoder has taken N frames, and the audio still queued behind x264's lookahead (~0.8 s) was lost.
      graph.push(`[${last}]trim=end_frame=${frames},format=yuv420p[v]`);
      const withAudio = spec.withAudio ?? true;
      if (withAudio) args.push('-f', 'lavfi', '-t', num(D), '-i', 'anullsrc=r=48000:cl=stereo');
      const audioIdx = next;
      await runFfmpeg(
        [
          ...args,
          '-filter_complex',
          graph.join(';'),
          '-map',
          '[v]',
          ...(withAudio ? ['-map', `${audioIdx}:a:0`, ...aac()] : []),
          ...h264(ANIMATIC_CRF),
          ...FASTSTART,
          '-f',
          'mp4',
          outputFile(out),
        ],
        {
          signal: opts.signal,
          onProgress: opts.onProgress,
          expectedDurationSeconds: D,
          outputs: [out],
          what: 'animatic',
        },
      );
    });
  } finally {
    await tmp.dispose();
  }
}

/** An image placeholder: the card (prompt, optional name and reference thumbnail) as a PNG. */
export async function makeStill(spec: StillSpec, outPng: string, opts: MediaOptions = {}): Promise<void> {
  checkSize(spec.width, spec.height);
  const tmp = await tempDir('studio-still-');
  try {
    await writeThroughTemp(outPng, '.png', async (out) => {
      const args = ['-f', 'lavfi', '-i', `color=c=0x1d2540:s=${spec.width}x${spec.height}:r=1`];
      const card = await cardLayout(spec, '0:v', 1, tmp);
      args.push(...card.args);
      await runFfmpeg([...args, '-filter_complex', card.graph.join(';'), '-map', '[card]', '-frames:v', '1', '-f', 'image2', outputFile(out)], {
        signal: opts.signal,
        outputs: [out],
        what: 'still',
      });
    });
  } finally {
    await tmp.dispose();
  }
}
