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

function inputsOf(r: RenderRecord): Json[] {
  return Array.isArray(r.inputs) ? (r.inputs as Json[]) : [];
}

function pick(all: RenderRecord[], matches: (inputs: Json[]) => boolean): RenderStatus | null {
  const current = all.find((r) => matches(inputsOf(r)));
  const shown = current ?? all[0];
  return shown ? { render: shown, stale: !current } : null;
}

/** Each shot of the scene with the media the film shows for it now (current take, or its lip-sync). */
async function shownNow(store: Store, sceneId: string): Promise<{ shot_id: string; media_id: string | undefined }[]> {
  return mapAsync(await store.shots.listByScene(sceneId), async (s) => ({ shot_id: s.shot_id, media_id: (await renderTakeOf(store, s))?.media.media_id }));
}

function sameShots(now: { shot_id: string; media_id: string | undefined }[], used: Json[]): boolean {
  return used.length === now.length && now.every((n, i) => used[i]?.shot_id === n.shot_id && used[i]?.media_id === n.media_id);
}

export async function sceneRenderStatus(store: Store, sceneId: string): Promise<RenderStatus | null> {
  const now = await shownNow(store, sceneId);
  return pick(await store.renders.list('scene', sceneId), (used) => sameShots(now, used));
}

/** Whether a scene render made from `used` (each shot and the media it showed, in order) shows the edit as it is now. */
export async function sceneShowsEdit(store: Store, sceneId: string, used: { shot_id: string; media_id: string }[]): Promise<boolean> {
  return sameShots(await shownNow(store, sceneId), used);
}

/**
 * A film render is current when each scene it joined, in order, is a render of that scene that shows the scene's
 * edit as it is now (whichever of the scene's current renders: the film renders its scenes to the film's settings,
 * and a scene may also have been rendered on its own since).
 */
export async function filmRenderStatus(store: Store, filmId: string): Promise<RenderStatus | null> {
  const scenes = await scenesNow(store, filmId);
  return pick(await store.renders.list('film', filmId), (used) => sameScenes(scenes, used));
}

/** Whether a film render made from `used` (each scene and the scene render it joined, in order) shows the edit as it is now. */
export async function filmShowsEdit(store: Store, filmId: string, used: { scene_id: string; media_id: string }[]): Promise<boolean> {
  return sameScenes(await scenesNow(store, filmId), used);
}

/** Each scene of the film with the media of its renders that show its edit as it is now. */
async function scenesNow(store: Store, filmId: string): Promise<{ scene_id: string; current: Set<string> }[]> {
  return mapAsync(await store.scenes.list(filmId), async (s) => {
    const now = await shownNow(store, s.scene_id);
    const renders = await store.renders.list('scene', s.scene_id);
    return { scene_id: s.scene_id, current: new Set(renders.filter((r) => sameShots(now, inputsOf(r))).map((r) => r.media_id)) };
  });
}

function sameScenes(scenes: { scene_id: string; current: Set<string> }[], used: Json[]): boolean {
  return used.length === scenes.length && scenes.every((s, i) => used[i]?.scene_id === s.scene_id && s.current.has(String(used[i]?.media_id)));
}

/** A render status as scene_get and film_get report it. */
export function renderSummary(st: RenderStatus | null): { render_id: string; media_id: string; created_at: string; stale: boolean } | null {
  return st ? { render_id: st.render.render_id, media_id: st.render.media_id, created_at: st.render.created_at, stale: st.stale } : null;
}
