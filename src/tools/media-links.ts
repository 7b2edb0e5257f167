import type { MediaRecord } from '../store/media.js';
import type { Studio } from '../studio/studio.js';
import type { ResourceLinkOut } from './types.js';

/**
 * How a result reaches a media item: a link to its `studio://media/{id}` resource (its metadata record as JSON,
 * naming the file's type), never a local path a remote client cannot open. `name` says what the item is to the
 * result (e.g. "frame last"); by default its type and id.
 */
export function mediaLink(m: Pick<MediaRecord, 'media_id' | 'type' | 'mime'>, name = `${m.type} ${m.media_id}`): ResourceLinkOut {
  return { uri: `studio://media/${m.media_id}`, name, mimeType: 'application/json', description: `metadata of a ${m.mime} file` };
}

/** Links to the media items a result names, each once, in order; ids that name no item are left out. */
export async function mediaLinks(studio: Studio, ids: Iterable<string | null | undefined>): Promise<ResourceLinkOut[]> {
  const seen = new Set<string>();
  const links: ResourceLinkOut[] = [];
  for (const id of ids) {
    if (!id || seen.has(id)) continue;
    seen.add(id);
    const m = await studio.store.media.get(id);
    if (m) links.push(mediaLink(m));
  }
  return links;
}
