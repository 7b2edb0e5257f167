import path from 'node:path';
import { StudioError } from '../../errors.js';
import type { MediaOptions } from '../encode.js';
import { inputFile, outputFile, runFfmpeg } from '../ffmpeg.js';
import { writeThroughTemp } from '../../temp.js';
import { num } from '../filters.js';
import { probe } from '../probe.js';

/**
 * Placeholder speech: a buzzy voiced tone with syllable-rate amplitude modulation, long as the words would take to
 * say. Different seeds (voices) get different pitches, so two characters are audibly two voices.
 */

/** Speaking rate assumed for placeholder speech. */
export const WORDS_PER_SECOND = 2.5;

/** What to "say". */
export interface VoiceSpec {
  text: string;
  /** Voice identity; the same seed gives the same pitch. */
  seed?: number;
}

/** Audio container/codec of a placeholder voice. */
export type VoiceFormat = 'mp3' | 'wav';

/** Seconds a text takes at WORDS_PER_SECOND, at least 1 s. */
export function speechSeconds(text: string): number {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '').length;
  return Math.max(1, words / WORDS_PER_SECOND);
}

/** A stable non-negative seed from any string (e.g. a voice id): FNV-1a. */
export function seedFromString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function unit(seed: number): number {
  return (Math.abs(Math.floor(seed)) % 1000) / 1000;
}

function audioCodecArgs(outPath: string, format?: VoiceFormat): string[] {
  const ext = (format ?? path.extname(outPath).slice(1)).toLowerCase();
  if (ext === 'mp3') return ['-c:a', 'libmp3lame', '-q:a', '4', '-f', 'mp3'];
  if (ext === 'wav') return ['-c:a', 'pcm_s16le', '-f', 'wav'];
  return ['-c:a', 'aac', '-b:a', '128k', '-f', 'ipod'];
}

/** Placeholder speech for `text` into `outPath` as mp3 or wav (mono, 44.1 kHz). */
export async function makeVoice(spec: VoiceSpec, outPath: string, format: VoiceFormat, opts: MediaOptions = {}): Promise<void> {
  if (spec.text.trim() === '') throw new StudioError('invalid_input', 'text to speak is empty', { field: 'text' });
  const D = speechSeconds(spec.text);
  const f0 = 95 + unit(spec.seed ?? 0) * 160;
  const syll = 3.6 + unit((spec.seed ?? 0) * 7 + 3) * 1.2;
  // Three harmonics, a slow pitch wobble, syllable pulses, and a word-level swell; numbers only (no user text).
  const expr =
    `0.3*(sin(2*PI*${num(f0)}*t*(1+0.03*sin(2*PI*0.45*t)))+0.5*sin(4*PI*${num(f0)}*t)+0.25*sin(6*PI*${num(f0)}*t))` +
    `*pow(abs(sin(PI*${num(syll)}*t)),1.5)*(0.65+0.35*sin(2*PI*0.37*t))`;
  await writeThroughTemp(outPath, '.' + format, async (out) => {
    await runFfmpeg(['-f', 'lavfi', '-i', `aevalsrc='${expr}':s=44100:d=${num(D)}`, '-ac', '1', ...audioCodecArgs(outPath, format), outputFile(out)], {
      signal: opts.signal,
      onProgress: opts.onProgress,
      expectedDurationSeconds: D,
      outputs: [out],
      what: 'voice',
    });
  });
}

/**
 * Voice-to-voice placeholder: the same audio, same length, with pitch and timbre shifted by a factor derived from
 * `seed` (resample to shift pitch, then time-stretch back). The output format follows `outPath`'s extension.
 */
export async function retimbre(audioIn: string, outPath: string, params: { seed: number }, opts: MediaOptions = {}): Promise<void> {
  const info = await probe(audioIn, { signal: opts.signal });
  if (!info.hasAudio || !info.sampleRate) {
    throw new StudioError('invalid_input', `${path.basename(audioIn)} has no audio track`, { field: 'audio' });
  }
  const sr = info.sampleRate;
  // 0.8..1.25, never ~1: the result must be audibly another voice.
  let k = 0.8 + unit(params.seed) * 0.45;
  if (Math.abs(k - 1) < 0.06) k = k < 1 ? 0.92 : 1.08;
  const ext = path.extname(outPath).slice(1).toLowerCase();
  await writeThroughTemp(outPath, '.' + (ext || 'm4a'), async (out) => {
    await runFfmpeg(
      [
        ...inputFile(audioIn),
        '-map',
        '0:a:0',
        '-af',
        `asetrate=${Math.round(sr * k)},aresample=${sr},atempo=${num(1 / k)}`,
        ...audioCodecArgs(outPath),
        outputFile(out),
      ],
      {
        signal: opts.signal,
        onProgress: opts.onProgress,
        expectedDurationSeconds: info.durationSeconds,
        outputs: [out],
        what: 'voice conversion',
      },
    );
  });
}
