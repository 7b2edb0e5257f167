import { invalidInput, notFound } from '../errors.js';
import type { Character } from '../store/characters.js';
import type { Film, RenderSettings, Scene } from '../store/films.js';
import type { Shot, ShotAudio, ShotInput } from '../store/shots.js';
import { dialogueWarnings, fitShotToDialogue, refitShot } from './dialogue-fit.js';
import { syncedLinesOf } from './lipsync-line.js';
import { reportNewTake, type TakeReport } from './take-report.js';
import { renderTakeOf } from './takes.js';
import { filmRenderStatus, renderSummary, sceneRenderStatus } from './render-status.js';
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

  private async checkImages(ids: string[] | undefined, field: string): Promise<void> {
    for (const [i, id] of (ids ?? []).entries()) await this.studio.library.resolveInput(id, `${field}[${i}]`, 'image');
  }

  private checkModel(model: string | null | undefined): void {
    // '' is a value to check, not an absent one (it would be stored and break the shot's generations later).
    if (model !== undefined && model !== null) this.studio.registry.require(model, 'model', 'video_generate');
  }

  // ---- characters ----

  async character(id: string, field = 'character_id'): Promise<Character> {
    const c = await this.store.characters.get(id);
    if (!c) throw notFound('character', id, field);
    return c;
  }

  async createCharacter(input: { name: string; reference_images?: string[]; voice_id?: string | null; style_tokens?: string | null }): Promise<Character> {
    await this.checkImages(input.reference_images, 'reference_images');
    const c = await this.store.characters.create(input);
    this.studio.events.created('studio://characters', `studio://characters/${c.character_id}`);
    return c;
  }

  async updateCharacter(
    id: string,
    patch: { name?: string; reference_images?: string[]; voice_id?: string | null; style_tokens?: string | null },
  ): Promise<Character> {
    await this.character(id);
    await this.checkImages(patch.reference_images, 'reference_images');
    const c = (await this.store.characters.update(id, patch)) as Character;
    this.studio.events.changed('studio://characters', `studio://characters/${id}`);
    return c;
  }

  /**
   * Delete a character. Shots that use it would silently lose their character (and with it the references and voice
   * injected into their next takes), so that is refused unless `force` says so; the result names those shots.
   */
  async deleteCharacter(id: string, force = false): Promise<{ detached_shots: string[] }> {
    await this.character(id);
    const users = await this.store.shots.listByCharacter(id);
    const shotIds = users.map((u) => u.shot_id);
    if (shotIds.length && !force) {
      throw invalidInput(
        `character '${id}' is used by ${shotIds.length} shot(s): ${shotIds.join(', ')}; give those shots another character (shot_update(shot_id, ` +
          `character_id)), or call character_delete(character_id: "${id}", force: true) to detach it from them`,
        { field: 'character_id' },
      );
    }
    const scenes = new Set(users.map((s) => s.scene_id));
    await this.store.characters.delete(id);
    this.studio.events.created('studio://characters');
    for (const sc of scenes) this.studio.events.changed(`studio://scenes/${sc}`);
    return { detached_shots: shotIds };
  }

  // ---- films ----

  async film(id: string, field = 'film_id'): Promise<Film> {
    const f = await this.store.films.get(id);
    if (!f) throw notFound('film', id, field);
    return f;
  }

  async createFilm(input: { title: string; description?: string | null; settings?: RenderSettings }): Promise<Film> {
    const f = await this.store.films.create(input);
    this.studio.events.created(`studio://films/${f.film_id}`);
    return f;
  }

  async updateFilm(id: string, patch: { title?: string; description?: string | null; settings?: RenderSettings }): Promise<Film> {
    await this.film(id);
    const f = (await this.store.films.update(id, patch)) as Film;
    this.studio.events.changed(`studio://films/${id}`);
    return f;
  }

  async deleteFilm(id: string): Promise<void> {
    await this.film(id);
    await this.store.films.delete(id);
    this.studio.events.created(`studio://films/${id}`);
  }

  // ---- scenes ----

  async scene(id: string, field = 'scene_id'): Promise<Scene> {
    const s = await this.store.scenes.get(id);
    if (!s) throw notFound('scene', id, field);
    return s;
  }

  async createScene(input: {
    title: string;
    description?: string | null;
    film_id?: string | null;
    position?: number;
    settings?: RenderSettings;
  }): Promise<Scene> {
    if (input.film_id) await this.film(input.film_id);
    const s = await this.store.scenes.create(input);
    this.studio.events.created(`studio://scenes/${s.scene_id}`, ...(s.film_id ? [`studio://films/${s.film_id}`] : []));
    return s;
  }

  async updateScene(
    id: string,
    patch: { title?: string; description?: string | null; settings?: RenderSettings; film_id?: string | null; position?: number },
  ): Promise<Scene> {
    const cur = await this.scene(id);
    if (patch.film_id) await this.film(patch.film_id);
    const s = (await this.store.scenes.update(id, patch)) as Scene;
    this.studio.events.changed(`studio://scenes/${id}`, ...[cur.film_id, s.film_id].filter((x): x is string => !!x).map((f) => `studio://films/${f}`));
    return s;
  }

  async deleteScene(id: string): Promise<void> {
    const s = await this.scene(id);
    await this.store.scenes.delete(id);
    this.studio.events.created(`studio://scenes/${id}`, ...(s.film_id ? [`studio://films/${s.film_id}`] : []));
  }

  async reorderScenes(filmId: string, sceneIds: string[]): Promise<Scene[]> {
    await this.film(filmId);
    const current = (await this.store.scenes.list(filmId)).map((s) => s.scene_id);
    sameSet(current, sceneIds, 'scene_ids', `the film's scenes`);
    await this.store.scenes.reorder(filmId, sceneIds);
    this.studio.events.changed(`studio://films/${filmId}`);
    return this.store.scenes.list(filmId);
  }

  // ---- shots ----

  async shot(id: string, field = 'shot_id'): Promise<Shot> {
    const s = await this.store.shots.get(id);
    if (!s) throw notFound('shot', id, field);
    return s;
  }

  /** What only makes sense after another shot (continuing from it, a transition from it) is refused on a first shot. */
  private checkFirstShot(position: number, input: ShotInput): void {
    if (position !== 0) return;
    if (input.continues)
      throw invalidInput(`the first shot of a scene cannot continue from a previous shot ('continues' needs a shot before it)`, { field: 'continues' });
    if (input.transition && input.transition.type !== 'cut') {
      throw invalidInput(
        `a ${input.transition.type} into the first shot of a scene has no shot to come from; put it on the next shot, or give scenes a film-level fade in ` +
          `the render settings`,
        { field: 'transition', accepts: 'cut (on a first shot)' },
      );
    }
  }

  async createShot(sceneId: string, input: ShotInput & { position?: number }): Promise<Shot> {
    await this.scene(sceneId);
    const count = (await this.store.shots.listByScene(sceneId)).length;
    this.checkFirstShot(input.position === undefined ? count : Math.min(input.position, count), input);
    this.checkModel(input.model);
    if (input.character_id !== undefined && input.character_id !== null) await this.character(input.character_id);
    const s = await this.store.shots.create(sceneId, input);
    this.studio.events.changed(`studio://scenes/${sceneId}`);
    return s;
  }

  async updateShot(id: string, patch: ShotInput): Promise<Shot> {
    const cur = await this.shot(id);
    this.checkFirstShot(cur.position, patch);
    this.checkModel(patch.model);
    // '' must be refused here: stored, it breaks the foreign key and surfaces as an internal error.
    if (patch.character_id !== undefined && patch.character_id !== null) await this.character(patch.character_id);
    let s = (await this.store.shots.update(id, patch)) as Shot;
    // A shot that follows its lines keeps doing so whatever else changed (its model, the padding, a duration given).
    if (s.fit_to_dialogue && (await this.store.shots.audio(id)).length) {
      await fitShotToDialogue(this.store, this.studio.registry, id);
      s = await this.shot(id);
    }
    this.studio.events.changed(`studio://scenes/${cur.scene_id}`);
    return s;
  }

  /** Record whether a shot continues from the previous one (starts on its last frame). */
  async setContinues(id: string, continues: boolean): Promise<Shot> {
    const cur = await this.shot(id);
    if (cur.continues === continues) return cur;
    if (continues && cur.position === 0) {
      throw invalidInput(`shot '${id}' is the first shot of its scene, so it cannot continue from a previous shot`, { field: 'continues' });
    }
    const s = (await this.store.shots.update(id, { continues })) as Shot;
    this.studio.events.changed(`studio://scenes/${cur.scene_id}`);
    return s;
  }

  async deleteShot(id: string): Promise<void> {
    const cur = await this.shot(id);
    await this.store.shots.delete(id);
    this.studio.events.changed(`studio://scenes/${cur.scene_id}`);
  }

  async reorderShots(sceneId: string, shotIds: string[]): Promise<Shot[]> {
    await this.scene(sceneId);
    const current = (await this.store.shots.listByScene(sceneId)).map((s) => s.shot_id);
    sameSet(current, shotIds, 'shot_ids', `the scene's shots`);
    await this.store.shots.reorder(sceneId, shotIds);
    this.studio.events.changed(`studio://scenes/${sceneId}`);
    return this.store.shots.listByScene(sceneId);
  }

  /** Make an earlier take the shot's current one (takes are never deleted). */
  async selectTake(shotId: string, takeNumber: number): Promise<{ shot: Shot; report: TakeReport }> {
    const shot = await this.shot(shotId);
    const takes = await this.store.shots.takes(shotId);
    const take = takes.find((t) => t.take_number === takeNumber);
    if (!take) {
      const have = takes.map((t) => t.take_number);
      throw invalidInput(`shot '${shotId}' has no take ${takeNumber}; it has: ${have.join(', ') || 'none'}`, { field: 'take_number' });
    }
    await this.store.shots.setCurrentTake(shotId, take.take_id);
    this.studio.events.changed(`studio://scenes/${shot.scene_id}`);
    return { shot: await this.shot(shotId), report: await reportNewTake(this.store, shotId) };
  }

  /** Make a library video (imported footage, a clip from elsewhere) a new take of a shot. */
  async addTake(shotId: string, mediaId: string): Promise<{ shot: Shot; take_number: number; report: TakeReport }> {
    const shot = await this.shot(shotId);
    await this.studio.library.resolveInput(mediaId, 'media_id', 'video');
    const take = await this.store.shots.addTake(shotId, mediaId, 'imported');
    this.studio.events.changed(`studio://scenes/${shot.scene_id}`);
    return { shot: await this.shot(shotId), take_number: take.take_number, report: await reportNewTake(this.store, shotId) };
  }

  /** Attach an existing voice item to a shot as a line of dialogue at an offset. */
  async addDialogue(
    shotId: string,
    mediaId: string,
    offsetSeconds: number,
    gainDb: number,
    text: string | null,
    extend = false,
  ): Promise<{ line: ShotAudio; warnings: string[] }> {
    const shot = await this.shot(shotId);
    await this.studio.library.resolveInput(mediaId, 'audio', 'audio');
    const line = await this.store.shots.addAudio(shotId, mediaId, offsetSeconds, gainDb, text);
    const warnings = await this.fitLines(shotId, extend);
    this.studio.events.changed(`studio://scenes/${shot.scene_id}`);
    return { line, warnings };
  }

  /** Move a line within its shot or change its level. */
  async updateDialogue(
    audioId: string,
    patch: { offset_seconds?: number; gain_db?: number },
    extend = false,
  ): Promise<{ line: ShotAudio; warnings: string[] }> {
    const cur = await this.store.shots.getAudio(audioId);
    if (!cur) throw notFound('dialogue line', audioId, 'audio_id');
    const line = (await this.store.shots.updateAudio(audioId, patch)) as ShotAudio;
    const warnings = await this.fitLines(cur.shot_id, extend);
    const shot = await this.shot(cur.shot_id);
    const synced = await renderTakeOf(this.store, shot);
    if (
      patch.offset_seconds !== undefined &&
      patch.offset_seconds !== cur.offset_seconds &&
      synced?.lipsync &&
      (await syncedLinesOf(this.studio, synced.media)).includes(cur.media_id)
    ) {
      warnings.push(`the shot's lip-sync was made with this line at ${cur.offset_seconds} s; redo it: lipsync_video(shot_id: "${shot.shot_id}")`);
    }
    this.studio.events.changed(`studio://scenes/${shot.scene_id}`);
    return { line, warnings };
  }

  /** After a line changed: lengthen the shot when asked, then say what still does not fit. */
  private async fitLines(shotId: string, extend: boolean): Promise<string[]> {
    const warnings = await refitShot(this.store, this.studio.registry, shotId, extend);
    return [...warnings, ...(await dialogueWarnings(this.store, await this.shot(shotId)))];
  }

  /** Detach a line of dialogue from a shot (the voice media stays in the library). */
  async removeDialogue(shotId: string, audioId: string): Promise<string[]> {
    const shot = await this.shot(shotId);
    if (!(await this.store.shots.audio(shotId)).some((a) => a.audio_id === audioId)) {
      throw invalidInput(`shot '${shotId}' has no dialogue line '${audioId}'`, { field: 'audio_id' });
    }
    await this.store.shots.removeAudio(audioId);
    const warnings = await this.fitLines(shotId, false);
    this.studio.events.changed(`studio://scenes/${shot.scene_id}`);
    return warnings;
  }

  /** A scene as JSON: its shots in order, each with its current take, takes and dialogue. */
  async sceneView(id: string): Promise<Record<string, unknown>> {
    const scene = await this.scene(id);
    const shots = [];
    for (const shot of await this.store.shots.listByScene(id)) {
      const takes = await this.store.shots.takes(shot.shot_id);
      const current = takes.find((t) => t.take_id === shot.current_take_id) ?? null;
      const media = current ? await this.store.media.get(current.media_id) : undefined;
      shots.push({
        ...shot,
        // A person's approval (take_approve): plan runs keep an approved current take.
        approved_take_id: takes.find((t) => t.approved_at !== null)?.take_id ?? null,
        current_take: current
          ? {
              ...current,
              duration: media?.duration ?? null,
              first_frame_id: media?.first_frame_id ?? null,
              last_frame_id: media?.last_frame_id ?? null,
              model: media?.model ?? null,
            }
          : null,
        takes: takes.map((t) => ({ take_number: t.take_number, media_id: t.media_id, kind: t.kind, approved: t.approved_at !== null })),
        dialogue: await this.store.shots.audio(shot.shot_id),
      });
    }
    const beds = await this.store.beds.list('scene', id);
    return {
      ...scene,
      shots,
      ...(beds.length ? { beds } : {}),
      latest_render: renderSummary(await sceneRenderStatus(this.store, id)),
    };
  }

  async filmView(id: string): Promise<Record<string, unknown>> {
    const film = await this.film(id);
    const scenes = [];
    for (const s of await this.store.scenes.list(id)) {
      scenes.push({ scene_id: s.scene_id, title: s.title, position: s.position, shot_count: (await this.store.shots.listByScene(s.scene_id)).length });
    }
    const beds = await this.store.beds.list('film', id);
    return {
      ...film,
      scenes,
      ...(beds.length ? { beds } : {}),
      latest_render: renderSummary(await filmRenderStatus(this.store, id)),
    };
  }
}

function sameSet(current: string[], given: string[], field: string, what: string): void {
  const a = [...current].sort().join(',');
  const b = [...given].sort().join(',');
  if (a !== b || new Set(given).size !== given.length) {
    throw invalidInput(`'${field}' must list each of ${what} exactly once: ${current.join(', ') || '(none)'}`, { field });
  }
}
