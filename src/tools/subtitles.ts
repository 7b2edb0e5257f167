import { z } from 'zod';
import type { ToolDef } from './types.js';
import { sceneOrFilm, sceneOrFilmArgs } from './target.js';
import { zodTool } from './zod-tool.js';
import { subtitlesResult } from './output-shapes.js';

export const subtitleTools: ToolDef[] = [
  zodTool({
    name: 'subtitles_export',
    title: 'Export subtitles',
    description:
      "Write SRT and/or WebVTT subtitles for a scene or film from its dialogue lines' text and exact timing on the render's timeline (no transcription; " +
      "lines without text are skipped), into the studio's subtitles/ folder.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    schema: z.object({
      ...sceneOrFilmArgs,
      format: z.enum(['srt', 'vtt', 'both']).default('both'),
      speaker_names: z.boolean().default(false).describe('Prefix each cue with the speaking character\'s name ("Mara: …").'),
    }),
    output: subtitlesResult,
    run: async ({ scene_id, film_id, format, speaker_names }, { studio }) => {
      const target = sceneOrFilm({ scene_id, film_id });
      const formats = format === 'both' ? (['srt', 'vtt'] as const) : ([format] as const);
      const r = await studio.subtitles.export(target.kind === 'scene' ? { scene_id: target.id } : { film_id: target.id }, [...formats], speaker_names);
      // The files are not media items (no studio://media resource): their paths stay; the link names what they subtitle.
      const uri = `studio://${target.kind === 'scene' ? 'scenes' : 'films'}/${target.id}`;
      return { result: { ...r }, links: [{ uri, name: `${target.kind} ${target.id}`, mimeType: 'application/json' }] };
    },
  }),
];
