import { createHash } from 'node:crypto';
import fs from 'node:fs';
import PQueue from 'p-queue';
import { StudioError, invalidInput } from '../errors.js';
import { mixBedsUnder } from '../media/bed-mix.js';
import { LOUDNESS_TARGET } from '../media/render/loudness.js';
import { concatStreamCopy, renderScene, type SceneSpec as SceneRenderSpec } from '../media/scene-render.js';
import { toSrt } from '../media/subtitle-format.js';
import { addSubtitles, type SubtitleMode } from '../media/subtitle-track.js';
import type { RenderSettings } from '../store/films.js';
import type { MediaRecord } from '../store/media.js';
import type { RenderRecord } from '../store/renders.js';
import type { Shot } from '../store/shots.js';
import type { StaleCut } from './cuts.js';
import { dialogueWarnings, INAUDIBLE_TAIL, lineSpans } from './dialogue-fit.js';
import { bedsForRender, bedsPastEnd, duckSpansOf } from './beds.js';
import { syncedLinesOf } from './lipsync-line.js';
import { renderTakeOf, type RenderTake } from './takes.js';
import { checkRender, type QcExpect, type QcReport, type QcShot } from './render-check.js';
import { sceneTimeline, type TimelineShot } from './timeline.js';
import type { Studio } from './studio.js';
import { mapAsync } from '../async-map.js';

/** The loudness render normalisation aims at (EBU R128, LUFS). */
const LOUDNORM_TARGET = LOUDNESS_TARGET.i;

/** Bump when the render pipeline changes output for the same inputs, so old renders are not reused (2: two-pass loudness). */
const RENDER_VERSION = 2;

export interface ResolvedSettings {
  width: number;
  height: number;
  fps: number;
  sample_rate: number;
  loudnorm: boolean;
}

export interface SceneRenderResult {
  scene_id: string;
  media_id: string;
  render_id: string;
  reused: boolean;
  mode: string;
  duration: number | null;
  file_path: string;
  settings: ResolvedSettings;
  shots: { shot_id: string; take_number: number; media_id: string; lipsync: boolean; dialogue_lines: number }[];
  /** Where each shot and line plays, in seconds from the start of the scene. */
  timeline: TimelineShot[];
  /** What the render carried that is probably not what was meant (stale cuts, lines cut or overlapping). */
  warnings: string[];
  stale_cuts?: StaleCut[];
  /** The check of the rendered file (absent with qc: false). */
  qc?: QcReport;
}

export interface FilmRenderResult {
  film_id: string;
  media_id: string;
  render_id: string;
  reused: boolean;
  mode: string;
  duration: number | null;
  file_path: string;
  scenes: { scene_id: string; media_id: string; reused: boolean }[];
  /** Each scene's place in the film with its shots (times from the start of the film). */
  timeline: { scene: number; scene_id: string; start: number; end: number; shots: TimelineShot[] }[];
  warnings: string[];
  stale_cuts?: StaleCut[];
  qc?: QcReport;
}

interface Opts {
  signal?: AbortSignal;
  onProgress?: (p: number, message?: string) => void;
  force?: boolean;
  loudnorm?: boolean;
  /** Settings imposed from outside (the film's), taking precedence over the scene's own. */
  settings?: RenderSettings;
  /** Refuse to render a scene with stale cuts or lines that do not fit (instead of rendering and warning). */
  strict?: boolean;
  /** Check the render after it is made (default true): black, frozen picture, silent lines, loudness, size. */
  qc?: boolean;
  /** The lines' words as subtitles drawn into the picture or as a soft track (default none). */
  subtitles?: SubtitleMode;
}

/**
 * Scene and film renders from project state. A render's identity is the hash of everything that goes into it
 * (each take's file hash, dialogue files and offsets, transitions, settings); an unchanged scene is reused, not
 * rendered again, which is what makes film renders incremental.
 */
export class RenderService {
  /**
   * ffmpeg is CPU-bound: one render at a time per process keeps progress meaningful and memory flat (a render
   * worker may be given more slots: `worker --role render --concurrency N`).
   */
  private readonly ffmpegQueue: PQueue;

  constructor(
    private readonly studio: Studio,
    ffmpegSlots = 1,
  ) {
    this.ffmpegQueue = new PQueue({ concurrency: ffmpegSlots });
  }

  /** The take a render uses for a shot: the current take, or a lip-synced version of it when one exists. */
  async takeForRender(shot: Shot): Promise<RenderTake> {
    const used = await renderTakeOf(this.studio.store, shot);
    if (!used) {
      if (shot.current_take_id) throw new StudioError('internal', `the current take of shot '${shot.shot_id}' points at missing media`);
      throw invalidInput(
        `shot '${shot.shot_id}' (position ${shot.position + 1}${shot.title ? `, "${shot.title}"` : ''}) has no take; generate it first (video_generate with ` +
          `shot_id)`,
        {
          field: 'shot_id',
        },
      );
    }
    if (!this.studio.store.blobs.present(used.media.file_path)) {
      throw invalidInput(`the file of take ${used.take.take_number} of shot '${shot.shot_id}' is missing from the studio folder`, { field: 'shot_id' });
    }
    return used;
  }

  /** QC reports by render media id: a render file never changes, so neither does its check. */
  private readonly qcCache = new Map<string, QcReport>();

  private async qc(media: MediaRecord, shots: QcShot[], stale: StaleCut[], expect: QcExpect, signal?: AbortSignal): Promise<QcReport> {
    const key = `${media.media_id}:${JSON.stringify(stale.map((c) => c.shot_id))}:${expect.targetLufs ?? ''}`;
    const hit = this.qcCache.get(key);
    if (hit) return hit;
    const report = await this.ffmpegQueue.add(() =>
      this.studio.store.blobs.withFile(this.studio.library.absPath(media), (file) => checkRender(file, media, shots, stale, expect, signal)),
    );
    if (!report) throw new StudioError('internal', 'render check did not run');
    if (this.qcCache.size > 500) this.qcCache.clear();
    this.qcCache.set(key, report);
    return report;
  }

  /** A timeline entry as the check sees it: placeholder stills are frozen by design; a fade through black is meant. */
  private qcShot(t: TimelineShot, media: MediaRecord | undefined, shot: Shot | undefined): QcShot {
    const fade = shot?.transition.type === 'fade_black' && shot.position > 0 ? shot.transition.duration : undefined;
    return { ...t, still: media?.provider === 'local', ...(fade !== undefined ? { fadeIn: fade } : {}) };
  }

  private async qcShotById(t: TimelineShot): Promise<QcShot> {
    const shot = await this.studio.store.shots.get(t.shot_id);
    return this.qcShot(t, shot ? (await renderTakeOf(this.studio.store, shot))?.media : undefined, shot);
  }

  /** Check the latest render of a scene or film again (e.g. after changing what counts as stale). */
  async checkLatest(kind: 'scene' | 'film', id: string, signal?: AbortSignal): Promise<{ media_id: string; qc: QcReport }> {
    const render = await this.studio.store.renders.latest(kind, id);
    if (!render) throw invalidInput(`${kind} '${id}' has not been rendered yet; call render_${kind} first`, { field: `${kind}_id` });
    const media = await this.studio.library.get(render.media_id);
    let shots: QcShot[];
    let stale: StaleCut[];
    if (kind === 'scene') {
      shots = await mapAsync(await this.sceneTimelineOf(id), (t) => this.qcShotById(t));
      stale = await this.studio.cuts.staleInScene(id);
    } else {
      let at = 0;
      shots = [];
      stale = [];
      for (const sc of await this.studio.store.scenes.list(id)) {
        const tl = await this.sceneTimelineOf(sc.scene_id);
        shots.push(
          ...(await mapAsync(tl, async (t) => ({
            ...(await this.qcShotById(t)),
            start: t.start + at,
            end: t.end + at,
            ...(t.lines ? { lines: t.lines.map((l) => ({ ...l, start: l.start + at, end: l.end + at })) } : {}),
            scene_id: sc.scene_id,
          }))),
        );
        stale.push(...(await this.studio.cuts.staleInScene(sc.scene_id)));
        at += tl.length ? (tl[tl.length - 1] as TimelineShot).end : 0;
      }
    }
    const settings = render.settings as Partial<ResolvedSettings>;
    const expect: QcExpect = {
      width: settings.width ?? media.width ?? 0,
      height: settings.height ?? media.height ?? 0,
      ...(settings.loudnorm ? { targetLufs: LOUDNORM_TARGET } : {}),
    };
    return { media_id: media.media_id, qc: await this.qc(media, shots, stale, expect, signal) };
  }

  /** Where each shot and line of a scene plays, from project state (no render needed). */
  async sceneTimelineOf(sceneId: string): Promise<TimelineShot[]> {
    const { store } = this.studio;
    const shots = await store.shots.listByScene((await this.studio.project.scene(sceneId)).scene_id);
    return sceneTimeline(await mapAsync(shots, async (shot) => ({ shot, ...(await this.takeForRender(shot)), lines: await lineSpans(store, shot) })));
  }

  /**
   * What is wrong with a scene's edit that a render would carry silently: stale cuts, lines that overlap or run
   * past their shot, a transition into the first shot. `strict` renders refuse when there is any.
   */
  async sceneProblems(sceneId: string): Promise<{ stale_cuts: StaleCut[]; warnings: string[] }> {
    const { store, cuts } = this.studio;
    const shots = await store.shots.listByScene(sceneId);
    const stale = await cuts.staleInScene(sceneId);
    const warnings = stale.map((c) => `stale cut: ${c.reason}; refresh it: ${c.fix.join(' then ')}`);
    for (const shot of shots) warnings.push(...(await dialogueWarnings(store, shot)));
    const first = shots[0];
    if (first && first.transition.type !== 'cut')
      warnings.push(`the ${first.transition.type} into the first shot ('${first.shot_id}') is ignored: there is no shot before it`);
    return { stale_cuts: stale, warnings };
  }

  resolveSettings(
    sceneSettings: RenderSettings,
    outer: RenderSettings | undefined,
    first: MediaRecord | undefined,
    loudnorm: boolean | undefined,
  ): ResolvedSettings {
    const s = { ...sceneSettings, ...(outer ?? {}) };
    const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);
    return {
      width: even(s.width ?? first?.width ?? 1280),
      height: even(s.height ?? first?.height ?? 720),
      fps: s.fps ?? (first?.fps ? Math.round(first.fps * 1000) / 1000 : 24),
      sample_rate: s.sample_rate ?? 48000,
      loudnorm: loudnorm ?? s.loudnorm ?? false,
    };
  }

  async renderScene(sceneId: string, opts: Opts = {}): Promise<SceneRenderResult> {
    const { store, project, library } = this.studio;
    const scene = await project.scene(sceneId);
    const shots = await store.shots.listByScene(sceneId);
    if (!shots.length) throw invalidInput(`scene '${sceneId}' has no shots; add shots with shot_create and generate them first`, { field: 'scene_id' });
    const used = await mapAsync(shots, async (shot) => ({ shot, ...(await this.takeForRender(shot)) }));
    const problems = await this.sceneProblems(sceneId);
    if (opts.strict && problems.warnings.length) {
      throw invalidInput(`scene '${sceneId}' was not rendered (strict): ${problems.warnings.join('; ')}`, { field: 'strict' });
    }
    const timeline = sceneTimeline(await mapAsync(used, async (u) => ({ ...u, lines: await lineSpans(store, u.shot) })));
    const settings = this.resolveSettings(scene.settings, opts.settings, used[0]?.media, opts.loudnorm);

    const specShots: SceneRenderSpec['shots'] = [];
    const hashInputs: unknown[] = [];
    for (const [i, u] of used.entries()) {
      const lipsyncAudio = u.lipsync ? await syncedLinesOf(this.studio, u.media) : [];
      // A lip-synced take already carries its line (both, for two speakers): mixing them again would double the voice.
      // A line that starts after its shot ends cannot be heard: it is left out of the mix (the scene's warnings name
      // it with its fix, and strict renders refuse it) instead of failing the whole render.
      const playable = (offset: number): boolean => u.media.duration === null || offset < u.media.duration - INAUDIBLE_TAIL;
      const lines = (await store.shots.audio(u.shot.shot_id)).filter((a) => !lipsyncAudio.includes(a.media_id) && playable(a.offset_seconds));
      const audio = await mapAsync(lines, async (a) => {
        const m = await store.media.get(a.media_id);
        // A line that cannot be mixed is named with the call that takes it out (the rest of the edit is fine).
        const unusable = !m
          ? 'is missing from the library'
          : !store.blobs.present(m.file_path)
            ? 'has no file in the studio folder'
            : m.extra['unreadable_media']
              ? 'is not readable audio'
              : undefined;
        if (!m || unusable) {
          throw invalidInput(
            `line '${a.audio_id}' of shot ${u.shot.position + 1} ('${u.shot.shot_id}'): its audio '${a.media_id}' ${unusable}; remove it with ` +
              `shot_remove_dialogue(shot_id: "${u.shot.shot_id}", audio_id: "${a.audio_id}") or voice it again`,
            { field: 'audio_id' },
          );
        }
        return { path: library.absPath(m), offsetSeconds: a.offset_seconds, gainDb: a.gain_db, sha256: m.sha256 };
      });
      const transition =
        i === 0
          ? { type: 'cut' as const, durationSeconds: 0 }
          : { type: u.shot.transition.type, durationSeconds: u.shot.transition.type === 'cut' ? 0 : u.shot.transition.duration };
      const known = library.knownFormat(u.media);
      specShots.push({
        id: u.shot.shot_id,
        video: library.absPath(u.media),
        ...(known ? { known } : {}),
        audio: audio.map(({ sha256: _s, ...a }) => a),
        transition,
      });
      hashInputs.push({ media: u.media.sha256, transition, audio: audio.map((a) => [a.sha256, a.offsetSeconds, a.gainDb]) });
    }
    const beds = await bedsForRender(this.studio, 'scene', sceneId);
    // Beds join the hash only when there are any, so renders made before beds existed are still reused.
    const subs = await this.subtitlesFor({ scene_id: sceneId }, opts.subtitles);
    const inputHash = hashOf({
      v: RENDER_VERSION,
      kind: 'scene',
      shots: hashInputs,
      settings,
      ...(beds.hash.length ? { beds: beds.hash } : {}),
      ...(subs.hash ? { subtitles: subs.hash } : {}),
    });
    const shotsOut = await mapAsync(used, async (u) => ({
      shot_id: u.shot.shot_id,
      take_number: u.take.take_number,
      media_id: u.media.media_id,
      lipsync: u.lipsync,
      dialogue_lines: (await store.shots.audio(u.shot.shot_id)).length,
    }));

    const sceneEnd = timeline.reduce((m, t) => Math.max(m, t.end), 0);
    const warnings = [...problems.warnings, ...(await bedsPastEnd(this.studio, 'scene', sceneId, sceneEnd)), ...subs.warnings];
    const report = { timeline, warnings, ...(problems.stale_cuts.length ? { stale_cuts: problems.stale_cuts } : {}) };
    const reuse = opts.force ? undefined : await this.reusable('scene', sceneId, inputHash);
    const qcShots = (): QcShot[] => timeline.map((t, i) => this.qcShot(t, used[i]?.media, used[i]?.shot));
    const qcExpect = { width: settings.width, height: settings.height, ...(settings.loudnorm ? { targetLufs: LOUDNORM_TARGET } : {}) };
    if (reuse) {
      const qc = opts.qc === false ? undefined : await this.qc(reuse.media, qcShots(), problems.stale_cuts, qcExpect, opts.signal);
      return { ...this.sceneResult(sceneId, reuse.render, reuse.media, true, settings), shots: shotsOut, ...report, ...(qc ? { qc } : {}) };
    }

    const spec: SceneRenderSpec = {
      shots: specShots,
      width: settings.width,
      height: settings.height,
      fps: settings.fps,
      pixFmt: 'yuv420p',
      sampleRate: settings.sample_rate,
      loudnorm: settings.loudnorm,
      ...(beds.specs.length ? { beds: beds.specs, duckSpans: duckSpansOf(timeline) } : {}),
    };
    const tmp = store.blobs.tempPath('.mp4');
    try {
      const out = await this.ffmpegQueue.add(() =>
        store.blobs.withFiles(async (files) => {
          const local = localSpec(spec, (p) => files.localize(p));
          await files.ready();
          return renderScene(local, tmp, {
            ...(opts.signal ? { signal: opts.signal } : {}),
            ...(opts.onProgress ? { onProgress: (p: number) => opts.onProgress?.(p, 'rendering scene') } : {}),
          });
        }),
      );
      if (!out) throw new StudioError('internal', 'render did not run');
      await this.applySubtitles(tmp, subs, opts);
      const media = await library.addFile(
        tmp,
        'video/mp4',
        {
          origin: 'render',
          input_params: { scene_id: sceneId, settings, shots: shotsOut },
          extra: { render: 'scene', scene_id: sceneId, mode: out.mode, input_hash: inputHash, ...(subs.mode ? { subtitles: subs.mode } : {}) },
        },
        { frames: false },
      );
      const render = await store.renders.insert({
        kind: 'scene',
        target_id: sceneId,
        media_id: media.media_id,
        input_hash: inputHash,
        inputs: shotsOut,
        settings,
        mode: out.mode,
      });
      this.studio.events.changed(`studio://scenes/${sceneId}`);
      const qc = opts.qc === false ? undefined : await this.qc(media, qcShots(), problems.stale_cuts, qcExpect, opts.signal);
      return { ...this.sceneResult(sceneId, render, media, false, settings), shots: shotsOut, ...report, ...(qc ? { qc } : {}) };
    } finally {
      await store.blobs.remove(tmp);
    }
  }

  /** The SRT a render carries (from the stored lines, exactly as subtitles_export writes it) and its hash. */
  private async subtitlesFor(
    target: { scene_id: string } | { film_id: string },
    mode: SubtitleMode | undefined,
  ): Promise<{ mode?: Exclude<SubtitleMode, 'none'>; srt?: string; hash?: string; warnings: string[] }> {
    if (!mode || mode === 'none') return { warnings: [] };
    const srt = toSrt((await this.studio.subtitles.cues(target, false)).cues);
    if (srt.trim() === '') return { warnings: [`subtitles: '${mode}' asked for, but no line has words (voice_tts lines do); rendered without subtitles`] };
    return { mode, srt, hash: hashOf({ mode, srt }), warnings: [] };
  }

  /** Add the subtitles to a finished render in place (a temp file of the studio). */
  private async applySubtitles(file: string, subs: { mode?: Exclude<SubtitleMode, 'none'>; srt?: string }, opts: Opts): Promise<void> {
    if (!subs.mode || subs.srt === undefined) return;
    const { store } = this.studio;
    const srtFile = store.blobs.tempPath('.srt');
    try {
      await fs.promises.writeFile(srtFile, subs.srt, 'utf8');
      const mode = subs.mode;
      await this.ffmpegQueue.add(() => addSubtitles(file, srtFile, mode, file, opts.signal ? { signal: opts.signal } : {}));
    } finally {
      await store.blobs.remove(srtFile);
    }
  }

  private async reusable(kind: 'scene' | 'film', targetId: string, hash: string): Promise<{ render: RenderRecord; media: MediaRecord } | undefined> {
    const render = await this.studio.store.renders.findByHash(kind, targetId, hash);
    if (!render) return undefined;
    const media = await this.studio.store.media.get(render.media_id);
    if (!media || !this.studio.store.blobs.present(media.file_path)) return undefined;
    return { render, media };
  }

  private sceneResult(
    sceneId: string,
    render: RenderRecord,
    media: MediaRecord,
    reused: boolean,
    settings: ResolvedSettings,
  ): Omit<SceneRenderResult, 'shots' | 'timeline' | 'warnings' | 'stale_cuts'> {
    return {
      scene_id: sceneId,
      media_id: media.media_id,
      render_id: render.render_id,
      reused,
      mode: reused ? 'reused' : render.mode,
      duration: media.duration,
      file_path: this.studio.library.absPath(media),
      settings,
    };
  }

  async renderFilm(filmId: string, opts: Opts = {}): Promise<FilmRenderResult> {
    const { store, project, library } = this.studio;
    const film = await project.film(filmId);
    const scenes = await store.scenes.list(filmId);
    if (!scenes.length) throw invalidInput(`film '${filmId}' has no scenes; add scenes with scene_create(film_id=…)`, { field: 'film_id' });
    // Every scene of a film is rendered to the same format so the film can be joined by stream copy.
    const firstShot = (await store.shots.listByScene(scenes[0]?.scene_id ?? ''))[0];
    const firstMedia = firstShot ? (await this.takeForRender(firstShot)).media : undefined;
    const filmSettings = this.resolveSettings({}, { ...(scenes[0]?.settings ?? {}), ...film.settings }, firstMedia, opts.loudnorm ?? film.settings.loudnorm);
    const { loudnorm: _l, ...outer } = filmSettings;
    if (opts.strict) {
      const problems = (
        await mapAsync(scenes, async (sc, i) => (await this.sceneProblems(sc.scene_id)).warnings.map((w) => `scene ${i + 1} ('${sc.scene_id}'): ${w}`))
      ).flat();
      if (problems.length) throw invalidInput(`film '${filmId}' was not rendered (strict): ${problems.join('; ')}`, { field: 'strict' });
    }
    const results: SceneRenderResult[] = [];
    for (const [i, scene] of scenes.entries()) {
      const report = (p: number, m?: string): void => opts.onProgress?.((i + p) / (scenes.length + 0.2), `scene ${i + 1}/${scenes.length}: ${m ?? ''}`);
      // Subtitles belong to the film's timeline: its scenes are rendered without them, so they join and are reused.
      results.push(
        await this.renderScene(scene.scene_id, { ...opts, qc: false, settings: outer, loudnorm: filmSettings.loudnorm, onProgress: report, subtitles: 'none' }),
      );
    }
    const filmBeds = await bedsForRender(this.studio, 'film', filmId);
    const subs = await this.subtitlesFor({ film_id: filmId }, opts.subtitles);
    const inputHash = hashOf({
      v: RENDER_VERSION,
      kind: 'film',
      scenes: results.map((r) => r.media_id),
      ...(filmBeds.hash.length ? { beds: filmBeds.hash, sample_rate: filmSettings.sample_rate } : {}),
      ...(subs.hash ? { subtitles: subs.hash } : {}),
    });
    const scenesOut = results.map((r) => ({ scene_id: r.scene_id, media_id: r.media_id, reused: r.reused }));
    // Scenes are joined end to end, so each scene's timeline shifts by the length of the scenes before it.
    let at = 0;
    const timeline = results.map((r, i) => {
      const start = at;
      at += r.duration ?? 0;
      const shift = (t: number): number => Math.round((t + start) * 100) / 100;
      const shots = r.timeline.map((s) => ({
        ...s,
        start: shift(s.start),
        end: shift(s.end),
        ...(s.lines ? { lines: s.lines.map((l) => ({ ...l, start: shift(l.start), end: shift(l.end) })) } : {}),
      }));
      return { scene: i + 1, scene_id: r.scene_id, start: Math.round(start * 100) / 100, end: Math.round(at * 100) / 100, shots };
    });
    const warnings = [
      ...results.flatMap((r, i) => r.warnings.map((w) => `scene ${i + 1} ('${r.scene_id}'): ${w}`)),
      ...(await bedsPastEnd(this.studio, 'film', filmId, at)),
      ...subs.warnings,
    ];
    const staleCuts = results.flatMap((r) => r.stale_cuts ?? []);
    const report = { timeline, warnings, ...(staleCuts.length ? { stale_cuts: staleCuts } : {}) };
    const filmQc = async (media: MediaRecord): Promise<{ qc?: QcReport }> => {
      if (opts.qc === false) return {};
      const shots: QcShot[] = [];
      for (const sc of timeline) for (const t of sc.shots) shots.push({ ...(await this.qcShotById(t)), scene_id: sc.scene_id });
      return {
        qc: await this.qc(
          media,
          shots,
          staleCuts,
          { width: filmSettings.width, height: filmSettings.height, ...(filmSettings.loudnorm ? { targetLufs: LOUDNORM_TARGET } : {}) },
          opts.signal,
        ),
      };
    };
    const reuse = opts.force ? undefined : await this.reusable('film', filmId, inputHash);
    if (reuse)
      return {
        film_id: filmId,
        media_id: reuse.media.media_id,
        render_id: reuse.render.render_id,
        reused: true,
        mode: 'reused',
        duration: reuse.media.duration,
        file_path: library.absPath(reuse.media),
        scenes: scenesOut,
        ...report,
        ...(await filmQc(reuse.media)),
      };

    // The scene renders and film beds as local files for ffmpeg (object storage: scratch copies, released at the end).
    const files = store.blobs.lease();
    const paths = results.map((r) => files.localize(r.file_path));
    const bedSpecs = filmBeds.specs.map((b) => ({ ...b, path: files.localize(b.path) }));
    const tmp = store.blobs.tempPath('.mp4');
    try {
      let mode = 'copy';
      await files.ready();
      await this.ffmpegQueue.add(async () => {
        try {
          // Scenes rendered to the film's settings by the same encoder join by stream copy; concatStreamCopy
          // refuses (invalid_input) anything that differs, e.g. a scene that was itself a stream-copy of clips.
          await concatStreamCopy(paths, tmp, opts.signal ? { signal: opts.signal } : {});
        } catch (err) {
          if (!(err instanceof StudioError) || err.code !== 'invalid_input') throw err;
          mode = 'encode';
          await renderScene(
            {
              shots: results.map((r, i) => ({ id: r.scene_id, video: paths[i] ?? r.file_path, audio: [], transition: { type: 'cut', durationSeconds: 0 } })),
              width: filmSettings.width,
              height: filmSettings.height,
              fps: filmSettings.fps,
              pixFmt: 'yuv420p',
              sampleRate: filmSettings.sample_rate,
              loudnorm: false,
            },
            tmp,
            opts.signal ? { signal: opts.signal } : {},
          );
        }
      });
      if (filmBeds.specs.length) {
        // A film bed runs across the scene cuts: mixed once under the joined film, picture copied.
        const joined = store.blobs.tempPath('.mp4');
        try {
          await fs.promises.rename(tmp, joined);
          await this.ffmpegQueue.add(() =>
            mixBedsUnder(joined, bedSpecs, duckSpansOf(timeline.flatMap((sc) => sc.shots)), tmp, {
              sampleRate: filmSettings.sample_rate,
              ...(opts.signal ? { signal: opts.signal } : {}),
            }),
          );
        } finally {
          await store.blobs.remove(joined);
        }
        mode = `${mode}+beds`;
      }
      if (subs.mode) {
        await this.applySubtitles(tmp, subs, opts);
        mode = `${mode}+subtitles`;
      }
      opts.onProgress?.(1, 'film joined');
      const media = await library.addFile(
        tmp,
        'video/mp4',
        {
          origin: 'render',
          input_params: { film_id: filmId, scenes: scenesOut },
          extra: { render: 'film', film_id: filmId, mode, input_hash: inputHash, ...(subs.mode ? { subtitles: subs.mode } : {}) },
        },
        { frames: false },
      );
      const render = await store.renders.insert({
        kind: 'film',
        target_id: filmId,
        media_id: media.media_id,
        input_hash: inputHash,
        inputs: scenesOut,
        settings: filmSettings,
        mode,
      });
      this.studio.events.changed(`studio://films/${filmId}`);
      return {
        film_id: filmId,
        media_id: media.media_id,
        render_id: render.render_id,
        reused: false,
        mode,
        duration: media.duration,
        file_path: library.absPath(media),
        scenes: scenesOut,
        ...report,
        ...(await filmQc(media)),
      };
    } finally {
      await store.blobs.remove(tmp);
      await files.release();
    }
  }
}

/** The spec with every stored file made local (object storage: a lease's scratch copies). */
function localSpec(spec: SceneRenderSpec, local: (p: string) => string): SceneRenderSpec {
  return {
    ...spec,
    shots: spec.shots.map((s) => ({ ...s, video: local(s.video), ...(s.audio ? { audio: s.audio.map((a) => ({ ...a, path: local(a.path) })) } : {}) })),
    ...(spec.beds ? { beds: spec.beds.map((b) => ({ ...b, path: local(b.path) })) } : {}),
  };
}

function hashOf(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex');
}
