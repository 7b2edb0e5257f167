import { scanMedia, type MediaScan, type Span } from '../media/qc-scan.js';
import type { MediaRecord } from '../store/media.js';
import type { StaleCut } from './cuts.js';
import type { TimelineShot } from './timeline.js';

/** One thing found in a render, where it is, and the call that would fix it. */
export interface QcFinding {
  severity: 'error' | 'warning';
  check: 'duration' | 'black' | 'frozen' | 'silent_line' | 'loudness' | 'peak' | 'continuity' | 'size';
  /** Seconds from the start of the rendered file. */
  start?: number;
  end?: number;
  shot_id?: string;
  scene_id?: string;
  message: string;
  fix?: string;
}

export interface QcReport {
  ok: boolean;
  integrated_lufs: number | null;
  true_peak_db: number | null;
  findings: QcFinding[];
}

/** A shot of the render as the check sees it: where it plays, and whether its picture is a still by design. */
export interface QcShot extends TimelineShot {
  scene_id?: string;
  /** Placeholder stills (local/animatic cards) are frozen on purpose. */
  still: boolean;
  /** A fade through black into this shot (its black is meant), in seconds. */
  fadeIn?: number;
}

export interface QcExpect {
  width: number;
  height: number;
  /** The loudness target when normalisation was asked for (EBU R128, LUFS). */
  targetLufs?: number;
}

const r2 = (n: number): number => Math.round(n * 100) / 100;
const overlap = (a: Span, b: Span): number => Math.max(0, Math.min(a[1], b[1]) - Math.max(a[0], b[0]));
/** Loudness further than this from the target is reported (the single-pass normaliser lands within about 1 LU). */
const LUFS_TOLERANCE = 1.5;
/** Above this true peak the audio may clip on playback. */
const MAX_PEAK_DB = -0.5;

/**
 * Quality checks of a rendered scene or film against what the edit says it should be: its length, black or frozen
 * picture, lines that are silent, loudness and peaks, stale cuts and size. One decoding pass (scanMedia) measures;
 * this maps what it found back to shots and lines with the calls that fix them.
 */
export async function checkRender(
  file: string,
  media: MediaRecord,
  shots: QcShot[],
  stale: StaleCut[],
  expect: QcExpect,
  signal?: AbortSignal,
): Promise<QcReport> {
  const duration = media.duration ?? 0;
  const scan = await scanMedia(file, duration, { ...(signal ? { signal } : {}), hasAudio: media.has_audio !== false });
  return judge(scan, media, shots, stale, expect);
}

export function judge(scan: MediaScan, media: MediaRecord, shots: QcShot[], stale: StaleCut[], expect: QcExpect): QcReport {
  const findings: QcFinding[] = [];
  const duration = media.duration ?? 0;
  const planned = shots.length ? (shots[shots.length - 1] as QcShot).end : 0;
  const where = (span: Span): QcShot[] => shots.filter((s) => overlap(span, [s.start, s.end]) > 0.04);
  const at = (s: QcShot): Pick<QcFinding, 'shot_id' | 'scene_id'> => ({ shot_id: s.shot_id, ...(s.scene_id ? { scene_id: s.scene_id } : {}) });

  if (Math.abs(duration - planned) > 0.1) {
    findings.push({ severity: 'warning', check: 'duration', message: `the render is ${r2(duration)} s but its shots add up to ${r2(planned)} s` });
  }
  for (const span of scan.black) {
    // Black inside a fade through black is the fade.
    const meant = shots.some((s) => s.fadeIn !== undefined && span[0] >= s.start - s.fadeIn / 2 - 0.1 && span[1] <= s.start + s.fadeIn / 2 + 0.1);
    if (meant) continue;
    for (const s of where(span)) {
      findings.push({
        severity: 'error',
        check: 'black',
        start: r2(span[0]),
        end: r2(span[1]),
        ...at(s),
        message: `${r2(span[1] - span[0])} s of black picture in shot ${s.shot} ('${s.shot_id}')`,
        fix: `video_generate(shot_id: "${s.shot_id}")`,
      });
    }
  }
  for (const span of scan.frozen) {
    for (const s of where(span)) {
      const held = overlap(span, [s.start, s.end]);
      if (s.still || held < 1.5) continue;
      findings.push({
        severity: 'warning',
        check: 'frozen',
        start: r2(Math.max(span[0], s.start)),
        end: r2(Math.min(span[1], s.end)),
        ...at(s),
        message: `the picture of shot ${s.shot} ('${s.shot_id}') does not move for ${r2(held)} s`,
        fix: `video_generate(shot_id: "${s.shot_id}")`,
      });
    }
  }
  if (scan.integratedLufs !== null) {
    for (const s of shots) {
      for (const l of s.lines ?? []) {
        const len = l.end - l.start;
        if (len < 0.3) continue;
        const quiet = scan.silent.reduce((sum, sp) => sum + overlap(sp, [l.start, l.end]), 0);
        if (quiet >= 0.8 * len) {
          findings.push({
            severity: 'error',
            check: 'silent_line',
            start: l.start,
            end: l.end,
            ...at(s),
            message: `line '${l.audio_id}' of shot ${s.shot} is silent in the render`,
            fix: `shot_update_dialogue(audio_id: "${l.audio_id}", gain_db: 0), or voice it again`,
          });
        }
      }
    }
    if (expect.targetLufs !== undefined && Number.isFinite(scan.integratedLufs) && Math.abs(scan.integratedLufs - expect.targetLufs) > LUFS_TOLERANCE) {
      const d = scan.integratedLufs - expect.targetLufs;
      findings.push({
        severity: 'warning',
        check: 'loudness',
        message: `integrated loudness ${scan.integratedLufs} LUFS is ${r2(Math.abs(d))} LU ${d > 0 ? 'above' : 'below'} the target ${expect.targetLufs} LUFS`,
      });
    }
    if (scan.truePeakDb !== null && scan.truePeakDb > MAX_PEAK_DB) {
      findings.push({
        severity: 'warning',
        check: 'peak',
        message: `true peak ${scan.truePeakDb} dBFS: the audio may clip`,
        fix: 'render again with loudnorm: true',
      });
    }
  }
  for (const c of stale) {
    const s = shots.find((x) => x.shot_id === c.shot_id);
    findings.push({
      severity: 'warning',
      check: 'continuity',
      ...(s ? { start: s.start, end: s.start } : {}),
      shot_id: c.shot_id,
      message: c.reason,
      fix: c.fix.join(' then '),
    });
  }
  if (media.width !== null && media.height !== null && (media.width !== expect.width || media.height !== expect.height)) {
    findings.push({ severity: 'error', check: 'size', message: `the render is ${media.width}×${media.height}, not ${expect.width}×${expect.height}` });
  }
  return { ok: !findings.some((f) => f.severity === 'error'), integrated_lufs: scan.integratedLufs, true_peak_db: scan.truePeakDb, findings };
}
