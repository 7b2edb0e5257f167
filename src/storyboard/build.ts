import { createHash } from 'node:crypto';
import { mapAsync } from '../async-map.js';
import { estimateCost } from '../capabilities/pricing.js';
import type { Scene } from '../store/films.js';
import type { MediaRecord } from '../store/media.js';
import type { Shot } from '../store/shots.js';
import { lineSpans } from '../studio/dialogue-fit.js';
import type { Studio } from '../studio/studio.js';
import { renderTakeOf } from '../studio/takes.js';
import { filmRenderStatus, sceneRenderStatus } from '../studio/render-status.js';
import { frameUri } from './frames.js';
import type {
  Storyboard,
  StoryboardContinuity,
  StoryboardFrame,
  StoryboardJob,
  StoryboardLine,
  StoryboardRender,
  StoryboardScene,
  StoryboardShot,
  StoryboardTake,
} from './types.js';

export type StoryboardTarget = { kind: 'scene'; id: string } | { kind: 'film'; id: string };

/** Alt text stays short: the full prompt is already beside it, and structuredContent is copied into the model's context. */
const ALT_CHARS = 160;

const r2 = (n: number): number => Math.round(n * 100) / 100;
const mediaUri = (id: string): string => `studio://media/${id}`;
const previewUri = (id: string): string => `studio://media/${id}/preview`;

/**
 * The storyboard of a scene or a film from project state: each shot in order with its takes, the frames the film
 * shows, its lines with who speaks them, the cut into it, its cost estimate and any job making it. One builder for
 * storyboard_show, storyboard_get and the web page. Unknown ids fail with the field that named them.
 */
export async function buildStoryboard(studio: Studio, target: StoryboardTarget): Promise<Storyboard> {
  const { store, project } = studio;
  let title: string;
  let scenes: StoryboardScene[];
  let render: StoryboardRender | null = null;
  if (target.kind === 'scene') {
    const scene = await project.scene(target.id, 'scene_id');
    title = scene.title;
    scenes = [await sceneBoard(studio, scene)];
  } else {
    const film = await project.film(target.id, 'film_id');
    title = film.title;
    scenes = await mapAsync(await store.scenes.list(film.film_id), (s) => sceneBoard(studio, s));
    render = await filmRender(studio, film.film_id);
  }
  const costs = scenes.flatMap((s) => s.shots.map((x) => x.estimated_cost_usd));
  const body: Omit<Storyboard, 'version'> = {
    kind: target.kind,
    id: target.id,
    title,
    scenes,
    render,
    estimated_cost_usd: costs.some((c) => c === null) ? null : r2(costs.reduce<number>((a, c) => a + (c ?? 0), 0)),
    web_url: studio.webUrl(target.kind, target.id),
  };
  // The version covers everything shown (web_url included: a page that appears is a change a view may show).
  return { ...body, version: createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16) };
}

async function sceneBoard(studio: Studio, scene: Scene): Promise<StoryboardScene> {
  const shots = await mapAsync(await studio.store.shots.listByScene(scene.scene_id), (shot) => shotBoard(studio, shot));
  return { scene_id: scene.scene_id, title: scene.title, shots, render: await sceneRender(studio, scene.scene_id) };
}

async function shotBoard(studio: Studio, shot: Shot): Promise<StoryboardShot> {
  const { store } = studio;
  const takes = await store.shots.takes(shot.shot_id);
  const current = takes.find((t) => t.take_id === shot.current_take_id);
  const currentMedia = current ? await store.media.get(current.media_id) : undefined;
  const shown = await renderTakeOf(store, shot);
  const approved = takes.find((t) => t.approved_at !== null);
  const alt = altText(shot);
  return {
    shot_id: shot.shot_id,
    position: shot.position,
    title: shot.title,
    prompt: shot.prompt,
    model: shot.model ?? currentMedia?.model ?? null,
    duration_seconds: shot.duration ?? currentMedia?.duration ?? null,
    estimated_cost_usd: shotEstimate(studio, shot),
    current_take_id: current?.take_id ?? null,
    approved_take_id: approved?.take_id ?? null,
    first_frame: shown ? frame(shown.media, 'first', alt) : null,
    last_frame: shown ? frame(shown.media, 'last', alt) : null,
    takes: await mapAsync(takes, async (t): Promise<StoryboardTake> => {
      const m = await store.media.get(t.media_id);
      return {
        take_id: t.take_id,
        take_number: t.take_number,
        media_id: t.media_id,
        uri: mediaUri(t.media_id),
        preview_uri: previewUri(t.media_id),
        origin: t.kind,
        model: m?.model ?? null,
        duration_seconds: m?.duration ?? null,
        created_at: t.created_at,
        current: t.take_id === shot.current_take_id,
        approved: t.approved_at !== null,
        lipsync: t.kind === 'lipsync',
      };
    }),
    lines: await lines(studio, shot),
    continuity: await continuity(studio, shot),
    job: await job(studio, shot.shot_id),
  };
}

function altText(shot: Shot): string {
  // By code points, so a cut never splits a character in two.
  const what = [...(shot.prompt ?? shot.title ?? '')];
  const cut = what.length > ALT_CHARS ? `${what.slice(0, ALT_CHARS - 1).join('')}…` : what.join('');
  return `Shot ${shot.position + 1}${cut ? `: ${cut}` : ''}`;
}

/** A frame of what the film shows for the shot; none for a take whose file could not be read as video. */
function frame(media: MediaRecord, which: 'first' | 'last', alt: string): StoryboardFrame | null {
  if (media.type !== 'video' || media.extra['unreadable_media']) return null;
  return { thumb_uri: frameUri(media.media_id, which), full_uri: frameUri(media.media_id, which, true), alt: `${alt} (${which} frame)` };
}

/** What generating the shot again costs: its model's list price for its planned arguments (null when unknown). */
function shotEstimate(studio: Studio, shot: Shot): number | null {
  const cap = studio.registry.get(shot.model ?? studio.offered.defaultModel('video_generate'));
  if (!cap) return null;
  const values = { ...shot.params, ...(shot.duration !== null ? { duration: shot.duration } : {}) };
  return estimateCost(cap, values)?.usd ?? null;
}

async function lines(studio: Studio, shot: Shot): Promise<StoryboardLine[]> {
  const { store } = studio;
  return mapAsync(await lineSpans(store, shot), async (l) => {
    const characterId = (await store.media.get(l.media_id))?.character_id ?? null;
    return {
      line_id: l.audio_id,
      character_id: characterId,
      character_name: characterId ? ((await store.characters.get(characterId))?.name ?? null) : null,
      text: l.text ?? '',
      start_seconds: r2(l.start),
      end_seconds: Number.isFinite(l.end) ? r2(l.end) : null,
    };
  });
}

/** The cut into a shot, judged as render_scene and the continuity prompt judge it (src/studio/cuts.ts). */
async function continuity(studio: Studio, shot: Shot): Promise<StoryboardContinuity> {
  if (shot.position === 0) return { state: 'first', detail: 'First shot of the scene.' };
  if (!shot.continues) return { state: 'cut', detail: `Cuts to shot ${shot.position + 1} (it does not start on the previous shot's last frame).` };
  const stale = await studio.cuts.staleCut(shot);
  if (stale) return { state: 'stale', detail: `${capitalise(stale.reason)}; mend it: ${stale.fix.join(', then ')}.` };
  return { state: 'ok', detail: `Starts on the last frame of shot ${shot.position}.` };
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The oldest unfinished generation job that will make a take of the shot. */
async function job(studio: Studio, shotId: string): Promise<StoryboardJob | null> {
  const j = (await studio.store.jobs.unfinishedForShot(shotId))[0];
  if (!j) return null;
  const pct = j.status === 'queued' ? null : `${Math.round(j.progress * 100)}%`;
  const progress = [pct, j.message].filter((x): x is string => !!x).join(' ');
  return { job_id: j.job_id, state: j.status, progress: progress || null };
}

/** A render as the storyboard shows it; `stale` when the shots it was made from are no longer what the edit shows. */
async function renderOf(studio: Studio, mediaId: string, stale: boolean): Promise<StoryboardRender | null> {
  const media = await studio.store.media.get(mediaId);
  if (!media) return null;
  return { media_id: mediaId, uri: mediaUri(mediaId), preview_uri: previewUri(mediaId), duration_seconds: media.duration ?? 0, stale };
}

async function sceneRender(studio: Studio, sceneId: string): Promise<StoryboardRender | null> {
  const st = await sceneRenderStatus(studio.store, sceneId);
  return st ? renderOf(studio, st.render.media_id, st.stale) : null;
}

async function filmRender(studio: Studio, filmId: string): Promise<StoryboardRender | null> {
  const st = await filmRenderStatus(studio.store, filmId);
  return st ? renderOf(studio, st.render.media_id, st.stale) : null;
}
