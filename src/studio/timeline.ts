import type { MediaRecord } from '../store/media.js';
import type { Shot, Take } from '../store/shots.js';
import { INAUDIBLE_TAIL, type LineSpan } from './dialogue-fit.js';

/** One line as it plays in the render, in seconds from the start of the scene (or film). */
export interface TimelineLine {
  audio_id: string;
  start: number;
  end: number;
  /** Seconds of the line the end of its shot cuts off (absent when it plays whole). */
  cut?: number;
}

/** One shot as it plays in the render. */
export interface TimelineShot {
  /** 1-based place in the scene. */
  shot: number;
  shot_id: string;
  take: number;
  lipsync?: true;
  start: number;
  end: number;
  lines?: TimelineLine[];
}

export interface TimelineInput {
  shot: Shot;
  take: Take;
  media: MediaRecord;
  lipsync: boolean;
  lines: LineSpan[];
}

const r2 = (n: number): number => Math.round(n * 100) / 100;

/**
 * Where each shot and line lands in a scene, computed the way the renderer lays them out: a crossfade overlaps the
 * two shots by its length (the scene loses it), a fade through black and a cut keep the length; a line plays from
 * its offset until it ends or its shot does.
 */
export function sceneTimeline(shots: TimelineInput[], offset = 0): TimelineShot[] {
  const out: TimelineShot[] = [];
  let prevEnd = offset;
  for (const [i, u] of shots.entries()) {
    const d = u.media.duration ?? 0;
    const t = u.shot.transition;
    const start = i > 0 && t.type === 'crossfade' ? prevEnd - t.duration : prevEnd;
    const end = start + d;
    // A line that starts after its shot ends is not in the render (the scene's warnings say so).
    const lines = u.lines
      .filter((l) => l.start < d - INAUDIBLE_TAIL)
      .map((l): TimelineLine => {
        const s = start + l.start;
        const e = start + l.end;
        const cut = e - end;
        return { audio_id: l.audio_id, start: r2(s), end: r2(Math.min(e, end)), ...(cut > 0.02 ? { cut: r2(Math.min(cut, e - s)) } : {}) };
      });
    out.push({
      shot: u.shot.position + 1,
      shot_id: u.shot.shot_id,
      take: u.take.take_number,
      ...(u.lipsync ? { lipsync: true as const } : {}),
      start: r2(start),
      end: r2(end),
      ...(lines.length ? { lines } : {}),
    });
    prevEnd = end;
  }
  return out;
}
