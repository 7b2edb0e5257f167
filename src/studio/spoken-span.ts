import type { MediaRecord } from '../store/media.js';

/**
 * Where the words of a line's audio start and end, in seconds from the start of its file: the voice's own timings
 * (`extra.speech`, from ElevenLabs' character alignment) when the media has them, else the whole file. A voice file
 * often ends in silence; timing lines by the words keeps that silence from overlapping the next line or the shot's end.
 */
export function spokenSpan(media: Pick<MediaRecord, 'duration' | 'extra'> | undefined): { start: number; end: number } {
  const duration = media?.duration ?? 0;
  const speech = media?.extra['speech'];
  if (typeof speech === 'object' && speech !== null) {
    const { start, end } = speech as Record<string, unknown>;
    if (typeof start === 'number' && typeof end === 'number' && Number.isFinite(start) && Number.isFinite(end) && start >= 0 && end > start) {
      // The file is the truth about length: timings past its end (a trimmed or re-encoded file) are clamped to it.
      return duration > 0 ? { start: Math.min(start, duration), end: Math.min(end, duration) } : { start, end };
    }
  }
  return { start: 0, end: duration };
}
