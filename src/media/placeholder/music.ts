import path from 'node:path';
import { StudioError } from '../../errors.js';
import type { MediaOptions } from '../encode.js';
import { outputFile, runFfmpeg } from '../ffmpeg.js';
import { writeThroughTemp } from '../../temp.js';
import { num } from '../filters.js';

/**
 * Offline placeholder music and effects: real audio made by ffmpeg from number-only expressions (no user text ever
 * reaches the expression), long as asked. The seed (from the prompt) picks the key and the pitch, so two prompts
 * sound different and one prompt always sounds the same.
 */

export type PlaceholderAudioFormat = 'mp3' | 'wav';

function unit(seed: number, salt: number): number {
  return (Math.abs(Math.floor(seed * 31 + salt * 977)) % 1000) / 1000;
}

function codecArgs(format: PlaceholderAudioFormat): string[] {
  return format === 'wav' ? ['-c:a', 'pcm_s16le', '-f', 'wav'] : ['-c:a', 'libmp3lame', '-q:a', '4', '-f', 'mp3'];
}

async function render(expr: string, seconds: number, outPath: string, format: PlaceholderAudioFormat, what: string, opts: MediaOptions): Promise<void> {
  if (!(seconds > 0 && seconds <= 600))
    throw new StudioError('invalid_input', `duration must be between 0 and 600 seconds, got ${seconds}`, { field: 'duration' });
  const fade = Math.min(0.5, seconds / 4);
  await writeThroughTemp(outPath, path.extname(outPath) || `.${format}`, async (out) => {
    await runFfmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `aevalsrc='${expr}':c=stereo:s=44100:d=${num(seconds)}`,
        '-af',
        `afade=t=in:st=0:d=${num(fade)},afade=t=out:st=${num(seconds - fade)}:d=${num(fade)}`,
        ...codecArgs(format),
        outputFile(out),
      ],
      { signal: opts.signal, onProgress: opts.onProgress, expectedDurationSeconds: seconds, outputs: [out], what },
    );
  });
}

/**
 * A soft chord bed: root, fifth and octave of a chord that changes every four seconds (I-IV-V-vi), with a gentle
 * swell, about -20 dBFS RMS so dialogue sits above it even before ducking.
 */
export async function makeMusic(
  spec: { seconds: number; seed: number },
  outPath: string,
  format: PlaceholderAudioFormat,
  opts: MediaOptions = {},
): Promise<void> {
  const base = 110 * 2 ** (Math.floor(unit(spec.seed, 1) * 12) / 12);
  // Semitones of the chord root by bar: 0, 5, 7, 9 (rotated by the seed).
  const rot = Math.floor(unit(spec.seed, 2) * 4);
  const steps = [0, 5, 7, 9].map((_, i) => [0, 5, 7, 9][(i + rot) % 4] as number);
  const bar = 'mod(floor(t/4),4)';
  const semis = steps.map((s, i) => `${s}*eq(${bar},${i})`).join('+');
  const f = `${num(base)}*pow(2,(${semis})/12)`;
  const voice = (mult: number, amp: number): string => `${num(amp)}*sin(2*PI*${f}*${num(mult)}*t)`;
  const expr = `(${voice(1, 0.09)}+${voice(1.5, 0.06)}+${voice(2, 0.05)}+${voice(3, 0.02)})*(0.9+0.1*sin(2*PI*t/8))`;
  await render(expr, spec.seconds, outPath, format, 'music', opts);
}

/** A synthetic effect: a falling tone with a noise burst, both decaying over the length asked. */
export async function makeSfx(
  spec: { seconds: number; seed: number },
  outPath: string,
  format: PlaceholderAudioFormat,
  opts: MediaOptions = {},
): Promise<void> {
  const f0 = 220 + unit(spec.seed, 3) * 440;
  const d = num(spec.seconds);
  const noise = num(0.15 + unit(spec.seed, 4) * 0.2);
  const expr = `0.45*exp(-3*t/${d})*sin(2*PI*${num(f0)}*(1-0.4*t/${d})*t)+${noise}*exp(-6*t/${d})*(2*random(0)-1)`;
  await render(expr, spec.seconds, outPath, format, 'sound effect', opts);
}
