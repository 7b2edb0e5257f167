import { z } from 'zod';
import type { Character } from '../store/characters.js';
import type { Studio } from '../studio/studio.js';
import { mediaLinks } from './media-links.js';
import type { ResourceLinkOut, ToolDef } from './types.js';
import { idArg, mediaIdArg, zodTool } from './zod-tool.js';
import { character, ids, result } from './output-shapes.js';

/** The character's resource, then its reference images'. */
const links = async (studio: Studio, c: Character): Promise<ResourceLinkOut[]> => [
  { uri: `studio://characters/${c.character_id}`, name: c.name, mimeType: 'application/json' },
  ...(await mediaLinks(studio, c.reference_images)),
];

const fields = {
  name: z.string().min(1).max(200).describe('Display name, e.g. "Mara".'),
  reference_images: z
    .array(mediaIdArg('an image'))
    .max(14)
    .describe('Identity reference images (media ids), injected where models take them; never start/end frames.'),
  voice_id: z.string().min(1).nullable().describe('Voice for voice_tts and voice_v2v (an ElevenLabs voice id; any string for local/voice).'),
  style_tokens: z.string().max(1000).nullable().describe('Words appended to every video/image prompt for this character, e.g. "red scarf, 35mm film".'),
};

export const characterTools: ToolDef[] = [
  zodTool({
    name: 'character_create',
    title: 'Create a character',
    description:
      'Create a character: name, identity reference images, voice, style tokens. Generation tools given its character_id inject these where the model takes ' +
      'them.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    schema: z.object({
      name: fields.name,
      reference_images: fields.reference_images.optional(),
      voice_id: fields.voice_id.optional(),
      style_tokens: fields.style_tokens.optional(),
    }),
    output: result({ character }),
    run: async (a, { studio }) => {
      const c = await studio.project.createCharacter(a);
      return { result: { character: c }, links: await links(studio, c) };
    },
  }),
  zodTool({
    name: 'character_update',
    title: 'Update a character',
    description: 'Change a character: only the fields given; reference_images replaces the list; null clears voice_id or style_tokens.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    schema: z.object({
      character_id: idArg('character'),
      name: fields.name.optional(),
      reference_images: fields.reference_images.optional(),
      voice_id: fields.voice_id.optional(),
      style_tokens: fields.style_tokens.optional(),
    }),
    output: result({ character }),
    run: async ({ character_id, ...patch }, { studio }) => {
      const c = await studio.project.updateCharacter(character_id, patch);
      return { result: { character: c }, links: await links(studio, c) };
    },
  }),
  zodTool({
    name: 'character_delete',
    title: 'Delete a character',
    description:
      'Delete a character. Refused while shots use it (the error lists them); force: true detaches it from them (they keep their takes). Its media is kept.',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    schema: z.object({ character_id: idArg('character'), force: z.boolean().optional().describe('Delete even though shots use it; they lose the link.') }),
    output: result({ deleted: z.string(), detached_shots: ids.optional() }),
    run: async ({ character_id, force }, { studio }) => {
      const r = await studio.project.deleteCharacter(character_id, force === true);
      return { result: { deleted: character_id, ...(r.detached_shots.length ? { detached_shots: r.detached_shots } : {}) } };
    },
  }),
  zodTool({
    name: 'character_list',
    title: 'List characters',
    description: 'List every character with its reference images, voice and style tokens.',
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object({}),
    output: result({ characters: z.array(character) }),
    run: async (_a, { studio }) => ({ result: { characters: await studio.store.characters.list() } }),
  }),
];
