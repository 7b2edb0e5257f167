import { mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** Shared pieces of the benchmarks: the result shape, timing, and the clip cache. */

/** One measured figure. */
export interface BenchResult {
  /** What was measured, e.g. "last frame, 1080p H.264, 300 s clip". */
  name: string;
  value: number;
  /** "ms", "x" (a ratio), "bool" (1 = yes). */
  unit: string;
  /** The target, as text ("<= 1.2"), when there is one. */
  target?: string;
  /** Whether the target was met. */
  pass?: boolean;
  /** How it was measured, caveats. */
  note?: string;
}

/** Median wall time in ms of `runs` runs of `fn` (after `warmup` unmeasured runs). */
export async function medianMs(fn: () => Promise<unknown>, runs = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

/** Where generated clips live between runs (STUDIO_BENCH_CACHE, default <tmp>/studio-bench-cache). */
export async function cacheDir(sub: string): Promise<string> {
  const dir = path.join(process.env.STUDIO_BENCH_CACHE ?? path.join(os.tmpdir(), 'studio-bench-cache'), sub);
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function exists(p: string): Promise<boolean> {
  try {
    return (await stat(p)).size > 0;
  } catch {
    return false;
  }
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * Time several functions round-robin (a, b, c, a, b, c, ...) so that load from other processes falls on all of
 * them alike; returns each one's median and the median of per-round ratios to the first.
 */
export async function interleaved(fns: (() => Promise<unknown>)[], runs = 7, warmup = 1): Promise<{ medians: number[]; ratios: number[] }> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const times: number[][] = fns.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (const [i, fn] of fns.entries()) {
      const t0 = performance.now();
      await fn();
      times[i]?.push(performance.now() - t0);
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? 0;
  };
  const base = times[0] ?? [];
  return {
    medians: times.map(median),
    ratios: times.map((ts) => median(ts.map((t, r) => t / (base[r] ?? 1)))),
  };
}

/** Shared with the tests (one builder of a bare job request). */
export { plainJobRequest } from '../test/helpers/job-request.js';
