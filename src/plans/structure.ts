import type PQueue from 'p-queue';
import { isNotFound } from './caller.js';
import type { RunContext, ShotView } from './context.js';
import { fingerprint } from './fingerprint.js';
import { ensureImage } from './images.js';
import type { ResolvedShot } from './validate.js';

/**
 * Make the studio's records match the plan — characters (with their reference images), the film, its scenes and
 * their shots, in order — creating what is missing, updating what changed and deleting what the plan dropped (never a
 * shot whose current take a person approved: that is kept and named in the run's warnings).
 * Records are cheap; nothing here generates video. Every stored id is checked against the studio first.
 */

async function exists(ctx: RunContext, tool: string, args: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  try {
    return await ctx.caller.call(tool, args);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function quietly(ctx: RunContext, tool: string, args: Record<string, unknown>): Promise<void> {
  try {
    await ctx.caller.call(tool, args);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** The shots of a scene whose current take a person approved (take_approve); none when the scene is gone. */
async function approvedShots(ctx: RunContext, sceneId: string): Promise<{ shot_id: string; take_number: number }[]> {
  const view = (await exists(ctx, 'scene_get', { scene_id: sceneId })) as unknown as SceneView | undefined;
  return (view?.shots ?? []).flatMap((s) => {
    const n = s.current_take?.take_number;
    return n !== undefined && s.takes.some((t) => t.take_number === n && t.approved) ? [{ shot_id: s.shot_id, take_number: n }] : [];
  });
}

export async function syncCharacters(ctx: RunContext, queue: PQueue, pendingImages: Map<string, Promise<string>>): Promise<void> {
  const { caller, state } = ctx;
  const listed = (await caller.call('character_list', {})).characters as { character_id: string }[];
  const existing = new Set(listed.map((c) => c.character_id));
  await Promise.all(
    ctx.plan.characters.map(async (c) => {
      const refs = await Promise.all(c.referenceImages.map((img) => queue.add(() => ensureImage(ctx, img, pendingImages)) as Promise<string>));
      const fields = { name: c.name, reference_images: refs, voice_id: c.voice_id ?? null, style_tokens: c.style_tokens ?? null };
      const fp = fingerprint(fields);
      const stored = state.state.characters[c.key];
      let id: string;
      if (stored && existing.has(stored.character_id)) {
        id = stored.character_id;
        if (stored.fp !== fp) {
          await caller.call('character_update', { character_id: id, ...fields });
          ctx.tally.characters.updated++;
          ctx.events.log(`character ${c.key}: updated`);
        } else ctx.tally.characters.reused++;
      } else {
        const r = (await caller.call('character_create', fields)) as { character: { character_id: string } };
        id = r.character.character_id;
        ctx.tally.characters.created++;
        ctx.events.log(`character ${c.key}: created (${id})`);
      }
      state.state.characters[c.key] = { character_id: id, fp };
      state.save();
      ctx.characters.set(c.key, { character_id: id, visual_fp: fingerprint({ name: c.name, refs, style: c.style_tokens ?? null }), voice_id: c.voice_id });
    }),
  );
}

export async function syncFilm(ctx: RunContext): Promise<void> {
  const { caller, state, plan } = ctx;
  const fields = { title: plan.film.title, description: plan.film.description ?? null, ...(plan.film.settings ? { settings: plan.film.settings } : {}) };
  const fp = fingerprint(fields);
  const stored = state.state.film;
  if (stored && (await exists(ctx, 'film_get', { film_id: stored.film_id }))) {
    ctx.filmId = stored.film_id;
    if (stored.fp !== fp) {
      await caller.call('film_update', { film_id: stored.film_id, ...fields });
      ctx.events.log(`film "${plan.film.title}": updated`);
    }
  } else {
    const r = (await caller.call('film_create', fields)) as { film: { film_id: string } };
    ctx.filmId = r.film.film_id;
    ctx.events.log(`film "${plan.film.title}": created (${ctx.filmId})`);
  }
  state.state.film = { film_id: ctx.filmId, fp };
  state.save();
}

/** The ids in `desired` order, followed by any others the studio has (kept, in their order). */
function ordered(desired: string[], current: string[]): string[] {
  const want = new Set(desired);
  return [...desired, ...current.filter((id) => !want.has(id))];
}

export async function syncScenes(ctx: RunContext): Promise<void> {
  const { caller, state, plan } = ctx;
  const planKeys = new Set(plan.scenes.map((s) => s.key));
  for (const [key, stored] of Object.entries(state.state.scenes)) {
    if (planKeys.has(key)) continue;
    const approved = (await approvedShots(ctx, stored.scene_id)).map((a) => `'${a.shot_id}' (take ${a.take_number})`);
    if (approved.length) {
      // A person's approval is not undone by a plan edit: the scene stays, no longer the plan's, and the run says so.
      ctx.tally.warnings.push(
        `scene ${key} is no longer in the plan but holds approved takes (shots ${approved.join(', ')}); it is kept in the film — delete it with ` +
          `scene_delete(scene_id: "${stored.scene_id}") if that is meant`,
      );
    } else await quietly(ctx, 'scene_delete', { scene_id: stored.scene_id });
    delete state.state.scenes[key];
    for (const [shotKey, shot] of Object.entries(state.state.shots)) if (shot.scene === key) delete state.state.shots[shotKey];
    state.save();
    ctx.events.log(`scene ${key}: ${approved.length ? 'kept (approved takes; no longer in the plan)' : 'deleted (no longer in the plan)'}`);
  }
  for (const scene of plan.scenes) {
    const fields = { title: scene.title, description: scene.description ?? null, ...(scene.settings ? { settings: scene.settings } : {}) };
    const fp = fingerprint(fields);
    const stored = state.state.scenes[scene.key];
    const view = stored ? ((await exists(ctx, 'scene_get', { scene_id: stored.scene_id })) as { film_id: string | null } | undefined) : undefined;
    let id: string;
    if (stored && view) {
      id = stored.scene_id;
      if (stored.fp !== fp || view.film_id !== ctx.filmId) {
        await caller.call('scene_update', { scene_id: id, ...fields, ...(view.film_id !== ctx.filmId ? { film_id: ctx.filmId } : {}) });
        ctx.events.log(`scene ${scene.key}: updated`);
      }
    } else {
      const r = (await caller.call('scene_create', { film_id: ctx.filmId, ...fields })) as { scene: { scene_id: string } };
      id = r.scene.scene_id;
      ctx.events.log(`scene ${scene.key}: created (${id})`);
    }
    state.state.scenes[scene.key] = { scene_id: id, fp };
    state.save();
    ctx.sceneIds.set(scene.key, id);
  }
  const film = (await caller.call('film_get', { film_id: ctx.filmId })) as { scenes: { scene_id: string }[] };
  const current = film.scenes.map((s) => s.scene_id);
  const want = ordered(
    plan.scenes.map((s) => ctx.sceneIds.get(s.key) as string),
    current,
  );
  if (want.length > plan.scenes.length)
    ctx.tally.warnings.push(
      `the film has ${want.length - plan.scenes.length} scene(s) that are not in the plan; they are kept (after the plan's scenes) and rendered into the film`,
    );
  if (want.join() !== current.join()) await caller.call('scene_reorder', { film_id: ctx.filmId, scene_ids: want });
}

function shotFields(ctx: RunContext, shot: ResolvedShot): Record<string, unknown> {
  return {
    title: shot.title ?? null,
    prompt: shot.prompt ?? null,
    model: shot.model,
    character_id: shot.characterKey ? (ctx.characters.get(shot.characterKey)?.character_id ?? null) : null,
    duration: shot.duration ?? null,
    params: shot.params,
    transition: shot.transition,
    // Recorded on the shot so a new take upstream reports this cut as stale (and the render lists it).
    continues: shot.predecessor !== undefined,
    fit_to_dialogue: shot.fitToDialogue,
    ...(shot.fitToDialogue ? { dialogue_padding_seconds: shot.padding ?? 0.5 } : {}),
  };
}

interface SceneView {
  shots: {
    shot_id: string;
    duration: number | null;
    current_take: { take_number: number } | null;
    takes: ShotView['takes'];
    dialogue: { audio_id: string; media_id: string }[];
  }[];
}

export async function sceneShots(ctx: RunContext, sceneId: string): Promise<SceneView['shots']> {
  return ((await ctx.caller.call('scene_get', { scene_id: sceneId })) as unknown as SceneView).shots;
}

export async function syncShots(ctx: RunContext): Promise<void> {
  const { caller, state, plan } = ctx;
  const sceneOf = new Map(plan.scenes.flatMap((s) => s.shots.map((x) => [x.key, s.key] as const)));
  for (const [key, stored] of Object.entries(state.state.shots)) {
    const scene = sceneOf.get(key);
    if (scene === stored.scene) continue;
    // Dropped from the plan, or moved to another scene (a shot cannot change scenes: it is made again there).
    const why = scene === undefined ? 'no longer in the plan' : `moved to scene ${scene}`;
    const sceneId = state.state.scenes[stored.scene]?.scene_id;
    const approved = sceneId ? (await approvedShots(ctx, sceneId)).find((a) => a.shot_id === stored.shot_id) : undefined;
    if (approved) {
      // A person's approval is not undone by a plan edit: the shot stays where it is, no longer the plan's.
      ctx.tally.warnings.push(
        `shot ${stored.scene}/${key} is ${why} but its current take ${approved.take_number} is approved; it is kept — delete it with ` +
          `shot_delete(shot_id: "${stored.shot_id}") if that is meant`,
      );
    } else await quietly(ctx, 'shot_delete', { shot_id: stored.shot_id });
    delete state.state.shots[key];
    state.save();
    ctx.events.log(`shot ${stored.scene}/${key}: ${approved ? `kept (approved take; ${why})` : `deleted (${why})`}`);
  }
  for (const scene of plan.scenes) {
    const sceneId = ctx.sceneIds.get(scene.key) as string;
    const present = new Set((await sceneShots(ctx, sceneId)).map((s) => s.shot_id));
    for (const shot of scene.shots) {
      const fields = shotFields(ctx, shot);
      // Off is left out of the fingerprint, so the records of plans written before fit_to_dialogue stay reused.
      const fp = fingerprint({ ...fields, fit_to_dialogue: shot.fitToDialogue || undefined });
      const stored = state.state.shots[shot.key];
      if (stored && !present.has(stored.shot_id)) {
        // Deleted by someone else (or moved away by hand): make it again here.
        await quietly(ctx, 'shot_delete', { shot_id: stored.shot_id });
        delete state.state.shots[shot.key];
      }
      const kept = state.state.shots[shot.key];
      if (kept) {
        if (kept.record_fp !== fp) {
          await caller.call('shot_update', { shot_id: kept.shot_id, ...fields });
          kept.record_fp = fp;
        }
      } else {
        const r = (await caller.call('shot_create', { scene_id: sceneId, ...fields })) as { shot: { shot_id: string } };
        state.state.shots[shot.key] = { shot_id: r.shot.shot_id, scene: scene.key, record_fp: fp };
        ctx.events.log(`shot ${scene.key}/${shot.key}: created (${r.shot.shot_id})`);
      }
      state.save();
      ctx.shotIds.set(shot.key, state.state.shots[shot.key]?.shot_id as string);
    }
    const views = await sceneShots(ctx, sceneId);
    const current = views.map((v) => v.shot_id);
    const want = ordered(
      scene.shots.map((s) => ctx.shotIds.get(s.key) as string),
      current,
    );
    if (want.length > scene.shots.length)
      ctx.tally.warnings.push(
        `scene ${scene.key} has ${want.length - scene.shots.length} shot(s) that are not in the plan; they are kept after the plan's shots`,
      );
    if (want.join() !== current.join()) await caller.call('shot_reorder', { scene_id: sceneId, shot_ids: want });
    for (const v of views) {
      ctx.views.set(v.shot_id, {
        shot_id: v.shot_id,
        current_take_number: v.current_take?.take_number ?? null,
        duration: v.duration,
        takes: v.takes,
        dialogue: v.dialogue.map((d) => ({ audio_id: d.audio_id, media_id: d.media_id })),
      });
    }
  }
}
