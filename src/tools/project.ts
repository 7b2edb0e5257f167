import { z } from 'zod';
import { storyboardHint } from '../storyboard/hint.js';
import type { ToolDef } from './types.js';
import { idArg, mediaIdArg, zodTool } from './zod-tool.js';
import { deleted, dialogueLine, film, filmView, result, scene, sceneView, shot, takeReport, takeShot, warnings } from './output-shapes.js';

const settings = z
  .object({
    width: z.number().int().min(16).max(7680).optional(),
    height: z.number().int().min(16).max(4320).optional(),
    fps: z.number().min(1).max(120).optional(),
    sample_rate: z.number().int().min(8000).max(192000).optional(),
    loudnorm: z.boolean().optional().describe('Normalise loudness (EBU R128).'),
  })
  .strict()
  .describe("Render settings (else the film's, then the first shot's).");

const transition = z
  .object({
    type: z.enum(['cut', 'crossfade', 'fade_black']),
    duration: z.number().min(0).max(5).default(0.5).describe('Seconds (ignored for cut).'),
  })
  .strict()
  .describe('Transition from the previous shot into this one.');

const shotFields = {
  title: z.string().max(200).nullable().optional(),
  prompt: z
    .string()
    .min(1)
    .max(4000)
    // A blank prompt would reach video_generate as "no prompt"; refuse it here, where it is typed.
    .refine((s) => s.trim() !== '', { message: 'must not be blank: give the words that describe the shot, or null for none' })
    .nullable()
    .optional()
    .describe('Default video_generate prompt.'),
  model: z.string().nullable().optional().describe('Default video model, e.g. local/animatic.'),
  character_id: z.string().nullable().optional().describe('Character (injected into generation).'),
  duration: z.number().positive().max(600).nullable().optional().describe('Default clip length in seconds.'),
  params: z.record(z.string(), z.unknown()).optional().describe('Default model-specific video_generate arguments.'),
  transition: transition.optional(),
  continues: z.boolean().optional().describe("Starts on the previous shot's last frame (not on a first shot)."),
  fit_to_dialogue: z.boolean().optional().describe('Duration follows the lines.'),
  dialogue_padding_seconds: z.number().min(0).max(5).optional().describe('After the last line (0.5).'),
};

const offsetSeconds = z.number().min(0).max(600).describe('Seconds into the shot where the line starts.');
const gainDb = z.number().min(-60).max(20).describe('Level of the line in the scene mix, in dB.');
const fit = z.enum(['none', 'extend']).describe("'extend' lengthens the shot to hold its lines.");

/** A new current take's consequences elsewhere in the edit, in a result (nothing when there are none). */
function takeReportOut(r: { warnings: string[]; stale_shots: unknown[] }): Record<string, unknown> {
  return { ...(r.warnings.length ? { warnings: r.warnings } : {}), ...(r.stale_shots.length ? { stale_shots: r.stale_shots } : {}) };
}

const sceneLink = (id: string) => ({ uri: `studio://scenes/${id}`, name: `scene ${id}`, mimeType: 'application/json' });
const filmLink = (id: string) => ({ uri: `studio://films/${id}`, name: `film ${id}`, mimeType: 'application/json' });

const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;
const UPDATE = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const DELETE = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false } as const;
const READ = { readOnlyHint: true, openWorldHint: false } as const;

export const projectTools: ToolDef[] = [
  zodTool({
    name: 'film_create',
    title: 'Create a film',
    description: 'Create a film: an ordered list of scenes that render_film joins. Add scenes with scene_create(film_id=…).',
    annotations: WRITE,
    schema: z.object({ title: z.string().min(1).max(200), description: z.string().max(4000).nullable().optional(), settings: settings.optional() }),
    output: result({ film }),
    run: async (a, { studio }) => {
      const f = await studio.project.createFilm(a);
      return { result: { film: f }, links: [filmLink(f.film_id)] };
    },
  }),
  zodTool({
    name: 'film_update',
    title: 'Update a film',
    description: "Change a film's title, description or render settings.",
    annotations: UPDATE,
    schema: z.object({
      film_id: idArg('film'),
      title: z.string().min(1).max(200).optional(),
      description: z.string().max(4000).nullable().optional(),
      settings: settings.optional(),
    }),
    output: result({ film }),
    run: async ({ film_id, ...patch }, { studio }) => ({ result: { film: await studio.project.updateFilm(film_id, patch) }, links: [filmLink(film_id)] }),
  }),
  zodTool({
    name: 'film_delete',
    title: 'Delete a film',
    description: 'Delete a film. Its scenes are kept (detached) and can be added to another film.',
    annotations: DELETE,
    schema: z.object({ film_id: idArg('film') }),
    output: deleted,
    run: async ({ film_id }, { studio }) => {
      await studio.project.deleteFilm(film_id);
      return { result: { deleted: film_id } };
    },
  }),
  zodTool({
    name: 'film_get',
    title: 'Show a film',
    description: 'A film with its scenes in order and its latest render (as studio://films/{id}).',
    annotations: READ,
    schema: z.object({ film_id: idArg('film') }),
    output: filmView,
    run: async ({ film_id }, { studio }) => ({ result: await studio.project.filmView(film_id), links: [filmLink(film_id)] }),
  }),
  zodTool({
    name: 'film_list',
    title: 'List films',
    description: 'List every film with its id, title, description and render settings.',
    annotations: READ,
    schema: z.object({}),
    output: result({ films: z.array(film) }),
    run: async (_a, { studio }) => ({ result: { films: await studio.store.films.list() } }),
  }),
  zodTool({
    name: 'scene_create',
    title: 'Create a scene',
    description: 'Create a scene, optionally in a film at a 0-based position (default: appended); add shots with shot_create.',
    annotations: WRITE,
    schema: z.object({
      title: z.string().min(1).max(200),
      description: z.string().max(4000).nullable().optional(),
      film_id: z.string().min(1).optional().describe('Film to add the scene to.'),
      position: z.number().int().min(0).optional(),
      settings: settings.optional(),
    }),
    output: result({ scene }),
    run: async (a, { studio }) => {
      const s = await studio.project.createScene(a);
      return { result: { scene: s }, links: [sceneLink(s.scene_id)] };
    },
  }),
  zodTool({
    name: 'scene_update',
    title: 'Update a scene',
    description: "Change a scene's title, description or render settings, or move it to a film (film_id) at a position.",
    annotations: UPDATE,
    schema: z.object({
      scene_id: idArg('scene'),
      title: z.string().min(1).max(200).optional(),
      description: z.string().max(4000).nullable().optional(),
      film_id: z.string().min(1).optional(),
      position: z.number().int().min(0).optional(),
      settings: settings.optional(),
    }),
    output: result({ scene }),
    run: async ({ scene_id, ...patch }, { studio }) => ({ result: { scene: await studio.project.updateScene(scene_id, patch) }, links: [sceneLink(scene_id)] }),
  }),
  zodTool({
    name: 'scene_delete',
    title: 'Delete a scene',
    description: 'Delete a scene and its shots. Media (takes, renders) is kept in the library.',
    annotations: DELETE,
    schema: z.object({ scene_id: idArg('scene') }),
    output: deleted,
    run: async ({ scene_id }, { studio }) => {
      await studio.project.deleteScene(scene_id);
      return { result: { deleted: scene_id } };
    },
  }),
  zodTool({
    name: 'scene_reorder',
    title: 'Reorder the scenes of a film',
    description: "Order a film's scenes: scene_ids lists each of its scenes exactly once.",
    annotations: UPDATE,
    schema: z.object({ film_id: idArg('film'), scene_ids: z.array(z.string().min(1)).min(1) }),
    output: result({ scenes: z.array(scene) }),
    run: async ({ film_id, scene_ids }, { studio }) => ({
      result: { scenes: await studio.project.reorderScenes(film_id, scene_ids) },
      links: [filmLink(film_id)],
    }),
  }),
  zodTool({
    name: 'scene_get',
    title: 'Show a scene',
    description: 'A scene: its shots in order with current take, frames, takes and dialogue lines (as studio://scenes/{id}).',
    annotations: READ,
    schema: z.object({ scene_id: idArg('scene') }),
    output: sceneView,
    run: async ({ scene_id }, { studio }) => ({
      result: { ...(await studio.project.sceneView(scene_id)), storyboard: storyboardHint(studio, 'scene', scene_id) },
      links: [sceneLink(scene_id)],
    }),
  }),
  zodTool({
    name: 'shot_create',
    title: 'Create a shot',
    description:
      'Add a shot to a scene (appended, or at a 0-based position) holding video_generate defaults and its transition in; video_generate(shot_id) ' +
      'makes a take.',
    annotations: WRITE,
    schema: z.object({ scene_id: idArg('scene'), position: z.number().int().min(0).optional(), ...shotFields }),
    output: result({ shot }),
    run: async ({ scene_id, ...input }, { studio }) => {
      const s = await studio.project.createShot(scene_id, input);
      return { result: { shot: s }, links: [sceneLink(scene_id)] };
    },
  }),
  zodTool({
    name: 'shot_update',
    title: 'Update a shot',
    description: "Change a shot's defaults or its transition. Existing takes are kept; generate again for a new take.",
    annotations: UPDATE,
    schema: z.object({ shot_id: idArg('shot'), ...shotFields }),
    output: result({ shot }),
    run: async ({ shot_id, ...patch }, { studio }) => {
      const s = await studio.project.updateShot(shot_id, patch);
      return { result: { shot: s }, links: [sceneLink(s.scene_id)] };
    },
  }),
  zodTool({
    name: 'shot_delete',
    title: 'Delete a shot',
    description: 'Remove a shot from its scene. Its takes stay in the media library.',
    annotations: DELETE,
    schema: z.object({ shot_id: idArg('shot') }),
    output: deleted,
    run: async ({ shot_id }, { studio }) => {
      await studio.project.deleteShot(shot_id);
      return { result: { deleted: shot_id } };
    },
  }),
  zodTool({
    name: 'shot_reorder',
    title: 'Reorder the shots of a scene',
    description: "Order a scene's shots: shot_ids lists each of its shots exactly once.",
    annotations: UPDATE,
    schema: z.object({ scene_id: idArg('scene'), shot_ids: z.array(z.string().min(1)).min(1) }),
    output: result({ shots: z.array(shot) }),
    run: async ({ scene_id, shot_ids }, { studio }) => ({
      result: { shots: await studio.project.reorderShots(scene_id, shot_ids) },
      links: [sceneLink(scene_id)],
    }),
  }),
  zodTool({
    name: 'shot_select_take',
    title: 'Choose the take a shot uses',
    description: 'Make an earlier take (by take_number) the current one; renders and use_last_frame use the current take.',
    annotations: UPDATE,
    schema: z.object({ shot_id: idArg('shot'), take_number: z.number().int().min(1) }),
    output: result({ shot: takeShot, ...takeReport }),
    run: async ({ shot_id, take_number }, { studio }) => {
      const r = await studio.project.selectTake(shot_id, take_number);
      return { result: { shot: r.shot, ...takeReportOut(r.report) }, links: [sceneLink(r.shot.scene_id)] };
    },
  }),
  zodTool({
    name: 'shot_add_take',
    title: 'Use a library video as a take of a shot',
    description: 'Make a library video (e.g. imported footage) a new take of a shot, its current one.',
    annotations: WRITE,
    schema: z.object({ shot_id: idArg('shot'), media_id: mediaIdArg('the video') }),
    output: result({ shot: takeShot, take_number: z.number(), ...takeReport }),
    run: async ({ shot_id, media_id }, { studio }) => {
      const r = await studio.project.addTake(shot_id, media_id);
      return { result: { shot: r.shot, take_number: r.take_number, ...takeReportOut(r.report) }, links: [sceneLink(r.shot.scene_id)] };
    },
  }),
  zodTool({
    name: 'shot_add_dialogue',
    title: 'Attach a line of dialogue to a shot',
    description: 'Attach a voice item to a shot at offset_seconds for render_scene to mix (voice_tts/voice_v2v with shot_id do it themselves).',
    annotations: WRITE,
    schema: z.object({
      shot_id: idArg('shot'),
      audio: mediaIdArg('the voice clip'),
      offset_seconds: offsetSeconds.default(0),
      gain_db: gainDb.default(0),
      text: z.string().max(5000).nullable().optional(),
      fit: fit.optional(),
    }),
    output: result({ dialogue: dialogueLine, warnings: warnings.optional() }),
    run: async ({ shot_id, audio, offset_seconds, gain_db, text, fit: f }, { studio }) => {
      const r = await studio.project.addDialogue(shot_id, audio, offset_seconds, gain_db, text ?? null, f === 'extend');
      return {
        result: { dialogue: r.line, ...(r.warnings.length ? { warnings: r.warnings } : {}) },
        links: [sceneLink((await studio.project.shot(shot_id)).scene_id)],
      };
    },
  }),
  zodTool({
    name: 'shot_update_dialogue',
    title: 'Move or re-level a line of dialogue',
    description:
      "Move a dialogue line in its shot (offset_seconds) or change its level (gain_db); the answer says whether the shot's lines now fit. Redo a lip-sync " +
      'made with the old offset with lipsync_video(shot_id).',
    annotations: UPDATE,
    schema: z.object({
      audio_id: idArg('dialogue line (audio_id)'),
      offset_seconds: offsetSeconds.optional(),
      gain_db: gainDb.optional(),
      fit: fit.optional(),
    }),
    output: result({ dialogue: dialogueLine, warnings: warnings.optional() }),
    run: async ({ audio_id, offset_seconds, gain_db, fit: f }, { studio }) => {
      const r = await studio.project.updateDialogue(
        audio_id,
        { ...(offset_seconds !== undefined ? { offset_seconds } : {}), ...(gain_db !== undefined ? { gain_db } : {}) },
        f === 'extend',
      );
      return {
        result: { dialogue: r.line, ...(r.warnings.length ? { warnings: r.warnings } : {}) },
        links: [sceneLink((await studio.project.shot(r.line.shot_id)).scene_id)],
      };
    },
  }),
  zodTool({
    name: 'shot_remove_dialogue',
    title: 'Remove a line of dialogue from a shot',
    description: 'Detach a dialogue line (audio_id) from its shot (no longer mixed in); the voice media stays in the library.',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    schema: z.object({ shot_id: idArg('shot'), audio_id: idArg('dialogue line (audio_id)') }),
    output: result({ removed: z.string(), shot_id: z.string(), warnings: warnings.optional() }),
    run: async ({ shot_id, audio_id }, { studio }) => {
      const w = await studio.project.removeDialogue(shot_id, audio_id);
      return {
        result: { removed: audio_id, shot_id, ...(w.length ? { warnings: w } : {}) },
        links: [sceneLink((await studio.project.shot(shot_id)).scene_id)],
      };
    },
  }),
];
