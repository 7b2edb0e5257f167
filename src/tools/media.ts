import { z } from 'zod';
import { resolveAllowedPath } from '../paths.js';
import type { MediaRecord } from '../store/media.js';
import { decodeCursor, pageArgs, pageOf, withoutNulls } from './page.js';
import { mediaLink } from './media-links.js';
import type { ToolDef } from './types.js';
import { mediaIdArg, zodTool } from './zod-tool.js';
import { media, mediaItem, mediaOf, nextCursor, result } from './output-shapes.js';

export const mediaTools: ToolDef[] = [
  zodTool({
    name: 'media_import',
    title: 'Import a file into the library',
    description:
      'Copy a local image, video or audio file into the library; returns its media_id (what reference_images, start_frame, audio, video take). Videos ' +
      'also get first and last frames. The path must be in the studio folder or STUDIO_ALLOWED_DIRS.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    schema: z.object({
      path: z.string().min(1).describe('Local file path (absolute, or relative to the studio folder).'),
      character_id: z.string().min(1).optional().describe('Character this file depicts (for metadata).'),
    }),
    output: result({ media_id: z.string(), media: mediaOf }),
    run: async ({ path, character_id }, { studio }) => {
      const abs = resolveAllowedPath(studio.paths, path, 'path');
      if (character_id) await studio.project.character(character_id);
      const m = await studio.library.importFile(abs, {
        origin: 'imported',
        character_id: character_id ?? null,
        extra: { source_name: abs.split(/[\\/]/).pop() ?? '' },
      });
      return { result: { media_id: m.media_id, media: m }, links: [mediaLink(m)] };
    },
  }),
  zodTool({
    name: 'media_get',
    title: 'Show a media item',
    description:
      "A media item's record: type, provider, model, input parameters, character, frames used, file, duration, size, hash, job (as studio://media/{id}).",
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object({ media_id: mediaIdArg('the item') }),
    output: result({ media }),
    run: async ({ media_id }, { studio }) => {
      const m = await studio.library.get(media_id);
      const file = await studio.library.fileRef(m);
      return { result: { media: m, absolute_path: file.path, ...(file.url ? { url: file.url } : {}) }, links: [mediaLink(m)] };
    },
  }),
  zodTool({
    name: 'media_list',
    title: 'List media',
    description:
      "Library items, newest first, a page at a time (next_cursor continues), optionally of one media_type or shot. Compact items; detail: 'full' gives " +
      'whole records (as media_get). Extracted frames are left out unless include_frames.',
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object({
      media_type: z.enum(['video', 'image', 'voice']).optional().describe('Only items of this media type.'),
      shot_id: z.string().min(1).optional().describe("Only this shot's items (its takes, dialogue, frames)."),
      include_frames: z.boolean().default(false).describe('Also list frame images (first/last frames of videos, extracted frames, contact sheets).'),
      ...pageArgs,
    }),
    output: result({ media: z.array(mediaItem), next_cursor: nextCursor }),
    linkMedia: false,
    run: async (a, { studio }) => {
      const after = decodeCursor('media_list', a.cursor);
      const rows = await studio.store.media.list({
        ...(a.media_type ? { type: a.media_type } : {}),
        ...(a.shot_id ? { shot_id: a.shot_id } : {}),
        frames: a.include_frames,
        limit: a.limit + 1,
        ...(after ? { after: { timestamp: after.key, id: after.id } } : {}),
      });
      const page = pageOf(rows, a.limit, (m) => ({ key: m.timestamp, id: m.media_id }));
      return {
        result: {
          media: page.items.map((m) => (a.detail === 'full' ? { ...m } : compactMedia(m))),
          ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}),
        },
      };
    },
  }),
];

/** A media item in a list: what an agent picks an item by; media_get (or detail: 'full') has the whole record. */
export function compactMedia(m: MediaRecord): Record<string, unknown> {
  return withoutNulls({
    media_id: m.media_id,
    type: m.type,
    origin: m.origin,
    model: m.model,
    duration: m.duration,
    width: m.width,
    height: m.height,
    shot_id: m.shot_id,
    take_number: m.take_number,
    character_id: m.character_id,
    timestamp: m.timestamp,
  });
}
