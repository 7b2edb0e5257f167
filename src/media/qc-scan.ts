import { inputFile, runFfmpeg } from './ffmpeg.js';

export type Span = [start: number, end: number];

/** What one decoding pass over a rendered file measures (seconds from its start; loudness of the whole file). */
export interface MediaScan {
  black: Span[];
  frozen: Span[];
  silent: Span[];
  /** EBU R128 integrated loudness (LUFS); null when the file has no audio. */
  integratedLufs: number | null;
  /** True peak (dBFS); null without audio. */
  truePeakDb: number | null;
}

/** Thresholds: black = luma below 10 % for ≥ 0.5 s; frozen = no visible change for ≥ 1.5 s; silence below -50 dBFS for ≥ 0.3 s. */
const SCAN_FILTERS = {
  video: 'blackdetect=d=0.5:pix_th=0.10,freezedetect=n=0.003:d=1.5',
  audio: 'silencedetect=n=-50dB:d=0.3,ebur128=peak=true:framelog=verbose',
};

/**
 * One ffmpeg pass with the detection filters (their reports are info-level log lines, so this run alone raises the
 * log level). Intervals still open at the end close at `durationSeconds`.
 */
export async function scanMedia(file: string, durationSeconds: number, opts: { signal?: AbortSignal; hasAudio?: boolean } = {}): Promise<MediaScan> {
  const audio = opts.hasAudio !== false;
  const r = await runFfmpeg(
    [...inputFile(file), '-loglevel', 'info', '-vf', SCAN_FILTERS.video, ...(audio ? ['-af', SCAN_FILTERS.audio] : ['-an']), '-f', 'null', '-'],
    { ...(opts.signal ? { signal: opts.signal } : {}), what: 'render check' },
  );
  return parseScan(r.stderr, durationSeconds, audio);
}

/** Parse the detection filters' log lines (exported for tests of the parser on recorded output). */
export function parseScan(log: string, durationSeconds: number, hasAudio: boolean): MediaScan {
  const num = (re: RegExp): number[] => [...log.matchAll(re)].map((m) => Number(m[1]));
  const pair = (starts: number[], ends: number[]): Span[] => starts.map((s, i) => [s, ends[i] ?? durationSeconds]);
  const black = pair(num(/black_start:\s*([\d.]+)/g), num(/black_end:\s*([\d.]+)/g));
  const frozen = pair(num(/freeze_start:\s*([\d.]+)/g), num(/freeze_end:\s*([\d.]+)/g));
  const silent = pair(
    num(/silence_start:\s*(-?[\d.]+)/g).map((s) => Math.max(0, s)),
    num(/silence_end:\s*([\d.]+)/g),
  );
  const summary = log.slice(log.lastIndexOf('Summary:'));
  const i = /I:\s*(-?[\d.]+|-inf)\s*LUFS/.exec(summary)?.[1];
  const p = /Peak:\s*(-?[\d.]+|-inf)\s*dBFS/.exec(summary)?.[1];
  const val = (v: string | undefined): number | null => (v === undefined ? null : v === '-inf' ? -Infinity : Number(v));
  return { black, frozen, silent, integratedLufs: hasAudio ? val(i) : null, truePeakDb: hasAudio ? val(p) : null };
}
