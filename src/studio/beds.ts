import { invalidInput, notFound } from '../errors.js';
import type { BedSpec, DuckSpan } from '../media/render/beds.js';
import type { AudioBed, BedTarget, NewBed } from '../store/beds.js';
import type { Studio } from './studio.js';

/**
 * Audio beds of scenes and films: attaching them (checked: the target exists, the media is readable audio) and
 * turning them into what the renderer takes, with the part of a render's identity they contribute.
 */

/** A bed as a caller gives it: the stored record less what the store and the target supply. */
export type BedInput = Omit<NewBed, 'target_kind' | 'target_id'>;

export async function addBed(studio: Studio, kind: BedTarget, targetId: string, b: BedInput): Promise<{ bed: AudioBed; warnings: string[] }> {
  if (kind === 'scene') await studio.project.scene(targetId);
  else await studio.project.film(targetId);
  const media = await studio.library.get(b.media_id, 'media_id');
  if (media.type !== 'voice') {
    throw invalidInput(
      `media '${b.media_id}' is ${media.type === 'image' ? 'an image' : 'a video'}; a bed takes audio (from music_generate, sfx_generate, voice_tts or an ` +
        `imported audio file)`,
      { field: 'media_id' },
    );
  }
  if (media.extra['unreadable_media'] || !(media.duration && media.duration > 0)) {
    throw invalidInput(`media '${b.media_id}' is not readable audio with a length; it cannot be mixed`, { field: 'media_id' });
  }
  const warnings: string[] = [];
  if (b.role === 'sfx' && b.loop) warnings.push(`the sfx bed loops until the end of the ${kind}; pass loop: false to play it once`);
  const bed = await studio.store.beds.add({ target_kind: kind, target_id: targetId, ...b });
  studio.events.changed(kind === 'scene' ? `studio://scenes/${targetId}` : `studio://films/${targetId}`);
  return { bed, warnings };
}

export async function removeBed(studio: Studio, kind: BedTarget, bedId: string): Promise<AudioBed> {
  const bed = await studio.store.beds.get(bedId);
  if (!bed || bed.target_kind !== kind) throw notFound(`${kind} audio bed`, bedId, 'bed_id');
  await studio.store.beds.remove(bedId);
  studio.events.changed(kind === 'scene' ? `studio://scenes/${bed.target_id}` : `studio://films/${bed.target_id}`);
  return bed;
}

/**
 * The beds of a scene or film as the renderer takes them, and their part of the render hash (file hashes and every
 * setting), so changing a bed re-renders and an unchanged one is reused. A bed whose file went missing is named with
 * the call that detaches it.
 */
export async function bedsForRender(studio: Studio, kind: BedTarget, targetId: string): Promise<{ specs: BedSpec[]; hash: unknown[] }> {
  const specs: BedSpec[] = [];
  const hash: unknown[] = [];
  for (const b of await studio.store.beds.list(kind, targetId)) {
    const m = await studio.store.media.get(b.media_id);
    if (!m || !studio.store.blobs.present(m.file_path)) {
      throw invalidInput(
        `audio bed '${b.bed_id}' of ${kind} '${targetId}': its media '${b.media_id}' has no file in the studio folder; detach it with ` +
          `${kind}_remove_audio(bed_id: "${b.bed_id}")`,
        { field: 'bed_id' },
      );
    }
    specs.push({
      path: studio.library.absPath(m),
      offsetSeconds: b.offset_seconds,
      gainDb: b.gain_db,
      fadeInSeconds: b.fade_in,
      fadeOutSeconds: b.fade_out,
      loop: b.loop,
      duck: b.duck,
      durationSeconds: m.duration ?? 0,
    });
    hash.push([m.sha256, b.offset_seconds, b.gain_db, b.fade_in, b.fade_out, b.loop, b.duck]);
  }
  return { specs, hash };
}

/** Beds that a render of `totalSeconds` cannot play (they start at or after its end): said, not silently dropped. */
export async function bedsPastEnd(studio: Studio, kind: BedTarget, targetId: string, totalSeconds: number): Promise<string[]> {
  return (await studio.store.beds.list(kind, targetId))
    .filter((b) => b.offset_seconds >= totalSeconds)
    .map(
      (b) =>
        `audio bed '${b.bed_id}' starts at ${b.offset_seconds} s, after the end of the ${kind} (${totalSeconds.toFixed(2)} s), so it is not heard; ` +
        `move it with ${kind}_remove_audio and ${kind}_add_audio`,
    );
}

/** Dialogue spans of a timeline (scene or film seconds): where ducked beds go down. */
export function duckSpansOf(shots: readonly { lines?: readonly { start: number; end: number }[] }[]): DuckSpan[] {
  return shots.flatMap((s) => (s.lines ?? []).map((l) => ({ start: l.start, end: l.end })));
}
