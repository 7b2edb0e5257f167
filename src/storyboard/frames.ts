import path from 'node:path';
import { invalidInput } from '../errors.js';
import type { MediaRecord } from '../store/media.js';
import type { Studio } from '../studio/studio.js';

export type FrameEnd = 'first' | 'last';

/** `studio://media/{id}/frame/{first|last}` (a JPEG thumbnail) or `…/full` (the frame at full size, PNG). */
export function frameUri(mediaId: string, which: FrameEnd, full = false): string {
  return `studio://media/${encodeURIComponent(mediaId)}/frame/${which}${full ? '/full' : ''}`;
}

/** The parts of a frame URI, or undefined when `uri` is not one. */
export function parseFrameUri(uri: string): { mediaId: string; which: FrameEnd; full: boolean } | undefined {
  const m = /^studio:\/\/media\/([^/]+)\/frame\/(first|last)(\/full)?$/.exec(uri);
  if (!m) return undefined;
  return { mediaId: decodeURIComponent(m[1] ?? ''), which: m[2] as FrameEnd, full: m[3] !== undefined };
}

/**
 * The file behind a frame URI. The frames themselves are the video's first/last-frame images, extracted once when
 * the video entered the library (or now, once, for an item stored without them); the thumbnail is that image's
 * preview (a JPEG at most 360 px high, made once under previews/). On object storage the full frame is copied once
 * into previews/full/, since a binary read needs a local file; on local storage nothing here writes a cache.
 */
export class FrameFiles {
  private static readonly byStudio = new WeakMap<Studio, FrameFiles>();

  /** One per studio: every MCP server instance of a process shares its extractions in flight. */
  static for(studio: Studio): FrameFiles {
    const known = FrameFiles.byStudio.get(studio);
    if (known) return known;
    const f = new FrameFiles(studio);
    FrameFiles.byStudio.set(studio, f);
    return f;
  }

  /** Extractions in flight, so concurrent reads of one video's frames share one ffmpeg run. */
  private readonly extracting = new Map<string, Promise<MediaRecord>>();

  private constructor(private readonly studio: Studio) {}

  async get(uri: string): Promise<{ path: string; mimeType: string } | undefined> {
    const parsed = parseFrameUri(uri);
    if (!parsed) return undefined;
    const video = await this.withFrames(await this.studio.library.get(parsed.mediaId, 'uri'));
    const frameId = parsed.which === 'first' ? video.first_frame_id : video.last_frame_id;
    if (!frameId) throw invalidInput(`media '${video.media_id}' has no ${parsed.which} frame`, { field: 'uri' });
    if (!parsed.full) return this.studio.previews.get(frameId);
    const frame = await this.studio.library.get(frameId, 'uri');
    // On object storage the frame is copied once into the studio folder's previews/ (binary reads need a local file).
    const cached = `previews/full/${frame.media_id}${path.posix.extname(frame.file_path)}`;
    return { path: await this.studio.store.blobs.localCopy(frame.file_path, cached), mimeType: frame.mime };
  }

  private withFrames(media: MediaRecord): Promise<MediaRecord> {
    if (media.type !== 'video') {
      return Promise.reject(
        invalidInput(`media '${media.media_id}' is ${media.type === 'image' ? 'an image' : 'audio'}; only a video has frames`, { field: 'uri' }),
      );
    }
    if (media.first_frame_id && media.last_frame_id) return Promise.resolve(media);
    const running = this.extracting.get(media.media_id);
    if (running) return running;
    const job = this.studio.library.ensureFrames(media).finally(() => this.extracting.delete(media.media_id));
    this.extracting.set(media.media_id, job);
    return job;
  }
}
