import { fieldForRole, hasRole } from '../capabilities/arg-fields.js';
import type { Capability } from '../capabilities/types.js';
import { invalidInput } from '../errors.js';
import { contactSheet, extractEvery, extractFrameAt, storyboardSheet } from '../media/frames.js';
import type { MediaRecord } from '../store/media.js';
import type { Shot } from '../store/shots.js';
import { BridgeShots } from './bridges.js';
import type { Studio } from './studio.js';
import { mapAsync } from '../async-map.js';

/** One cell of a storyboard row. */
export interface StoryboardCell {
  shot_id: string;
  /** 1-based position in the scene. */
  shot_number: number;
  title: string | null;
  frame: 'first' | 'last';
  /** The frame's image media. */
  media_id: string;
}

export interface FramesResult {
  frames: { media_id: string; label: string }[];
  contact_sheet: MediaRecord | null;
  /** Storyboards only: one row per cut, top to bottom (left = before the cut, right = after it). */
  rows?: { row: number; left: StoryboardCell; right: StoryboardCell }[];
  note?: string;
}

export interface FrameRequest {
  media_id?: string;
  shot_id?: string;
  scene_id?: string;
  which?: 'first' | 'last' | 'both';
  times?: number[];
  every_seconds?: number;
  contact_sheet?: boolean;
}

/**
 * Continuity between shots: last frames handed on as start frames, frames and storyboards for looking at cuts,
 * and bridge clips between shots.
 */
export class Continuity {
  /** Bridge shots follow their job: one that fails or is canceled takes its empty shot with it. */
  readonly bridges: BridgeShots;

  constructor(private readonly studio: Studio) {
    this.bridges = new BridgeShots(studio);
    this.bridges.startSweep();
  }

  /** The model a shot is generated with: its own, else the studio's default offered video model. */
  private shotModel(shot: Shot): Capability {
    return this.studio.registry.require(shot.model ?? this.studio.offered.defaultModel('video_generate'), 'model', 'video_generate');
  }

  /** Video models that take a start frame (for error messages that say what would work). */
  modelsWith(...roles: ('start_frame' | 'end_frame')[]): string[] {
    return this.studio.registry
      .list({ task: 'video_generate' })
      .filter((c) => roles.every((r) => hasRole(c, r)))
      .map((c) => c.id);
  }

  /** Set a shot's start frame to the previous shot's last frame. */
  async useLastFrame(shotId: string): Promise<{ shot: Shot; start_frame: string; from_shot_id: string; model: string }> {
    const { project, planner, store } = this.studio;
    const shot = await project.shot(shotId);
    const cap = this.shotModel(shot);
    if (!hasRole(cap, 'start_frame')) {
      throw invalidInput(
        `${cap.id} takes no start frame, so the shot cannot continue from the previous shot's last frame; video models with a start frame: ` +
          `${this.modelsWith('start_frame').join(', ')}`,
        {
          field: 'shot_id',
          model: cap.id,
          accepts: this.modelsWith('start_frame').join(', '),
        },
      );
    }
    const lastFrame = await planner.previousLastFrame(shot);
    const prev = (await store.shots.previous(shot)) as Shot;
    await store.tx(async () => {
      await store.shots.setFrames(shotId, { start: lastFrame });
      await store.shots.update(shotId, { continues: true });
    });
    this.studio.events.changed(`studio://scenes/${shot.scene_id}`);
    return { shot: await project.shot(shotId), start_frame: lastFrame, from_shot_id: prev.shot_id, model: cap.id };
  }

  /** Frames of a video (or a shot's current take) as image media, or a scene storyboard. */
  async frames(req: FrameRequest, signal?: AbortSignal): Promise<FramesResult> {
    const { library, store, project } = this.studio;
    const labelled: { media_id: string; label: string }[] = [];
    if (req.scene_id) return this.storyboard(req.scene_id, signal);
    let video: MediaRecord;
    if (req.media_id) video = await library.get(req.media_id);
    else if (req.shot_id) {
      const shot = await project.shot(req.shot_id);
      const take = shot.current_take_id ? await store.shots.getTake(shot.current_take_id) : undefined;
      if (!take) throw invalidInput(`shot '${req.shot_id}' has no take yet`, { field: 'shot_id' });
      video = await library.get(take.media_id);
    } else throw invalidInput('give media_id, shot_id or scene_id', { field: 'media_id' });
    if (video.type !== 'video') throw invalidInput(`'${video.media_id}' is ${video.type}, not a video`, { field: 'media_id' });
    video = await library.ensureFrames(video, signal);

    const which = req.which ?? (req.times || req.every_seconds ? undefined : 'both');
    if (which === 'first' || which === 'both') if (video.first_frame_id) labelled.push({ media_id: video.first_frame_id, label: 'first' });
    if (which === 'last' || which === 'both') if (video.last_frame_id) labelled.push({ media_id: video.last_frame_id, label: 'last' });
    const src = library.absPath(video);
    const duration = video.duration ?? 0;
    for (const t of req.times ?? []) {
      if (t < 0 || t > duration) throw invalidInput(`time ${t} s is outside the video (0–${duration.toFixed(3)} s)`, { field: 'times' });
      const tmp = store.blobs.tempPath('.png');
      await store.blobs.withFile(src, (file) => extractFrameAt(file, t, tmp, signal ? { signal } : {}));
      const m = await library.addFile(tmp, 'image/png', {
        origin: 'frame',
        parent_media_id: video.media_id,
        shot_id: video.shot_id,
        extra: { frame: 'at', seconds: t },
      });
      labelled.push({ media_id: m.media_id, label: `${t.toFixed(2)} s` });
    }
    if (req.every_seconds) {
      if (req.every_seconds <= 0) throw invalidInput('every_seconds must be positive', { field: 'every_seconds' });
      if (duration / req.every_seconds > 200)
        throw invalidInput(`every_seconds=${req.every_seconds} would make more than 200 frames`, { field: 'every_seconds' });
      const dir = await store.blobs.tempDir('frames');
      try {
        const every = req.every_seconds;
        const files = await store.blobs.withFile(src, (file) => extractEvery(file, every, dir, signal ? { signal } : {}));
        for (const [i, f] of files.entries()) {
          const m = await library.addFile(f, 'image/png', {
            origin: 'frame',
            parent_media_id: video.media_id,
            shot_id: video.shot_id,
            extra: { frame: 'every', seconds: i * req.every_seconds },
          });
          labelled.push({ media_id: m.media_id, label: `${(i * req.every_seconds).toFixed(2)} s` });
        }
      } finally {
        await store.blobs.remove(dir);
      }
    }
    const sheet = req.contact_sheet ? await this.sheet(labelled, { media_id: video.media_id }, signal) : null;
    return { frames: labelled, contact_sheet: sheet };
  }

  /**
   * A scene's storyboard: one row per cut, shot N's last frame | shot N+1's first frame, in scene order. A scene of
   * one shot has no cut; its single row shows that shot's first | last frame, and `note` says so.
   */
  private async storyboard(sceneId: string, signal?: AbortSignal): Promise<FramesResult> {
    const { library, store, project } = this.studio;
    const scene = await project.scene(sceneId);
    const shots = await store.shots.listByScene(scene.scene_id);
    if (!shots.length) throw invalidInput(`scene '${sceneId}' has no shots`, { field: 'scene_id' });
    const ends: { shot: Shot; number: number; first: string; last: string }[] = [];
    for (const [i, shot] of shots.entries()) {
      const take = shot.current_take_id ? await store.shots.getTake(shot.current_take_id) : undefined;
      if (!take) throw invalidInput(`shot ${i + 1} ('${shot.shot_id}') has no take yet; generate it before making the storyboard`, { field: 'scene_id' });
      const video = await library.ensureFrames(await library.get(take.media_id), signal);
      if (!video.first_frame_id || !video.last_frame_id)
        throw invalidInput(`shot ${i + 1} ('${shot.shot_id}'): its take has no frames to show`, { field: 'scene_id' });
      ends.push({ shot, number: i + 1, first: video.first_frame_id, last: video.last_frame_id });
    }
    const cell = (e: (typeof ends)[number], which: 'first' | 'last'): StoryboardCell => ({
      shot_id: e.shot.shot_id,
      shot_number: e.number,
      title: e.shot.title ?? null,
      frame: which,
      media_id: which === 'first' ? e.first : e.last,
    });
    const pairs: [StoryboardCell, StoryboardCell][] = ends.slice(1).map((after, i) => [cell(ends[i] ?? after, 'last'), cell(after, 'first')]);
    const only = ends.length === 1 ? ends[0] : undefined;
    if (only) pairs.push([cell(only, 'first'), cell(only, 'last')]);
    const label = (c: StoryboardCell) => `${c.shot_number} ${c.frame}`;
    // The title last: a long one is cut at the tile's edge, never the shot number or first/last.
    const caption = (c: StoryboardCell) => `shot ${c.shot_number} ${c.frame}${c.title ? ` · ${c.title}` : ''}`;
    const tmp = store.blobs.tempPath('.png');
    await store.blobs.withFiles(async (files) => {
      const local = async (id: string): Promise<string> => files.localize(library.absPath(await library.get(id)));
      const cells = await mapAsync(pairs, async ([l, r]) => ({
        left: { path: await local(l.media_id), label: caption(l) },
        right: { path: await local(r.media_id), label: caption(r) },
      }));
      await files.ready();
      await storyboardSheet(cells, tmp, signal ? { signal } : {});
    });
    const rows = pairs.map(([left, right], i) => ({ row: i + 1, left, right }));
    const sheet = await library.addFile(tmp, 'image/png', {
      origin: 'frame',
      extra: { contact_sheet: true, storyboard: true, scene_id: scene.scene_id, rows: rows.map((r) => `${label(r.left)} | ${label(r.right)}`) },
    });
    const frames = pairs.flatMap((p) => p.map((c) => ({ media_id: c.media_id, label: label(c) })));
    return {
      frames,
      contact_sheet: sheet,
      rows,
      ...(only ? { note: 'the scene has one shot, so there is no cut: the single row shows its first | last frame' } : {}),
    };
  }

  private async sheet(items: { media_id: string; label: string }[], about: Record<string, string>, signal?: AbortSignal): Promise<MediaRecord | null> {
    if (!items.length) return null;
    const { library, store } = this.studio;
    const tmp = store.blobs.tempPath('.png');
    await store.blobs.withFiles(async (files) => {
      const cells = await mapAsync(items, async (i) => ({ path: files.localize(library.absPath(await library.get(i.media_id))), label: i.label }));
      await files.ready();
      await contactSheet(cells, tmp, { columns: Math.min(items.length, 6), ...(signal ? { signal } : {}) });
    });
    return library.addFile(tmp, 'image/png', { origin: 'frame', extra: { contact_sheet: true, ...about, labels: items.map((i) => i.label) } });
  }

  /** Pick the model for a bridge between two shots: one that takes a start and an end frame. */
  async bridgeModel(from: Shot, requested: string | undefined): Promise<{ cap?: Capability; reason?: string }> {
    const both = this.modelsWith('start_frame', 'end_frame');
    if (requested) {
      const cap = this.studio.registry.require(requested, 'model', 'video_generate');
      if (!fieldForRole(cap, 'end_frame') || !fieldForRole(cap, 'start_frame')) {
        throw invalidInput(`${cap.id} does not take both a start and an end frame, so it cannot make a bridge; models that do: ${both.join(', ')}`, {
          field: 'model',
          model: cap.id,
          accepts: both.join(', '),
        });
      }
      this.studio.offered.require(cap);
      const a = this.studio.models.availability(cap);
      return a.available ? { cap } : { reason: `${cap.id} is not available here (${a.reason})` };
    }
    // The model that made the shot's current take says which provider the film is being shot on.
    const take = from.current_take_id ? await this.studio.store.shots.getTake(from.current_take_id) : undefined;
    const takeModel = take ? (await this.studio.store.media.get(take.media_id))?.model : undefined;
    const fromCap = (takeModel ? this.studio.registry.get(takeModel) : undefined) ?? this.shotModel(from);
    const candidates = [fromCap, ...this.studio.registry.list({ task: 'video_generate', provider: fromCap.provider })].filter(
      (c) => hasRole(c, 'start_frame') && hasRole(c, 'end_frame') && this.studio.offered.offers(c) && this.studio.models.availability(c).available,
    );
    if (candidates[0]) return { cap: candidates[0] };
    return { reason: `no available ${fromCap.provider} model takes both a start and an end frame (models that do: ${both.join(', ')})` };
  }
}
