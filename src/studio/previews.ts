import fs from 'node:fs';
import { makePreview, PREVIEW_MIME, type PreviewKind } from '../media/preview.js';
import type { MediaType } from '../store/media.js';
import type { Studio } from './studio.js';

const KIND: Record<MediaType, PreviewKind> = { video: 'video', image: 'image', voice: 'audio' };
const EXT: Record<PreviewKind, string> = { video: 'mp4', image: 'jpg', audio: 'm4a' };

/**
 * `studio://media/{id}/preview`: each media item's small playable stand-in, made once and kept under previews/
 * (media are never changed, so a preview never goes stale). Concurrent reads of one item share one ffmpeg run.
 */
export class Previews {
  private readonly pending = new Map<string, Promise<{ path: string; mimeType: string }>>();

  constructor(private readonly studio: Studio) {}

  async get(mediaId: string): Promise<{ path: string; mimeType: string }> {
    const media = await this.studio.library.get(mediaId, 'uri');
    const kind = KIND[media.type];
    const rel = `previews/${media.media_id}.${EXT[kind]}`;
    const file = this.studio.store.blobs.abs(rel);
    const done = { path: file, mimeType: PREVIEW_MIME[kind] };
    if (fs.existsSync(file)) return done;
    const running = this.pending.get(media.media_id);
    if (running) return running;
    const job = (async () => {
      const tmp = this.studio.store.blobs.tempPath(`.${EXT[kind]}`);
      try {
        // No caller's signal: readers share the run, and one hanging up must not cancel it for the others.
        await this.studio.store.blobs.withFile(this.studio.library.absPath(media), (file) => makePreview(file, kind, tmp));
        // A derived file: kept in the studio folder (on object storage, a cache of this machine's).
        await this.studio.store.blobs.commitLocal(tmp, rel);
        return done;
      } finally {
        await this.studio.store.blobs.remove(tmp);
        this.pending.delete(media.media_id);
      }
    })();
    this.pending.set(media.media_id, job);
    return job;
  }
}
