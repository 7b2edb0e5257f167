import type { MediaRecord } from '../store/media.js';
import type { Store } from '../store/index.js';
import type { Shot, Take } from '../store/shots.js';

export interface RenderTake {
  take: Take;
  media: MediaRecord;
  /** The take is a lip-synced version (its own audio carries the synced line). */
  lipsync: boolean;
}

/**
 * The take a render uses for a shot: the current take, or the newest lip-synced version of it. One rule for the
 * renderer, the continuity checks and use_last_frame, so "the last frame of shot N" means the frame the film shows.
 */
export async function renderTakeOf(store: Store, shot: Shot): Promise<RenderTake | undefined> {
  const takes = await store.shots.takes(shot.shot_id);
  const current = takes.find((t) => t.take_id === shot.current_take_id);
  if (!current) return undefined;
  let synced: Take | undefined;
  for (const t of takes) if (t.kind === 'lipsync' && (await store.media.get(t.media_id))?.parent_media_id === current.media_id) synced = t;
  const take = synced ?? current;
  const media = await store.media.get(take.media_id);
  if (!media) return undefined;
  return { take, media, lipsync: take.kind === 'lipsync' };
}

/** The generated (or imported) video a lip-synced version was made from: lip-syncs are never stacked. */
export async function sourceMediaOf(store: Store, media: MediaRecord): Promise<MediaRecord> {
  let m = media;
  for (let hops = 0; hops < 16 && m.parent_media_id && m.origin === 'generated' && m.extra['lipsync'] === true; hops++) {
    const parent = await store.media.get(m.parent_media_id);
    if (!parent) break;
    m = parent;
  }
  return m;
}

/** Lip-sync takes of a shot that the current take no longer uses (they were made from an earlier take). */
export async function orphanedLipsyncs(store: Store, shot: Shot): Promise<{ take: Take; source_take_number: number | null }[]> {
  const takes = await store.shots.takes(shot.shot_id);
  const current = takes.find((t) => t.take_id === shot.current_take_id);
  if (!current || current.kind === 'lipsync') return [];
  const byMedia = new Map(takes.map((t) => [t.media_id, t]));
  const out: { take: Take; source_take_number: number | null }[] = [];
  for (const t of takes) {
    if (t.kind !== 'lipsync') continue;
    const parent = (await store.media.get(t.media_id))?.parent_media_id;
    if (parent === current.media_id) continue;
    out.push({ take: t, source_take_number: parent ? (byMedia.get(parent)?.take_number ?? null) : null });
  }
  return out;
}
