import { num } from '../filters.js';

/**
 * Audio beds (music, ambience, effects under a whole scene or film) as filtergraph chains: each bed is trimmed (or
 * looped) to where it plays, levelled, faded, delayed to its offset and, with `duck`, run through a side-chain
 * compressor keyed by the dialogue lines' spans; then everything is mixed under the main audio. Only numbers reach
 * the graph: files are ffmpeg inputs, never filter arguments.
 */

/** One bed as the renderer takes it. */
export interface BedSpec {
  path: string;
  /** Seconds from the start of the scene (film). */
  offsetSeconds: number;
  gainDb: number;
  fadeInSeconds: number;
  fadeOutSeconds: number;
  /** Repeat the clip (the input is opened with `-stream_loop -1`) until the end. */
  loop: boolean;
  duck: boolean;
  /** Length of the clip itself, probed. */
  durationSeconds: number;
}

/** Where a dialogue line plays, in seconds from the start of the output. */
export interface DuckSpan {
  start: number;
  end: number;
}

/** How far a ducked bed goes down under a line (dB) and how it moves: a broadcast-style duck, not a gate. */
export const DUCK_DEPTH_DB = 15;
const DUCK_RATIO = 20;
const DUCK_THRESHOLD = 0.0625;
/** The key is a steady level during each line: its height above the threshold sets the depth exactly. */
const DUCK_KEY = DUCK_THRESHOLD * 10 ** (DUCK_DEPTH_DB / (1 - 1 / DUCK_RATIO) / 20);
/** The bed starts going down a little before the first word and comes back after the last. */
const DUCK_LEAD_SECONDS = 0.12;
const DUCK_TAIL_SECONDS = 0.08;

/** Seconds a bed plays within an output of `totalSeconds` (0: it starts after the end). */
export function bedSeconds(b: BedSpec, totalSeconds: number): number {
  const room = totalSeconds - b.offsetSeconds;
  if (!(room > 0)) return 0;
  return b.loop ? room : Math.min(b.durationSeconds, room);
}

/** The input options of a bed's file: looping beds repeat forever and are trimmed in the graph. */
export function bedInputOptions(b: BedSpec): string[] {
  return b.loop ? ['-stream_loop', '-1'] : [];
}

/** A stereo key signal: DUCK_KEY during every span (widened by lead and tail), silence elsewhere. */
function keySource(spans: readonly DuckSpan[], totalSeconds: number, sampleRate: number): string {
  const terms = spans.map((s) => `between(t,${num(Math.max(0, s.start - DUCK_LEAD_SECONDS))},${num(s.end + DUCK_TAIL_SECONDS)})`);
  const expr = `${num(DUCK_KEY)}*min(1,${terms.join('+')})`;
  return `aevalsrc='${expr}':c=stereo:s=${sampleRate}:d=${num(totalSeconds)}`;
}

/**
 * Chains that mix `beds` (ffmpeg inputs `firstInput`, `firstInput + 1`, …) under the audio labelled `main`, as long
 * as `totalSeconds`, into the label returned. `aformat` is the output's sample format chain.
 */
export function bedMixChains(
  main: string,
  beds: readonly BedSpec[],
  firstInput: number,
  spans: readonly DuckSpan[],
  f: { totalSeconds: number; sampleRate: number; aformat: string },
): { chains: string[]; out: string } {
  const chains: string[] = [];
  const labels: string[] = [];
  const ducked = beds.filter((b) => b.duck && bedSeconds(b, f.totalSeconds) > 0).length;
  const keys: string[] = [];
  if (ducked > 0 && spans.length > 0) {
    const split = Array.from({ length: ducked }, (_, k) => `[bkey${k}]`);
    chains.push(`${keySource(spans, f.totalSeconds, f.sampleRate)}${ducked > 1 ? `,asplit=${ducked}` : ''}${split.join('')}`);
    keys.push(...split);
  }
  beds.forEach((b, i) => {
    const secs = bedSeconds(b, f.totalSeconds);
    if (secs <= 0) return;
    const fadeIn = Math.min(Math.max(0, b.fadeInSeconds), secs / 2);
    const fadeOut = Math.min(Math.max(0, b.fadeOutSeconds), secs / 2);
    const parts = [
      `[${firstInput + i}:a:0]asetpts=PTS-STARTPTS`,
      f.aformat,
      `atrim=duration=${num(secs)}`,
      'asetpts=PTS-STARTPTS',
      `volume=${num(b.gainDb)}dB`,
    ];
    if (fadeIn > 0) parts.push(`afade=t=in:st=0:d=${num(fadeIn)}`);
    if (fadeOut > 0) parts.push(`afade=t=out:st=${num(secs - fadeOut)}:d=${num(fadeOut)}`);
    parts.push(`adelay=delays=${Math.round(b.offsetSeconds * 1000)}:all=1`, `apad=whole_dur=${num(f.totalSeconds)}`, `atrim=duration=${num(f.totalSeconds)}`);
    const key = b.duck ? keys.shift() : undefined;
    if (key) {
      chains.push(`${parts.join(',')}[bed${i}pre]`);
      chains.push(
        `[bed${i}pre]${key}sidechaincompress=threshold=${num(DUCK_THRESHOLD)}:ratio=${DUCK_RATIO}:attack=20:release=250:knee=1:detection=peak[bed${i}]`,
      );
    } else {
      chains.push(`${parts.join(',')}[bed${i}]`);
    }
    labels.push(`[bed${i}]`);
  });
  if (!labels.length) return { chains, out: main };
  // normalize=0: the dialogue keeps its level; beds sit at their own gain under it.
  chains.push(`[${main}]${labels.join('')}amix=inputs=${labels.length + 1}:duration=first:dropout_transition=0:normalize=0[bedmix]`);
  return { chains, out: 'bedmix' };
}
