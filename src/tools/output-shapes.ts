import { z } from 'zod';

/**
 * The shapes of tool results (structuredContent), written once and published as each tool's outputSchema. Every
 * tools/list answer carries them (all 40 together add about 9 KB), so they are kept lean: they name and type what a
 * client relies on (ids, status, warnings, cursors, stale shots…) and leave the other members of a record open (a
 * record may gain a field without breaking a client that validates). No descriptions: each tool's description
 * already says what its result holds.
 */

// Open objects: named members are typed, others are allowed (outputJsonSchema drops the empty additionalProperties).
const open = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);
/** A tool result's shape (an open object, as every record in it). */
export const result = open;
const str = z.string();
const nstr = z.string().nullable();
const bool = z.boolean();
export const ids = z.array(str);

/**
 * A record inside a result: its id and the members a client reaches for, named and typed, none listed as required
 * (every `required` list is carried by every client in tools/list). A result's own members are required in its
 * shape, which tests hold every result to; the published root admits error results too (see outputJsonSchema).
 */
function rec(shape: Record<string, z.ZodType>): z.ZodObject {
  return z.looseObject(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])));
}

export const warnings = z.array(str);
/** A list's continuation (absent on the last page). */
export const nextCursor = str.optional();

/** A cut a new take broke, with the calls that refresh it (src/studio/cuts.ts). */
export const staleShots = z.array(rec({ shot_id: str, fix: ids }));

export const character = rec({ character_id: str });
export const film = rec({ film_id: str });
export const scene = rec({ scene_id: str });
export const shot = rec({ shot_id: str });
/** A shot whose current take just changed. */
export const takeShot = rec({ shot_id: str, current_take_id: nstr });
export const dialogueLine = rec({ audio_id: str, media_id: str });
export const bed = rec({ bed_id: str, media_id: str });

const mediaType = z.enum(['video', 'image', 'voice']);
/** A whole media record (media_get). */
export const media = rec({ media_id: str, type: mediaType });
/** media_import's record beside its media_id. */
export const mediaOf = rec({ type: mediaType });
/** A media item in a list, compact or whole (the types are listed once, in media_list's media_type argument). */
export const mediaItem = rec({ media_id: str, type: str });

// The statuses are listed once, in job_list's status argument; a result only types them.
const jobStatus = str;
/** A job as job_get shows it (src/jobs/view.ts): result is null until it succeeds. */
export const jobRecord = open({
  job_id: str,
  status: jobStatus,
  result: rec({ media_ids: ids }).nullable().optional(),
  warnings: warnings.optional(),
});
/** A job in a list: compact or whole, both start with these. */
export const jobItem = rec({ job_id: str, status: jobStatus });

/** What a render check found (src/studio/render-check.ts). */
const qcFields = { ok: bool, findings: z.array(rec({ severity: str, message: str })) };
// A render's qc is render_check's answer: its shape is published there.
const renderFields = { media_id: str, warnings, stale_cuts: staleShots.optional() };

export const sceneRender = open({ scene_id: str, ...renderFields });
export const filmRender = open({ film_id: str, ...renderFields, scenes: z.array(scene) });
/** render_check: the target's id (scene_id or film_id), the render checked and the findings. */
export const renderCheck = open({ scene_id: str.optional(), film_id: str.optional(), media_id: str, ...qcFields });

/** The render that shows the edit as it is now, else the newest one with stale: true (src/studio/render-status.ts). */
const latestRender = rec({ media_id: str, stale: z.boolean() }).nullable();
/** film_get: the film, its scenes in order and its latest render (ProjectService.filmView). */
export const filmView = open({ film_id: str, scenes: z.array(scene), latest_render: latestRender });
/** scene_get: its shots in order, each with its current take and dialogue lines (ProjectService.sceneView). */
export const sceneView = open({
  scene_id: str,
  shots: z.array(rec({ shot_id: str, current_take: rec({ media_id: str }).nullable(), dialogue: z.array(rec({ audio_id: str })) })),
  latest_render: latestRender,
});

/** One frame cell of a storyboard row (src/studio/continuity.ts). */
const cell = rec({ shot_id: str });
export const framesResult = open({
  frames: z.array(rec({ media_id: str })),
  rows: z.array(rec({ left: cell, right: cell })).optional(),
  contact_sheet_id: nstr,
});

export const subtitlesResult = open({ files: z.array(rec({ format: z.enum(['srt', 'vtt']), path: str })) });

/** A result that only says which record was removed. */
export const deleted = open({ deleted: str });
/** A new current take's consequences elsewhere in the edit (present only when there are some). */
export const takeReport = { warnings: warnings.optional(), stale_shots: staleShots.optional() };
