import { z } from 'zod';
import type { Character } from '../store/characters.js';
import type { Studio } from '../studio/studio.js';
import { mediaLinks } from './media-links.js';
import type { ResourceLinkOut, ToolDef } from './types.js';
import { idArg, mediaIdArg, zodTool } from './zod-tool.js';
import { character, ids, result } from './output-shapes.js';

/** The character's resource, then its reference images'. */
const links = (studio: Studio, c: Character): ResourceLinkOut[] => [
  { uri: `studio://characters/${c.character_id}`, name: c.name, mimeType: 'application/json' },
  ...mediaLinks(studio, c.reference_images),
];

const fields = {
  name: z.string().min(1).max(200).describe('Display name, e.g. "Mara".'),
  reference_images: z
    .array(mediaIdArg('an image'))
    .max(14)
    .describe(
      'Identity reference images (media ids; import files first with media_import). Injected as reference images on models that take them; never used as ' +
        'start/end frames.',
    ),
  voice_id: z
    .string()
    .min(1)
    .nullable()
    .describe('Voice used for voice_tts and as the voice_v2v target (e.g. an ElevenLabs voice id; any string for local/voice).'),
  style_tokens: z.string().max(1000).nullable().describe('Words appended to every video/image prompt for this character, e.g. "red scarf, 35mm film".'),
};

export const characterTools: ToolDef[] = [
  zodTool({
    name: 'character_create',
    title: 'Create a character',
    description:
      'Create a character: a name, identity reference images, a voice and style tokens. Pass its character_id to generation tools and the studio injects ' +
      'these automatically where the chosen model supports them.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    schema: z.object({
      name: fields.name,
      reference_images: fields.reference_images.optional(),
      voice_id: fields.voice_id.optional(),
      style_tokens: fields.style_tokens.optional(),
    }),
    output: result({ character }),
    run: async (a, { studio }) => {
      const c = studio.project.createCharacter(a);
      return { result: { character: c }, links: links(studio, c) };
    },
  }),
  zodTool({
    name: 'character_update',
    title: 'Update a character',
    description: 'Change a character. Only the fields given change; reference_images replaces the whole list. Use null to clear voice_id or style_tokens.',
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
      const c = studio.project.updateCharacter(character_id, patch);
      return { result: { character: c }, links: links(studio, c) };
    },
  }),
  zodTool({
    name: 'character_delete',
    title: 'Delete a character',
    description:
      'Delete a character. Refused while shots use it (the error lists them); force: true detaches it from those shots (they keep their takes) and the ' +
      'result lists them. Media made with it is kept.',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    schema: z.object({ character_id: idArg('character'), force: z.boolean().optional().describe('Delete even though shots use it; they lose the link.') }),
    output: result({ deleted: z.string(), detached_shots: ids.optional() }),
    run: async ({ character_id, force }, { studio }) => {
      const r = studio.project.deleteCharacter(character_id, force === true);
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
    run: async (_a, { studio }) => ({ result: { characters: studio.store.characters.list() } }),
  }),
];
