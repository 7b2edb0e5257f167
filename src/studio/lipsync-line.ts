import { DEFAULT_MODELS } from '../capabilities/defaults.js';
import type { Task } from '../capabilities/types.js';
import { padAudioToTimeline } from '../media/pad-audio.js';
import type { MediaRecord } from '../store/media.js';
import type { Studio } from './studio.js';
import { mapAsync } from '../async-map.js';
import { renderTakeOf, sourceMediaOf } from './takes.js';
import { isTwoSpeaker, type LineRef, pickTwoLines } from './two-speakers.js';

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

  /**
   * The call's arguments with `audio` replaced by the line on the shot's timeline, where that is needed; for a
   * two-speaker model (InfiniteTalk multi), `left_audio` and `right_audio` both placed on it.
   * @param defaultModel the model used when the call names none (the studio's default offered model).
   */
  async prepare(
    task: Task,
    args: Record<string, unknown>,
    signal?: AbortSignal,
    defaultModel?: string,
  ): Promise<{ args: Record<string, unknown>; warnings: string[] }> {
    const { store } = this.studio;
    const unchanged = { args, warnings: [] };
    if ((task !== 'lipsync_video' && task !== 'lipsync_image') || typeof args.shot_id !== 'string') return unchanged;
    const shot = await store.shots.get(args.shot_id);
    if (!shot) return unchanged; // the planner names the unknown shot
    const cap = this.studio.registry.get(typeof args.model === 'string' ? args.model : (defaultModel ?? DEFAULT_MODELS[task]));
    if (isTwoSpeaker(cap)) return this.prepareTwo(task, args, shot.shot_id, signal);
    const lines = await store.shots.audio(shot.shot_id);
    const given = typeof args.audio === 'string' ? args.audio : undefined;
    const line = given ? lines.find((l) => l.media_id === given) : lines[lines.length - 1];
    const audioId = given ?? line?.media_id;
    const audio = audioId ? await store.media.get(audioId) : undefined;
    if (audio?.type !== 'voice' || !audio.duration) return unchanged; // the planner reports what is wrong
    const warnings: string[] = [];
    if (!given && lines.length > 1) {
      warnings.push(
        `the shot has ${lines.length} dialogue lines; lip-synced the latest ('${line?.audio_id}'); the others stay in the mix (pass audio to sync another)`,
      );
    }

    const offset = line?.offset_seconds ?? 0;
    const total = Math.max((await this.baseLength(task, args, shot.shot_id)) ?? 0, offset + audio.duration);
    // No padding needed: still name the chosen line, so the planner does not choose (and warn about) it again.
    if (offset < FRAME && Math.abs(total - audio.duration) < FRAME) return { args: { ...args, audio: audio.media_id }, warnings };
    const padded = await this.padded(
      audio,
      { media_id: audio.media_id, audio_id: line?.audio_id ?? null, offset_seconds: offset, total_seconds: total },
      shot.shot_id,
      signal,
    );
    return { args: { ...args, audio: padded.media_id }, warnings };
  }

  /**
   * Both speakers' lines, each on the shot's timeline (silence where the other speaks), played together
   * (`order: meanwhile`), so one take holds the whole exchange at the shot's length.
   */
  private async prepareTwo(
    task: Task,
    args: Record<string, unknown>,
    shotId: string,
    signal?: AbortSignal,
  ): Promise<{ args: Record<string, unknown>; warnings: string[] }> {
    const { store } = this.studio;
    const all = await store.shots.audio(shotId);
    const media = new Map<string, MediaRecord>();
    for (const l of all) {
      const m = await store.media.get(l.media_id);
      if (m) media.set(m.media_id, m);
    }
    const lines = all.filter((l) => media.get(l.media_id)?.type === 'voice');
    const given = {
      ...(typeof args.left_audio === 'string' ? { left: args.left_audio } : {}),
      ...(typeof args.right_audio === 'string' ? { right: args.right_audio } : {}),
    };
    // Given media that are not lines of the shot are looked up too (pickTwoLines asks for their speakers).
    for (const id of Object.values(given)) {
      const m = media.has(id) ? undefined : await store.media.get(id);
      if (m) media.set(id, m);
    }
    const pair = pickTwoLines(lines, (id) => media.get(id)?.character_id ?? null, given);
    if (!pair) {
      return {
        args,
        warnings: [`a two-speaker lip-sync needs two lines; shot '${shotId}' has ${lines.length} (add one with voice_tts(shot_id: "${shotId}"))`],
      };
    }
    if (args.order !== undefined && args.order !== 'meanwhile') {
      // One track after the other: the lines' places on the timeline cannot be kept, so they go as they are.
      return {
        args: { ...args, left_audio: pair.left.media_id, right_audio: pair.right.media_id },
        warnings: [`order '${String(args.order)}' plays the lines one after the other: the take does not keep their places on the shot's timeline`],
      };
    }
    const audios = await mapAsync([pair.left, pair.right], (r) => store.media.get(r.media_id));
    if (audios.some((a) => a?.type !== 'voice' || !a.duration)) return { args, warnings: [] }; // the planner reports what is wrong
    const ends = [pair.left, pair.right].map((r, i) => (r.line?.offset_seconds ?? 0) + (audios[i]?.duration ?? 0));
    const total = Math.max((await this.baseLength(task, args, shotId)) ?? 0, ...ends);
    const place = async (r: LineRef, audio: MediaRecord): Promise<string> =>
      (
        await this.padded(
          audio,
          { media_id: audio.media_id, audio_id: r.line?.audio_id ?? null, offset_seconds: r.line?.offset_seconds ?? 0, total_seconds: total },
          shotId,
          signal,
        )
      ).media_id;
    const left = await place(pair.left, audios[0] as MediaRecord);
    const right = await place(pair.right, audios[1] as MediaRecord);
    const who = async (r: LineRef): Promise<string> => {
      const name = r.character_id ? (await store.characters.get(r.character_id))?.name : undefined;
      return `${r.line ? `line '${r.line.audio_id}'` : `'${r.media_id}'`}${name ? ` (${name})` : ''}`;
    };
    const warnings = [`two speakers: left ${await who(pair.left)}, right ${await who(pair.right)}; pass left_audio / right_audio to choose the sides`];
    const rest = lines.length - [pair.left, pair.right].filter((r) => r.line).length;
    if (rest > 0) warnings.push(`the shot has ${rest} more line(s); they stay in the mix, not lip-synced`);
    return { args: { ...args, left_audio: left, right_audio: right, order: 'meanwhile' }, warnings };
  }

  /** How long the synced take must be: the video being synced, else the shot's take, else its planned length. */
  private async baseLength(task: Task, args: Record<string, unknown>, shotId: string): Promise<number | undefined> {
    const { store } = this.studio;
    if (task === 'lipsync_video' && typeof args.video === 'string') return (await store.media.get(args.video))?.duration ?? undefined;
    const shot = await store.shots.get(shotId);
    if (!shot) return undefined;
    const take = await renderTakeOf(store, shot);
    if (take) return (await sourceMediaOf(store, take.media)).duration ?? undefined;
    return shot.duration ?? undefined;
  }

  /** The padded copy of a line, made once per (line, offset, length) and reused by later syncs. */
  private async padded(audio: MediaRecord, pad: PaddedLine, shotId: string, signal?: AbortSignal): Promise<MediaRecord> {
    const { store, library } = this.studio;
    const same = (p: unknown): boolean => {
      const q = p as Partial<PaddedLine> | undefined;
      return !!q && Math.abs((q.offset_seconds ?? -1) - pad.offset_seconds) < 1e-6 && Math.abs((q.total_seconds ?? -1) - pad.total_seconds) < 1e-6;
    };
    const existing = (await store.media.children(audio.media_id)).find((m) => m.origin === 'derived' && same(m.extra['padded_line']));
    if (existing) return existing;
    const tmp = store.blobs.tempPath('.wav');
    try {
      await store.blobs.withFile(library.absPath(audio), (file) =>
        padAudioToTimeline(file, pad.offset_seconds, pad.total_seconds, tmp, signal ? { signal } : {}),
      );
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

/** The lines a lip-synced video carries: its audio inputs (one, or left and right), or the lines they were padded from. */
export async function syncedLinesOf(studio: Pick<Studio, 'store'>, lipsynced: MediaRecord): Promise<string[]> {
  const out: string[] = [];
  for (const key of ['audio', 'left_audio', 'right_audio']) {
    const audioId = lipsynced.input_params[key];
    if (typeof audioId !== 'string') continue;
    const padded = (await studio.store.media.get(audioId))?.extra['padded_line'] as Partial<PaddedLine> | undefined;
    out.push(typeof padded?.media_id === 'string' ? padded.media_id : audioId);
  }
  return out;
}
