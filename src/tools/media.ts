import { z } from 'zod';
import { resolveAllowedPath } from '../paths.js';
import type { MediaRecord } from '../store/media.js';
import type { ResourceLinkOut, ToolDef } from './types.js';
import { mediaIdArg, zodTool } from './zod-tool.js';

export function mediaLink(m: Pick<MediaRecord, 'media_id' | 'type' | 'mime'>): ResourceLinkOut {
  return { uri: `studio://media/${m.media_id}`, name: `${m.type} ${m.media_id}`, mimeType: 'application/json', description: `metadata of a ${m.mime} file` };
}

export const mediaTools: ToolDef[] = [
  zodTool({
    name: 'media_import',
    title: 'Import a file into the library',
    description:
      'Copy a local image, video or audio file into the studio library and return its media_id (with probed duration and size; videos also get their first and last frames as image media). The path must be inside the studio folder or a folder listed in STUDIO_ALLOWED_DIRS. Use media ids as reference_images, start_frame, audio, video… in other tools.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    schema: z.object({
      path: z.string().min(1).describe('Local file path (absolute, or relative to the studio folder).'),
      character_id: z.string().min(1).optional().describe('Character this file depicts (for metadata).'),
    }),
    run: async ({ path, character_id }, { studio }) => {
      const abs = resolveAllowedPath(studio.paths, path, 'path');
      if (character_id) studio.project.character(character_id);
      const m = await studio.library.importFile(abs, { origin: 'imported', character_id: character_id ?? null, extra: { source_name: abs.split(/[\\/]/).pop() ?? '' } });
      return { result: { media_id: m.media_id, media: m }, links: [mediaLink(m)] };
    },
  }),
  zodTool({
    name: 'media_get',
    title: 'Show a media item',
    description: 'The metadata record of a media item: type, provider, model, input parameters, character, frames used, file path, duration, size, hash, job (same as studio://media/{id}).',
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object({ media_id: mediaIdArg('the item') }),
    run: async ({ media_id }, { studio }) => {
      const m = studio.library.get(media_id);
      return { result: { media: m, absolute_path: studio.library.absPath(m) }, links: [mediaLink(m)] };
    },
  }),
  zodTool({
    name: 'media_list',
    title: 'List media',
    description: 'List library items, newest first, optionally only one type or one shot.',
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object({
      type: z.enum(['video', 'image', 'voice']).optional(),
      shot_id: z.string().min(1).optional(),
      limit: z.number().int().min(1).max(500).default(50),
    }),
    run: async (a, { studio }) => ({ result: { media: studio.store.media.list(a) } }),
  }),
];
