import { z } from 'zod';
import { invalidInput } from '../errors.js';

/** The arguments of a tool that works on a scene or a whole film. */
export const sceneOrFilmArgs = {
  scene_id: z.string().min(1).optional().describe('The scene (give this or film_id).'),
  film_id: z.string().min(1).optional().describe('The film: its scenes in order (give this or scene_id).'),
};

/** Exactly one of scene_id and film_id, as a target. */
export function sceneOrFilm(a: { scene_id?: string | undefined; film_id?: string | undefined }): { kind: 'scene'; id: string } | { kind: 'film'; id: string } {
  if (a.scene_id !== undefined && a.film_id === undefined) return { kind: 'scene', id: a.scene_id };
  if (a.film_id !== undefined && a.scene_id === undefined) return { kind: 'film', id: a.film_id };
  throw invalidInput('give exactly one of scene_id or film_id', { field: a.scene_id === undefined ? 'scene_id' : 'film_id' });
}
