import { z } from 'zod';
import { sceneOrFilm, sceneOrFilmArgs } from './target.js';
import { mediaLink } from './media-links.js';
import { storyboardHint } from '../storyboard/hint.js';
import type { ToolContext, ToolDef } from './types.js';
import { idArg, zodTool } from './zod-tool.js';
import type { RenderCall, RenderFlags } from '../jobs/render-dispatch.js';
import { filmRender, renderCheck, sceneRender } from './output-shapes.js';
import type { MediaRecord } from '../store/media.js';
import type { Studio } from '../studio/studio.js';

const subtitlesArg = z.enum(['none', 'burn', 'soft']).default('none').describe("Lines as subtitles: 'burn' into the picture, or 'soft' (a switchable track).");

/** A render tool's flags as a render request carries them, and the caller's signal and progress (one mapping for scenes and films). */
function renderRequest(
  a: { loudnorm?: boolean | undefined; force: boolean; strict: boolean; qc: boolean; subtitles: 'none' | 'burn' | 'soft' },
  signal: AbortSignal,
  progress: ToolContext['progress'],
): [RenderFlags, RenderCall] {
  return [
    { force: a.force, strict: a.strict, qc: a.qc, subtitles: a.subtitles, ...(a.loudnorm !== undefined ? { loudnorm: a.loudnorm } : {}) },
    { signal, onProgress: (p, m) => progress(p, 1, m) },
  ];
}

/** The rendered file as a client reads it: its path on local storage; on S3 its s3:// URI and a presigned url. */
async function renderFile(studio: Studio, m: MediaRecord): Promise<{ file_path: string; url?: string }> {
  const file = await studio.library.fileRef(m);
  return { file_path: file.path, ...(file.url ? { url: file.url } : {}) };
}

export const renderTools: ToolDef[] = [
  zodTool({
    name: 'render_scene',
    longRunning: true,
    title: 'Render a scene',
    description:
      "Render a scene to one mp4: current takes in order (lip-sync wins), lines at their offsets, transitions. Returns a timeline (each shot's " +
      'start/end, take, lines) and warnings (stale cuts, overlapping or cut lines). Unchanged: the previous render (reused=true) unless force.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    schema: z.object({
      scene_id: idArg('scene'),
      loudnorm: z.boolean().optional().describe('Normalise loudness (EBU R128); default from the scene settings.'),
      force: z.boolean().default(false).describe('Render again even when nothing changed.'),
      strict: z.boolean().default(false).describe('Refuse on a stale cut or a line that overlaps or runs past its shot (else warnings).'),
      qc: z.boolean().default(true).describe('Check the file (black, frozen, silent lines, loudness, size); findings in qc.'),
      subtitles: subtitlesArg,
    }),
    output: sceneRender,
    run: async ({ scene_id, loudnorm, force, strict, qc, subtitles }, { studio, signal, progress }) => {
      // In this process, or on a render worker with STUDIO_REDIS_URL (studio.renders).
      const r = await studio.renders.renderScene(scene_id, ...renderRequest({ loudnorm, force, strict, qc, subtitles }, signal, progress));
      const m = await studio.library.get(r.media_id);
      return {
        result: { ...r, ...(await renderFile(studio, m)), storyboard: storyboardHint(studio, 'scene', scene_id) },
        links: [mediaLink(m), { uri: `studio://scenes/${scene_id}`, name: `scene ${scene_id}`, mimeType: 'application/json' }],
      };
    },
  }),
  zodTool({
    name: 'render_film',
    longRunning: true,
    title: 'Render the film',
    description:
      'Render a film: its scenes in order, joined by stream copy. Only scenes changed since their last render are rendered again; the result lists which ' +
      'were reused.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    schema: z.object({
      film_id: idArg('film'),
      loudnorm: z.boolean().optional(),
      force: z.boolean().default(false).describe('Render every scene again.'),
      strict: z.boolean().default(false).describe('Refuse on a stale cut or a line that overlaps or runs past its shot.'),
      qc: z.boolean().default(true).describe('Check the film file; findings in qc (scenes are not checked one by one).'),
      subtitles: subtitlesArg,
    }),
    output: filmRender,
    run: async ({ film_id, loudnorm, force, strict, qc, subtitles }, { studio, signal, progress }) => {
      const r = await studio.renders.renderFilm(film_id, ...renderRequest({ loudnorm, force, strict, qc, subtitles }, signal, progress));
      const m = await studio.library.get(r.media_id);
      return {
        result: { ...r, ...(await renderFile(studio, m)), storyboard: storyboardHint(studio, 'film', film_id) },
        links: [mediaLink(m), { uri: `studio://films/${film_id}`, name: `film ${film_id}`, mimeType: 'application/json' }],
      };
    },
  }),
  zodTool({
    name: 'render_check',
    title: 'Check a render',
    description:
      'Check the latest render of a scene or film (renders return this as qc): length, black or frozen picture, silent lines, loudness, true peak, stale ' +
      'cuts, size. Each finding has a severity, time range, shot and the call that fixes it.',
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object(sceneOrFilmArgs),
    output: renderCheck,
    run: async (a, { studio, signal }) => {
      const target = sceneOrFilm(a);
      const r = await studio.render.checkLatest(target.kind, target.id, signal);
      return { result: { [`${target.kind}_id`]: target.id, media_id: r.media_id, ...r.qc } };
    },
  }),
];
