import { z } from 'zod';
import { invalidInput } from '../errors.js';
import type { ToolDef } from './types.js';
import { zodTool } from './zod-tool.js';

export const subtitleTools: ToolDef[] = [
  zodTool({
    name: 'subtitles_export',
    title: 'Export subtitles',
    description:
      "Write SRT and/or WebVTT subtitles for a scene or a film from the dialogue lines' words and exact timing on the render's timeline (no transcription). Lines without text (recordings) are skipped. Files go to the studio folder's subtitles/ and are rewritten on every export.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    schema: z.object({
      scene_id: z.string().min(1).optional().describe('The scene (give this or film_id).'),
      film_id: z.string().min(1).optional().describe('The film: scenes in order, each shifted by the scenes before it.'),
      format: z.enum(['srt', 'vtt', 'both']).default('both'),
      speaker_names: z.boolean().default(false).describe('Prefix each cue with the speaking character\'s name ("Mara: …").'),
    }),
    run: async ({ scene_id, film_id, format, speaker_names }, { studio }) => {
      if ((scene_id === undefined) === (film_id === undefined)) throw invalidInput('give exactly one of scene_id or film_id', { field: scene_id === undefined ? 'scene_id' : 'film_id' });
      const formats = format === 'both' ? (['srt', 'vtt'] as const) : ([format] as const);
      const r = await studio.subtitles.export({ ...(scene_id ? { scene_id } : {}), ...(film_id ? { film_id } : {}) }, [...formats], speaker_names);
      return { result: { ...r } };
    },
  }),
];
