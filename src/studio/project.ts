import { invalidInput, notFound } from '../errors.js';
import type { Character } from '../store/characters.js';
import type { Film, RenderSettings, Scene } from '../store/films.js';
import type { Shot, ShotInput } from '../store/shots.js';
import type { Studio } from './studio.js';

/**
 * Characters, films, scenes and shots: validation of references, ordering, and change notifications. Every
 * method checks everything before it writes, so a refused call leaves the database as it was.
 */
export class Project {
  constructor(private readonly studio: Studio) {}

  private get store() {
    return this.studio.store;
  }

  private checkImages(ids: string[] | undefined, field: string): void {
    ids?.forEach((id, i) => this.studio.library.resolveInput(id, `${field}[${i}]`, 'image'));
  }

  private checkModel(model: string | null | undefined): void {
    // '' is a value to check, not an absent one (it would be stored and break the shot's generations later).
    if (model !== undefined && model !== null) this.studio.registry.require(model, 'model', 'video_generate');
  }

  // ---- characters ----

  character(id: string, field = 'character_id'): Character {
    const c = this.store.characters.get(id);
    if (!c) throw notFound('character', id, field);
    return c;
  }

  createCharacter(input: { name: string; reference_images?: string[]; voice_id?: string | null; style_tokens?: string | null }): Character {
    this.checkImages(input.reference_images, 'reference_images');
    const c = this.store.characters.create(input);
    this.studio.events.created('studio://characters', `studio://characters/${c.character_id}`);
    return c;
  }

  updateCharacter(id: string, patch: { name?: string; reference_images?: string[]; voice_id?: string | null; style_tokens?: string | null }): Character {
    this.character(id);
    this.checkImages(patch.reference_images, 'reference_images');
    const c = this.store.characters.update(id, patch) as Character;
    this.studio.events.changed('studio://characters', `studio://characters/${id}`);
    return c;
  }

  deleteCharacter(id: string): void {
    this.character(id);
    this.store.characters.delete(id);
    this.studio.events.created('studio://characters');
  }

  // ---- films ----

  film(id: string, field = 'film_id'): Film {
    const f = this.store.films.get(id);
    if (!f) throw notFound('film', id, field);
    return f;
  }

  createFilm(input: { title: string; description?: string | null; settings?: RenderSettings }): Film {
    const f = this.store.films.create(input);
    this.studio.events.created(`studio://films/${f.film_id}`);
    return f;
  }

  updateFilm(id: string, patch: { title?: string; description?: string | null; settings?: RenderSettings }): Film {
    this.film(id);
    const f = this.store.films.update(id, patch) as Film;
    this.studio.events.changed(`studio://films/${id}`);
    return f;
  }

  deleteFilm(id: string): void {
    this.film(id);
    this.store.films.delete(id);
    this.studio.events.created(`studio://films/${id}`);
  }

  // ---- scenes ----

  scene(id: string, field = 'scene_id'): Scene {
    const s = this.store.scenes.get(id);
    if (!s) throw notFound('scene', id, field);
    return s;
  }

  createScene(input: { title: string; description?: string | null; film_id?: string | null; position?: number; settings?: RenderSettings }): Scene {
    if (input.film_id) this.film(input.film_id);
    const s = this.store.tx(() => this.store.scenes.create(input));
    this.studio.events.created(`studio://scenes/${s.scene_id}`, ...(s.film_id ? [`studio://films/${s.film_id}`] : []));
    return s;
  }

  updateScene(id: string, patch: { title?: string; description?: string | null; settings?: RenderSettings; film_id?: string | null; position?: number }): Scene {
    const cur = this.scene(id);
    if (patch.film_id) this.film(patch.film_id);
    const s = this.store.tx(() => this.store.scenes.update(id, patch) as Scene);
    this.studio.events.changed(`studio://scenes/${id}`, ...[cur.film_id, s.film_id].filter((x): x is string => !!x).map((f) => `studio://films/${f}`));
    return s;
  }

  deleteScene(id: string): void {
    const s = this.scene(id);
    this.store.tx(() => this.store.scenes.delete(id));
    this.studio.events.created(`studio://scenes/${id}`, ...(s.film_id ? [`studio://films/${s.film_id}`] : []));
  }

  reorderScenes(filmId: string, sceneIds: string[]): Scene[] {
    this.film(filmId);
    const current = this.store.scenes.list(filmId).map((s) => s.scene_id);
    sameSet(current, sceneIds, 'scene_ids', `the film's scenes`);
    this.store.tx(() => this.store.scenes.reorder(filmId, sceneIds));
    this.studio.events.changed(`studio://films/${filmId}`);
    return this.store.scenes.list(filmId);
  }

  // ---- shots ----

  shot(id: string, field = 'shot_id'): Shot {
    const s = this.store.shots.get(id);
    if (!s) throw notFound('shot', id, field);
    return s;
  }

  createShot(sceneId: string, input: ShotInput & { position?: number }): Shot {
    this.scene(sceneId);
    this.checkModel(input.model);
    if (input.character_id !== undefined && input.character_id !== null) this.character(input.character_id);
    const s = this.store.tx(() => this.store.shots.create(sceneId, input));
    this.studio.events.changed(`studio://scenes/${sceneId}`);
    return s;
  }

  updateShot(id: string, patch: ShotInput): Shot {
    const cur = this.shot(id);
    this.checkModel(patch.model);
    // '' must be refused here: stored, it breaks the foreign key and surfaces as an internal error.
    if (patch.character_id !== undefined && patch.character_id !== null) this.character(patch.character_id);
    const s = this.store.shots.update(id, patch) as Shot;
    this.studio.events.changed(`studio://scenes/${cur.scene_id}`);
    return s;
  }

  deleteShot(id: string): void {
    const cur = this.shot(id);
    this.store.tx(() => this.store.shots.delete(id));
    this.studio.events.changed(`studio://scenes/${cur.scene_id}`);
  }

  reorderShots(sceneId: string, shotIds: string[]): Shot[] {
    this.scene(sceneId);
    const current = this.store.shots.listByScene(sceneId).map((s) => s.shot_id);
    sameSet(current, shotIds, 'shot_ids', `the scene's shots`);
    this.store.tx(() => this.store.shots.reorder(sceneId, shotIds));
    this.studio.events.changed(`studio://scenes/${sceneId}`);
    return this.store.shots.listByScene(sceneId);
  }

  /** Make an earlier take the shot's current one (takes are never deleted). */
  selectTake(shotId: string, takeNumber: number): Shot {
    const shot = this.shot(shotId);
    const take = this.store.shots.takes(shotId).find((t) => t.take_number === takeNumber);
    if (!take) {
      const have = this.store.shots.takes(shotId).map((t) => t.take_number);
      throw invalidInput(`shot '${shotId}' has no take ${takeNumber}; it has: ${have.join(', ') || 'none'}`, { field: 'take_number' });
    }
    this.store.shots.setCurrentTake(shotId, take.take_id);
    this.studio.events.changed(`studio://scenes/${shot.scene_id}`);
    return this.shot(shotId);
  }

  /** Make a library video (imported footage, a clip from elsewhere) a new take of a shot. */
  addTake(shotId: string, mediaId: string): { shot: Shot; take_number: number } {
    const shot = this.shot(shotId);
    this.studio.library.resolveInput(mediaId, 'media_id', 'video');
    const take = this.store.tx(() => this.store.shots.addTake(shotId, mediaId, 'imported'));
    this.studio.events.changed(`studio://scenes/${shot.scene_id}`);
    return { shot: this.shot(shotId), take_number: take.take_number };
  }

  /** Attach an existing voice item to a shot as a line of dialogue at an offset. */
  addDialogue(shotId: string, mediaId: string, offsetSeconds: number, gainDb: number, text: string | null) {
    const shot = this.shot(shotId);
    this.studio.library.resolveInput(mediaId, 'audio', 'audio');
    const a = this.store.shots.addAudio(shotId, mediaId, offsetSeconds, gainDb, text);
    this.studio.events.changed(`studio://scenes/${shot.scene_id}`);
    return a;
  }

  /** Detach a line of dialogue from a shot (the voice media stays in the library). */
  removeDialogue(shotId: string, audioId: string): void {
    const shot = this.shot(shotId);
    if (!this.store.shots.audio(shotId).some((a) => a.audio_id === audioId)) {
      throw invalidInput(`shot '${shotId}' has no dialogue line '${audioId}'`, { field: 'audio_id' });
    }
    this.store.shots.removeAudio(audioId);
    this.studio.events.changed(`studio://scenes/${shot.scene_id}`);
  }

  /** A scene as JSON: its shots in order, each with its current take, takes and dialogue. */
  sceneView(id: string): Record<string, unknown> {
    const scene = this.scene(id);
    const shots = this.store.shots.listByScene(id).map((shot) => {
      const takes = this.store.shots.takes(shot.shot_id);
      const current = takes.find((t) => t.take_id === shot.current_take_id) ?? null;
      const media = current ? this.store.media.get(current.media_id) : undefined;
      return {
        ...shot,
        current_take: current
          ? { ...current, duration: media?.duration ?? null, first_frame_id: media?.first_frame_id ?? null, last_frame_id: media?.last_frame_id ?? null, model: media?.model ?? null }
          : null,
        takes: takes.map((t) => ({ take_number: t.take_number, media_id: t.media_id, kind: t.kind })),
        dialogue: this.store.shots.audio(shot.shot_id),
      };
    });
    const render = this.store.renders.latest('scene', id);
    return { ...scene, shots, latest_render: render ? { render_id: render.render_id, media_id: render.media_id, created_at: render.created_at } : null };
  }

  filmView(id: string): Record<string, unknown> {
    const film = this.film(id);
    const scenes = this.store.scenes.list(id).map((s) => ({
      scene_id: s.scene_id,
      title: s.title,
      position: s.position,
      shot_count: this.store.shots.listByScene(s.scene_id).length,
    }));
    const render = this.store.renders.latest('film', id);
    return { ...film, scenes, latest_render: render ? { render_id: render.render_id, media_id: render.media_id, created_at: render.created_at } : null };
  }
}

function sameSet(current: string[], given: string[], field: string, what: string): void {
  const a = [...current].sort().join(',');
  const b = [...given].sort().join(',');
  if (a !== b || new Set(given).size !== given.length) {
    throw invalidInput(`'${field}' must list each of ${what} exactly once: ${current.join(', ') || '(none)'}`, { field });
  }
}
