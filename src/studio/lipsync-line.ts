import type { Task } from '../capabilities/types.js';
import { padAudioToTimeline } from '../media/pad-audio.js';
import type { MediaRecord } from '../store/media.js';
import type { Studio } from './studio.js';
import { renderTakeOf, sourceMediaOf } from './takes.js';

/** Where a padded line came from (kept in the derived item's `extra.padded_line`). */
interface PaddedLine {
  media_id: string;
  audio_id: string | null;
  offset_seconds: number;
  total_seconds: number;
}

/** Below this, an offset or a length difference is not worth a padded copy (about one video frame). */
const FRAME = 0.04;

/**
 * Lip-sync changes the lips, not the edit. Lip-sync models return a clip exactly as long as the audio they get, so
 * a shot's line is sent placed on the shot's timeline — silence up to its offset, the line, silence to the end of
 * the take — and the synced take keeps the shot's length and the line its place. (InfiniteTalk bills at least 5 s
 * per job, so a short line in a short shot costs the same either way.)
 */
export class LipsyncLines {
  constructor(private readonly studio: Studio) {}

  /** The call's arguments with `audio` replaced by the line on the shot's timeline, where that is needed. */
  async prepare(task: Task, args: Record<string, unknown>, signal?: AbortSignal): Promise<{ args: Record<string, unknown>; warnings: string[] }> {
    const { store } = this.studio;
    const unchanged = { args, warnings: [] };
    if ((task !== 'lipsync_video' && task !== 'lipsync_image') || typeof args.shot_id !== 'string') return unchanged;
    const shot = store.shots.get(args.shot_id);
    if (!shot) return unchanged; // the planner names the unknown shot
    const lines = store.shots.audio(shot.shot_id);
    const given = typeof args.audio === 'string' ? args.audio : undefined;
    const line = given ? lines.find((l) => l.media_id === given) : lines[lines.length - 1];
    const audioId = given ?? line?.media_id;
    const audio = audioId ? store.media.get(audioId) : undefined;
    if (audio?.type !== 'voice' || !audio.duration) return unchanged; // the planner reports what is wrong
    const warnings: string[] = [];
    if (!given && lines.length > 1) {
      warnings.push(
        `the shot has ${lines.length} dialogue lines; lip-synced the latest ('${line?.audio_id}'); the others stay in the mix (pass audio to sync another)`,
      );
    }

    const offset = line?.offset_seconds ?? 0;
    const total = Math.max(this.baseLength(task, args, shot.shot_id) ?? 0, offset + audio.duration);
    if (offset < FRAME && Math.abs(total - audio.duration) < FRAME) return { args, warnings };
    const padded = await this.padded(
      audio,
      { media_id: audio.media_id, audio_id: line?.audio_id ?? null, offset_seconds: offset, total_seconds: total },
      shot.shot_id,
      signal,
    );
    return { args: { ...args, audio: padded.media_id }, warnings };
  }

  /** How long the synced take must be: the video being synced, else the shot's take, else its planned length. */
  private baseLength(task: Task, args: Record<string, unknown>, shotId: string): number | undefined {
    const { store } = this.studio;
    if (task === 'lipsync_video' && typeof args.video === 'string') return store.media.get(args.video)?.duration ?? undefined;
    const shot = store.shots.get(shotId);
    if (!shot) return undefined;
    const take = renderTakeOf(store, shot);
    if (take) return sourceMediaOf(store, take.media).duration ?? undefined;
    return shot.duration ?? undefined;
  }

  /** The padded copy of a line, made once per (line, offset, length) and reused by later syncs. */
  private async padded(audio: MediaRecord, pad: PaddedLine, shotId: string, signal?: AbortSignal): Promise<MediaRecord> {
    const { store, library } = this.studio;
    const same = (p: unknown): boolean => {
      const q = p as Partial<PaddedLine> | undefined;
      return !!q && Math.abs((q.offset_seconds ?? -1) - pad.offset_seconds) < 1e-6 && Math.abs((q.total_seconds ?? -1) - pad.total_seconds) < 1e-6;
    };
    const existing = store.media.children(audio.media_id).find((m) => m.origin === 'derived' && same(m.extra['padded_line']));
    if (existing) return existing;
    const tmp = store.blobs.tempPath('.wav');
    try {
      await padAudioToTimeline(library.absPath(audio), pad.offset_seconds, pad.total_seconds, tmp, signal ? { signal } : {});
      return await library.addFile(tmp, 'audio/wav', {
        origin: 'derived',
        parent_media_id: audio.media_id,
        shot_id: shotId,
        character_id: audio.character_id,
        input_params: { ...pad },
        extra: { padded_line: { ...pad } },
      });
    } finally {
      await store.blobs.remove(tmp);
    }
  }
}

/** The line a lip-synced video carries: its audio input, or the line that audio was padded from. */
export function syncedLineOf(studio: Pick<Studio, 'store'>, lipsynced: MediaRecord): string | undefined {
  const audioId = lipsynced.input_params['audio'];
  if (typeof audioId !== 'string') return undefined;
  const padded = studio.store.media.get(audioId)?.extra['padded_line'] as Partial<PaddedLine> | undefined;
  return typeof padded?.media_id === 'string' ? padded.media_id : audioId;
}
