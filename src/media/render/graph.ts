import { fpsArg, fpsValue } from '../encode.js';
import { num } from '../filters.js';
import { type BedSpec, bedMixChains, type DuckSpan } from './beds.js';
import { measureFilter } from './loudness.js';

/**
 * The filtergraph of an encoded scene render. Every shot is normalised to the scene's size (scale + pad, aspect
 * kept), frame rate, pixel format and stereo audio at one rate, cut to a whole number of frames, then shots are
 * joined pairwise: concat for cuts and fades through black, xfade + acrossfade for crossfades.
 */

/** One shot as the graph sees it. */
export interface PlannedShot {
  /** ffmpeg input index of the shot's file. */
  input: number;
  hasAudio: boolean;
  /** Length in frames at the scene rate. */
  frames: number;
  dialogue: { input: number; offsetSeconds: number; gainDb: number }[];
  /** Fade from / to black at the head / tail (seconds, 0 = none). */
  fadeInSeconds: number;
  fadeOutSeconds: number;
  /** How this shot joins the previous: ignored for the first. */
  join: { kind: 'concat' } | { kind: 'xfade'; seconds: number };
}

export interface SceneFormat {
  width: number;
  height: number;
  fps: number;
  sampleRate: number;
  /**
   * How the mix's loudness is treated: none; 'measure' makes the first pass of two-pass normalisation (audio only,
   * loudnorm prints what it measured); a filter string applies the second pass (src/media/render/loudness.ts).
   */
  loudness: 'none' | 'measure' | { apply: string };
  /** Beds under the whole scene (ffmpeg inputs from `firstInput` on), ducked under `spans`. */
  beds?: { beds: readonly BedSpec[]; firstInput: number; spans: readonly DuckSpan[] };
}

export interface SceneGraph {
  graph: string;
  /** Exact length of the output: sum of shot lengths minus crossfade overlaps. */
  totalSeconds: number;
}

export function buildSceneGraph(shots: readonly PlannedShot[], f: SceneFormat): SceneGraph {
  const rate = fpsArg(f.fps);
  const fps = fpsValue(f.fps);
  // settb keeps every join's inputs on one time base (xfade refuses mismatched ones).
  const tb = rate.includes('/') ? rate.split('/').reverse().join('/') : `1/${rate}`;
  const aformat = `aresample=${f.sampleRate},aformat=sample_fmts=fltp:sample_rates=${f.sampleRate}:channel_layouts=stereo`;
  const chains: string[] = [];

  const audioOnly = f.loudness === 'measure';
  shots.forEach((s, i) => {
    const secs = s.frames / fps;
    const v = [
      `[${s.input}:v:0]setpts=PTS-STARTPTS`,
      `scale=${f.width}:${f.height}:force_original_aspect_ratio=decrease`,
      `pad=${f.width}:${f.height}:(ow-iw)/2:(oh-ih)/2:color=black`,
      'setsar=1',
      `fps=${rate}`,
      'format=yuv420p',
      // A video track a little shorter than its container holds its last frame rather than shortening the scene.
      `tpad=stop_mode=clone:stop_duration=${num(secs)}`,
      `trim=end_frame=${s.frames}`,
      'setpts=PTS-STARTPTS',
      `settb=${tb}`,
    ];
    if (s.fadeInSeconds > 0) v.push(`fade=t=in:st=0:d=${num(s.fadeInSeconds)}`);
    if (s.fadeOutSeconds > 0) v.push(`fade=t=out:st=${num(secs - s.fadeOutSeconds)}:d=${num(s.fadeOutSeconds)}`);
    if (!audioOnly) chains.push(v.join(',') + `[v${i}]`);

    const base = s.hasAudio ? `[${s.input}:a:0]asetpts=PTS-STARTPTS,${aformat}` : `anullsrc=r=${f.sampleRate}:cl=stereo,${aformat}`;
    const fit = `apad=whole_dur=${num(secs)},atrim=duration=${num(secs)},asetpts=PTS-STARTPTS`;
    const fades: string[] = [];
    if (s.fadeInSeconds > 0) fades.push(`afade=t=in:st=0:d=${num(s.fadeInSeconds)}`);
    if (s.fadeOutSeconds > 0) fades.push(`afade=t=out:st=${num(secs - s.fadeOutSeconds)}:d=${num(s.fadeOutSeconds)}`);
    if (s.dialogue.length === 0) {
      chains.push([base, fit, ...fades].join(',') + `[a${i}]`);
    } else {
      chains.push(`${base},${fit}[a${i}base]`);
      const labels = [`[a${i}base]`];
      s.dialogue.forEach((d, j) => {
        const ms = Math.round(d.offsetSeconds * 1000);
        chains.push(`[${d.input}:a:0]asetpts=PTS-STARTPTS,${aformat},volume=${num(d.gainDb)}dB,adelay=delays=${ms}:all=1[d${i}_${j}]`);
        labels.push(`[d${i}_${j}]`);
      });
      // normalize=0: dialogue keeps its level instead of every input being divided by the input count.
      chains.push(`${labels.join('')}amix=inputs=${labels.length}:duration=first:dropout_transition=0:normalize=0,` + [fit, ...fades].join(',') + `[a${i}]`);
    }
  });

  let accV = 'v0';
  let accA = 'a0';
  let total = (shots[0]?.frames ?? 0) / fps;
  shots.slice(1).forEach((s, k) => {
    const i = k + 1;
    const secs = s.frames / fps;
    const nv = `jv${i}`;
    const na = `ja${i}`;
    if (s.join.kind === 'xfade') {
      const d = s.join.seconds;
      if (!audioOnly) chains.push(`[${accV}][v${i}]xfade=transition=fade:duration=${num(d)}:offset=${num(total - d)},settb=${tb}[${nv}]`);
      chains.push(`[${accA}][a${i}]acrossfade=d=${num(d)}:c1=tri:c2=tri[${na}]`);
      total += secs - d;
    } else if (audioOnly) {
      chains.push(`[${accA}][a${i}]concat=n=2:v=0:a=1[${na}]`);
      total += secs;
    } else {
      chains.push(`[${accV}][${accA}][v${i}][a${i}]concat=n=2:v=1:a=1[${nv}c][${na}]`);
      chains.push(`[${nv}c]settb=${tb}[${nv}]`);
      total += secs;
    }
    accV = nv;
    accA = na;
  });
  if (!audioOnly) chains.push(`[${accV}]null[vout]`);
  if (f.beds?.beds.length) {
    const mixed = bedMixChains(accA, f.beds.beds, f.beds.firstInput, f.beds.spans, { totalSeconds: total, sampleRate: f.sampleRate, aformat });
    chains.push(...mixed.chains);
    accA = mixed.out;
  }
  // loudnorm works at 192 kHz internally; resample back to the scene rate.
  if (f.loudness === 'measure') chains.push(`[${accA}]${measureFilter()}[aout]`);
  else if (f.loudness === 'none') chains.push(`[${accA}]anull[aout]`);
  else chains.push(`[${accA}]${f.loudness.apply},${aformat}[aout]`);
  return { graph: chains.join(';'), totalSeconds: total };
}
