import { z } from 'zod';
import type { BedTarget } from '../store/beds.js';
import { addBed, removeBed } from '../studio/beds.js';
import type { ToolDef } from './types.js';
import { idArg, mediaIdArg, zodTool } from './zod-tool.js';
import { bed, result, warnings } from './output-shapes.js';

const link = (kind: BedTarget, id: string) => ({
  uri: `studio://${kind === 'scene' ? 'scenes' : 'films'}/${id}`,
  name: `${kind} ${id}`,
  mimeType: 'application/json',
});

const bedFields = {
  media_id: mediaIdArg('the audio clip'),
  role: z.enum(['music', 'ambience', 'sfx']).default('music').describe('What the clip is: music, ambience or sfx (an effect placed at offset_seconds).'),
  offset_seconds: z.number().min(0).max(36_000).default(0).describe('Seconds from the start of the scene (film) where the clip starts.'),
  gain_db: z.number().min(-60).max(20).default(-12).describe('Level of the clip in the mix, in dB (default -12: under the dialogue).'),
  fade_in: z.number().min(0).max(60).default(0).describe('Fade-in seconds at the start of the clip.'),
  fade_out: z.number().min(0).max(60).default(0).describe('Fade-out seconds at the end of the clip (or of the scene/film when looping).'),
  loop: z.boolean().default(false).describe('Repeat the clip until the end.'),
  duck: z.boolean().optional().describe('Lower it ~15 dB under dialogue (default: on for music and ambience, off for sfx).'),
};
const BedArgs = z.object(bedFields);

function describeAdd(kind: BedTarget): { title: string; description: string } {
  const whole = kind === 'scene' ? 'a scene' : 'the whole film, across scene cuts';
  return {
    title: `Lay music, ambience or an effect under a ${kind}`,
    description:
      `Lay an audio item (music, ambience, sfx) under ${whole}: render_${kind} mixes it at offset_seconds with gain_db, fades, optional loop, and ` +
      `duck lowers it under dialogue. Returns the bed_id (${kind}_remove_audio detaches it).`,
  };
}

async function runAdd(kind: BedTarget, targetId: string, a: z.infer<typeof BedArgs>, studio: Parameters<ToolDef['run']>[1]['studio']) {
  // An effect is placed to be heard, even over a line; music and ambience make room for the words.
  const r = await addBed(studio, kind, targetId, { ...a, duck: a.duck ?? a.role !== 'sfx' });
  return { result: { bed: r.bed, ...(r.warnings.length ? { warnings: r.warnings } : {}) }, links: [link(kind, targetId)] };
}

const ADD = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;
const added = result({ bed, warnings: warnings.optional() });

function removeTool(kind: BedTarget): ToolDef {
  return zodTool({
    name: `${kind}_remove_audio`,
    title: `Detach an audio bed from a ${kind}`,
    description: `Detach a bed (bed_id from ${kind}_add_audio or ${kind}_get's beds) from its ${kind}; the audio stays in the library.`,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    schema: z.object({ bed_id: idArg('audio bed (bed_id)') }),
    output: result({ removed: z.string(), [`${kind}_id`]: z.string() }),
    run: async ({ bed_id }, { studio }) => {
      const bed = await removeBed(studio, kind, bed_id);
      return { result: { removed: bed_id, [`${kind}_id`]: bed.target_id }, links: [link(kind, bed.target_id)] };
    },
  });
}

export const bedTools: ToolDef[] = [
  zodTool({
    name: 'scene_add_audio',
    ...describeAdd('scene'),
    annotations: ADD,
    output: added,
    schema: z.object({ scene_id: idArg('scene'), ...bedFields }),
    run: async ({ scene_id, ...a }, { studio }) => runAdd('scene', scene_id, a, studio),
  }),
  zodTool({
    name: 'film_add_audio',
    ...describeAdd('film'),
    annotations: ADD,
    output: added,
    schema: z.object({ film_id: idArg('film'), ...bedFields }),
    run: async ({ film_id, ...a }, { studio }) => runAdd('film', film_id, a, studio),
  }),
  removeTool('scene'),
  removeTool('film'),
];
