import { mapAsync } from '../async-map.js';
import type { Store } from '../store/index.js';
import type { RenderRecord } from '../store/renders.js';
import { renderTakeOf } from './takes.js';

/**
 * Which render of a scene or film shows the edit as it is now. A render is reused, not made again, when the edit
 * comes back to one made before, so the render to show is the one whose inputs (each shot's take, each scene's
 * render, in order) are the current ones; when none is, the newest, marked stale so nobody mistakes it for the
 * edit. One answer for scene_get/film_get and the storyboard.
 */
export interface RenderStatus {
  render: RenderRecord;
  /** The render no longer shows the current takes (scene) or the current scene renders (film). */
  stale: boolean;
}

type Json = Record<string, unknown>;

function pick(all: RenderRecord[], matches: (inputs: Json[]) => boolean): RenderStatus | null {
  const current = all.find((r) => matches(Array.isArray(r.inputs) ? (r.inputs as Json[]) : []));
  const shown = current ?? all[0];
  return shown ? { render: shown, stale: !current } : null;
}

export async function sceneRenderStatus(store: Store, sceneId: string): Promise<RenderStatus | null> {
  const now = await mapAsync(await store.shots.listByScene(sceneId), async (s) => ({
    shot_id: s.shot_id,
    media_id: (await renderTakeOf(store, s))?.media.media_id,
  }));
  return pick(
    await store.renders.list('scene', sceneId),
    (used) => used.length === now.length && now.every((n, i) => used[i]?.shot_id === n.shot_id && used[i]?.media_id === n.media_id),
  );
}

/**
 * A film render is current when it joins the current render of every scene, in order. `scenes` are the film's
 * scenes with their statuses when the caller has them already (the storyboard), else they are looked up.
 */
export async function filmRenderStatus(
  store: Store,
  filmId: string,
  scenes?: { scene_id: string; render: { media_id: string; stale: boolean } | null }[],
): Promise<RenderStatus | null> {
  const ofScenes =
    scenes ??
    (await mapAsync(await store.scenes.list(filmId), async (s) => {
      const st = await sceneRenderStatus(store, s.scene_id);
      return { scene_id: s.scene_id, render: st ? { media_id: st.render.media_id, stale: st.stale } : null };
    }));
  const ready = ofScenes.every((s) => s.render && !s.render.stale);
  return pick(
    await store.renders.list('film', filmId),
    (used) =>
      ready && used.length === ofScenes.length && ofScenes.every((s, i) => used[i]?.scene_id === s.scene_id && used[i]?.media_id === s.render?.media_id),
  );
}

/** A render status as scene_get and film_get report it. */
export function renderSummary(st: RenderStatus | null): { render_id: string; media_id: string; created_at: string; stale: boolean } | null {
  return st ? { render_id: st.render.render_id, media_id: st.render.media_id, created_at: st.render.created_at, stale: st.stale } : null;
}
