import fsp from 'node:fs/promises';
import path from 'node:path';
import type { MediaKind } from '../capabilities/types.js';
import { StudioError, invalidInput, notFound } from '../errors.js';
import { extractFirstFrame, extractLastFrame } from '../media/frames.js';
import { knownExtension, mimeForExtension } from '../media/mime.js';
import { probe, type ProbeResult } from '../media/probe.js';
import type { MediaInput } from '../providers/types.js';
import { sha256File } from '../store/blobs.js';
import { newId, nowIso } from '../store/ids.js';
import type { Store } from '../store/index.js';
import type { MediaOrigin, MediaRecord, MediaType } from '../store/media.js';
import type { TakeKind } from '../store/shots.js';
import type { StudioEvents } from './events.js';

/** Fields of a media record that describe where it came from (everything but what the file itself tells). */
export type Provenance = Partial<
  Pick<
    MediaRecord,
    | 'provider'
    | 'model'
    | 'input_params'
    | 'character_id'
    | 'shot_id'
    | 'start_frame_used'
    | 'end_frame_used'
    | 'reference_images_used'
    | 'job_id'
    | 'provider_request_id'
    | 'parent_media_id'
    | 'extra'
  >
> & { origin: MediaOrigin };

const IMAGE_FORMATS = /(^|,)(png_pipe|jpeg_pipe|webp_pipe|image2|bmp_pipe|tiff_pipe|gif)(,|$)/;

/** Decide the studio type of a probed file. */
export function mediaTypeOf(p: ProbeResult): MediaType {
  if (IMAGE_FORMATS.test(p.formatName) || (p.hasVideo && p.durationSeconds === 0 && !p.hasAudio)) return 'image';
  if (p.hasVideo) return 'video';
  if (p.hasAudio) return 'voice';
  throw invalidInput('the file has neither video nor audio streams');
}

export function kindOf(type: MediaType): MediaKind {
  return type === 'voice' ? 'audio' : type;
}

function mimeFor(p: ProbeResult, type: MediaType, hint: string | undefined, file: string): string {
  const ext = path.extname(file).toLowerCase();
  if (hint && knownExtension(hint) && hint.split('/')[0] === (type === 'voice' ? 'audio' : type)) return hint;
  const byExt = mimeForExtension(ext);
  if (byExt) return byExt;
  if (type === 'image') return p.formatName.includes('jpeg') ? 'image/jpeg' : p.formatName.includes('webp') ? 'image/webp' : 'image/png';
  if (type === 'video') return 'video/mp4';
  if (p.formatName.includes('wav')) return 'audio/wav';
  return 'audio/mpeg';
}

/**
 * The media library: every file the studio knows, as a row, a file under `media/<type>/` and a JSON sidecar.
 * Files are committed (atomic rename) before their rows, so a row never points at a missing or partial file.
 */
export class MediaLibrary {
  constructor(
    private readonly store: Store,
    private readonly events: StudioEvents,
  ) {}

  async get(id: string, field = 'media_id'): Promise<MediaRecord> {
    const m = await this.store.media.get(id);
    if (!m) throw notFound('media', id, field);
    return m;
  }

  /** The format stored when a video entered the library (see stage), if it has one of the expected shape. */
  knownFormat(m: MediaRecord): ProbeResult | undefined {
    const f = m.extra['format'] as Partial<ProbeResult> | undefined;
    return f && typeof f.durationSeconds === 'number' && typeof f.videoStreams === 'number' && typeof f.formatName === 'string'
      ? (f as ProbeResult)
      : undefined;
  }

  absPath(m: MediaRecord): string {
    return this.store.blobs.abs(m.file_path);
  }

  /** Where a client reads the item's bytes: its path on local storage; its s3:// URI and a presigned `url` on S3. */
  fileRef(m: MediaRecord): Promise<{ path: string; url?: string }> {
    return this.store.blobs.clientRef(m.file_path);
  }

  /** A library item as an adapter input, checking that it is the kind of media the field takes. */
  async resolveInput(id: string, field: string, expected?: MediaKind, model?: string): Promise<MediaInput> {
    if (typeof id !== 'string' || id === '') throw invalidInput(`'${field}' must be a media id`, { field });
    const m = await this.get(id, field);
    const kind = kindOf(m.type);
    if (expected && kind !== expected) {
      throw invalidInput(`'${field}' must be ${expected === 'audio' ? 'an audio' : `an ${expected}`} media item, but '${id}' is ${kind}`, {
        field,
        ...(model ? { model } : {}),
        accepts: `${expected} media id`,
      });
    }
    return {
      mediaId: m.media_id,
      path: this.absPath(m),
      mime: m.mime,
      kind,
      sha256: m.sha256,
      bytes: m.bytes,
      ...(m.width && m.height ? { width: m.width, height: m.height } : {}),
    };
  }

  /**
   * Add a file to the library. `tmpPath` must already be inside the studio folder (it is moved, not copied).
   * For videos, the first and last frames are extracted and added as image items linked to the video.
   */
  async addFile(
    tmpPath: string,
    mimeHint: string | undefined,
    prov: Provenance,
    opts: {
      signal?: AbortSignal;
      takeFor?: { shotId: string; kind: TakeKind };
      expectType?: MediaType;
      expectFrom?: string;
      frames?: boolean;
      /** Keep a file ffprobe cannot read (as `expectType`) instead of refusing it: for outputs already paid for. */
      keepUnreadable?: boolean;
    } = {},
  ): Promise<MediaRecord> {
    const staged = await this.stage(tmpPath, mimeHint, prov, opts.signal, opts.keepUnreadable ? opts.expectType : undefined);
    if (opts.expectType && staged.type !== opts.expectType) {
      // Checked before anything is committed: a wrong kind of output never becomes a library item.
      throw new StudioError('provider_error', `${opts.expectFrom ?? 'the provider'} returned ${staged.type} where ${opts.expectType} was expected`);
    }
    const frames: { first: StagedFile; last: StagedFile } | undefined =
      staged.type === 'video' && opts.frames !== false && !staged.unreadable ? await this.stageFrames(staged, opts.signal) : undefined;
    const all = [staged, ...(frames ? [frames.first, frames.last] : [])];
    for (const s of all) await this.store.blobs.commitContent(s.tmp, s.record.file_path);
    const record = await this.store.tx(async () => {
      if (frames) {
        await this.store.media.insert(frames.first.record);
        await this.store.media.insert(frames.last.record);
        staged.record.first_frame_id = frames.first.record.media_id;
        staged.record.last_frame_id = frames.last.record.media_id;
      }
      if (opts.takeFor) {
        // The number on the media row is the one addTake gives: the shot's take sequence stays locked until commit.
        await this.store.shots.lockTakes(opts.takeFor.shotId);
        staged.record.take_number = await this.store.shots.nextTakeNumber(opts.takeFor.shotId);
      }
      await this.store.media.insert(staged.record);
      if (opts.takeFor) await this.store.shots.addTake(opts.takeFor.shotId, staged.record.media_id, opts.takeFor.kind);
      return staged.record;
    });
    for (const s of all) await this.writeSidecar(s.record);
    this.events.created(`studio://media/${record.media_id}`);
    return record;
  }

  /** Copy an outside file into the library (the path was already checked by the path policy). */
  async importFile(absPath: string, prov: Provenance): Promise<MediaRecord> {
    const stat = await fsp.stat(absPath).catch(() => undefined);
    if (!stat) throw invalidInput(`no file at '${path.basename(absPath)}'`, { field: 'path' });
    if (!stat.isFile()) throw invalidInput(`'${path.basename(absPath)}' is not a regular file`, { field: 'path' });
    const tmp = this.store.blobs.tempPath(path.extname(absPath).toLowerCase());
    await fsp.copyFile(absPath, tmp);
    try {
      return await this.addFile(tmp, undefined, prov);
    } finally {
      await this.store.blobs.remove(tmp);
    }
  }

  async writeSidecar(m: MediaRecord): Promise<void> {
    await this.store.blobs.writeAtomic(sidecarPath(m), JSON.stringify(m, null, 2) + '\n');
  }

  /**
   * Write the sidecars that a process killed between committing a media row and writing its sidecar left
   * missing. The row is the truth and sidecars are derived from it; returns how many were written.
   */
  async repairSidecars(): Promise<number> {
    const rows = await this.store.media.files();
    const missing: typeof rows = [];
    for (const r of rows) if (!(await this.store.blobs.exists(sidecarPath({ media_id: r.id, file_path: r.file_path })))) missing.push(r);
    for (const r of missing) {
      const m = await this.store.media.get(r.id);
      if (m) await this.writeSidecar(m);
    }
    return missing.length;
  }

  /** Probe a file and say what it is, or why it is not usable media. */
  private async inspect(tmpPath: string, signal?: AbortSignal): Promise<{ info: ProbeResult; type: MediaType } | { problem: StudioError }> {
    let info: ProbeResult;
    try {
      info = await probe(tmpPath, signal ? { signal } : {});
    } catch (err) {
      if (err instanceof StudioError && err.code !== 'invalid_input') throw err;
      return { problem: invalidInput('the file is not a readable media file') };
    }
    let type: MediaType;
    try {
      type = mediaTypeOf(info);
    } catch (err) {
      return { problem: err as StudioError };
    }
    if ((type === 'video' || type === 'voice') && !(info.durationSeconds > 0)) {
      return { problem: invalidInput(`the ${type === 'voice' ? 'audio' : 'video'} file has zero length`) };
    }
    if ((type === 'image' || type === 'video') && !((info.width ?? 0) > 0 && (info.height ?? 0) > 0)) {
      // ffprobe "reads" any bytes named .jpg/.png as a 0×0 picture: such a file is not media, whatever its name.
      return { problem: invalidInput(`the file is not a readable ${type}: no picture could be decoded from it`) };
    }
    return { info, type };
  }

  private async stage(
    tmpPath: string,
    mimeHint: string | undefined,
    prov: Provenance,
    signal?: AbortSignal,
    keepUnreadableAs?: MediaType,
  ): Promise<StagedFile> {
    const inspected = await this.inspect(tmpPath, signal);
    if ('problem' in inspected) {
      if (!keepUnreadableAs) throw inspected.problem;
      return this.stageUnreadable(tmpPath, mimeHint, prov, keepUnreadableAs, inspected.problem.message);
    }
    const { info, type } = inspected;
    const record: MediaRecord = {
      ...(await this.fileRecord(tmpPath, type, mimeFor(info, type, mimeHint, tmpPath), prov)),
      duration: type === 'image' ? null : info.durationSeconds,
      width: info.width,
      height: info.height,
      fps: type === 'video' ? info.fps : null,
      has_audio: type === 'image' ? null : info.hasAudio,
      // The full format of a video, so renders after a restart know it without running ffprobe again.
      extra: type === 'video' ? { ...(prov.extra ?? {}), format: info } : (prov.extra ?? {}),
    };
    return { tmp: tmpPath, record, type };
  }

  /**
   * The first and last frame of a video in the library, extracted now if the item was stored without them (renders
   * are: nobody continues from a render, and extraction would add to every incremental film render).
   */
  async ensureFrames(m: MediaRecord, signal?: AbortSignal): Promise<MediaRecord> {
    if (m.type !== 'video' || (m.first_frame_id && m.last_frame_id)) return m;
    const frames = await this.store.blobs.withFile(this.absPath(m), (file) => this.stageFrames({ tmp: file, record: m, type: 'video' }, signal));
    for (const f of [frames.first, frames.last]) await this.store.blobs.commitContent(f.tmp, f.record.file_path);
    await this.store.tx(async () => {
      await this.store.media.insert(frames.first.record);
      await this.store.media.insert(frames.last.record);
      await this.store.media.setFrames(m.media_id, frames.first.record.media_id, frames.last.record.media_id);
    });
    const updated = await this.get(m.media_id);
    for (const r of [frames.first.record, frames.last.record, updated]) await this.writeSidecar(r);
    return updated;
  }

  /**
   * A provider's output that ffprobe cannot read: paid for, so it is kept (as the type the model makes, with the
   * provider's mime type) rather than thrown away; it carries the reason and the caller reports it as a warning.
   */
  private async stageUnreadable(tmpPath: string, mimeHint: string | undefined, prov: Provenance, type: MediaType, problem: string): Promise<StagedFile> {
    const record: MediaRecord = {
      ...(await this.fileRecord(tmpPath, type, mimeHint ?? 'application/octet-stream', prov)),
      extra: { ...(prov.extra ?? {}), unreadable_media: problem },
    };
    return { tmp: tmpPath, record, type, unreadable: true };
  }

  /** A new record for a file: its id, where it will live, its hash and size, and its provenance. */
  private async fileRecord(tmpPath: string, type: MediaType, mime: string, prov: Provenance): Promise<MediaRecord> {
    const id = newId('med');
    const ext = knownExtension(mime) ?? (path.extname(tmpPath) || '.bin');
    const { sha256, bytes } = await sha256File(tmpPath);
    // Content-addressed: the same bytes are stored once, under their hash (older studios name files by media id).
    return { ...this.emptyRecord(id, type, prov), file_path: path.posix.join('media', type, sha256 + ext), mime, bytes, sha256 };
  }

  private emptyRecord(id: string, type: MediaType, prov: Provenance): MediaRecord {
    return {
      media_id: id,
      type,
      origin: prov.origin,
      provider: prov.provider ?? null,
      model: prov.model ?? null,
      input_params: prov.input_params ?? {},
      character_id: prov.character_id ?? null,
      shot_id: prov.shot_id ?? null,
      take_number: null,
      start_frame_used: prov.start_frame_used ?? null,
      end_frame_used: prov.end_frame_used ?? null,
      reference_images_used: prov.reference_images_used ?? [],
      file_path: '',
      mime: '',
      bytes: 0,
      sha256: '',
      duration: null,
      width: null,
      height: null,
      fps: null,
      has_audio: null,
      job_id: prov.job_id ?? null,
      provider_request_id: prov.provider_request_id ?? null,
      parent_media_id: prov.parent_media_id ?? null,
      first_frame_id: null,
      last_frame_id: null,
      extra: prov.extra ?? {},
      timestamp: nowIso(),
    };
  }

  private async stageFrames(video: StagedFile, signal?: AbortSignal): Promise<{ first: StagedFile; last: StagedFile }> {
    const firstTmp = this.store.blobs.tempPath('.png');
    const lastTmp = this.store.blobs.tempPath('.png');
    await extractFirstFrame(video.tmp, firstTmp, signal ? { signal } : {});
    await extractLastFrame(video.tmp, lastTmp, signal ? { signal } : {});
    const frameProv = (which: 'first' | 'last'): Provenance => ({
      origin: 'frame',
      provider: video.record.provider,
      model: video.record.model,
      character_id: video.record.character_id,
      shot_id: video.record.shot_id,
      job_id: video.record.job_id,
      parent_media_id: video.record.media_id,
      extra: { frame: which },
    });
    return {
      first: await this.stage(firstTmp, 'image/png', frameProv('first'), signal),
      last: await this.stage(lastTmp, 'image/png', frameProv('last'), signal),
    };
  }
}

/**
 * The JSON sidecar of a media item: `<media id>.json` beside its file (one file may serve several items, since files
 * are content-addressed; for files named by media id, as older studios have them, this is the file's own name).
 */
export function sidecarPath(m: Pick<MediaRecord, 'media_id' | 'file_path'>): string {
  return path.posix.join(path.posix.dirname(m.file_path), `${m.media_id}.json`);
}

interface StagedFile {
  tmp: string;
  record: MediaRecord;
  type: MediaType;
  /** Kept although ffprobe could not read it (a provider's paid output); no frames, no format. */
  unreadable?: boolean;
}
