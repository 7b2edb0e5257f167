import { z } from 'zod';

/**
 * EBU R128 loudness normalisation in two passes. One pass of ffmpeg's loudnorm guesses the whole programme's
 * loudness from its first seconds (dynamic mode), which left short scenes about 1 LU hot; measuring the mix first
 * and applying one linear gain in the second pass lands on the target and keeps the dynamics of the mix.
 */

/** Target of every normalised render: -16 LUFS integrated, -1.5 dBTP true peak, LRA 11 LU. */
export const LOUDNESS_TARGET = { i: -16, tp: -1.5, lra: 11 } as const;
const TARGET = `I=${LOUDNESS_TARGET.i}:TP=${LOUDNESS_TARGET.tp}:LRA=${LOUDNESS_TARGET.lra}`;

/** What loudnorm's first pass reports (print_format=json prints numbers as strings, "-inf" for silence). */
const MeasurementSchema = z.object({
  input_i: z.string(),
  input_tp: z.string(),
  input_lra: z.string(),
  input_thresh: z.string(),
  target_offset: z.string(),
});
export type LoudnessMeasurement = z.infer<typeof MeasurementSchema>;

/** The first pass's filter: measure only (its audio goes to a null output). */
export function measureFilter(): string {
  return `loudnorm=${TARGET}:print_format=json`;
}

/**
 * The second pass's filter, or undefined when the mix cannot be normalised: silence (loudness -inf) has no level to
 * raise, and raising room noise to -16 LUFS would be worse than leaving it.
 */
export function applyFilter(m: LoudnessMeasurement): string | undefined {
  const values = [m.input_i, m.input_tp, m.input_lra, m.input_thresh, m.target_offset].map(Number);
  if (!values.every(Number.isFinite) || Number(m.input_i) < -70) return undefined;
  return (
    `loudnorm=${TARGET}:measured_I=${m.input_i}:measured_TP=${m.input_tp}:measured_LRA=${m.input_lra}` +
    `:measured_thresh=${m.input_thresh}:offset=${m.target_offset}:linear=true`
  );
}

/** The JSON block loudnorm prints at the end of the first pass (the last `{ … }` in ffmpeg's log). */
export function parseMeasurement(log: string): LoudnessMeasurement | undefined {
  const end = log.lastIndexOf('}');
  const start = log.lastIndexOf('{', end);
  if (start < 0 || end < start) return undefined;
  try {
    const r = MeasurementSchema.safeParse(JSON.parse(log.slice(start, end + 1)));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
