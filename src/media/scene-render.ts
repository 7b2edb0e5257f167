import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../errors.js';
import { aac, FASTSTART, fpsArg, fpsValue, frameCount, h264 } from './encode.js';
import { inputFile, outputFile, runFfmpeg } from './ffmpeg.js';
import { siblingTemp, tempDir } from '../temp.js';
import { readMp4Info } from './mp4info.js';
import { probe, type ProbeResult } from './probe.js';
import { runConcatCopy, writeConcatList } from './render/concat.js';
import { bedInputOptions } from './render/beds.js';
import { buildSceneGraph, type PlannedShot } from './render/graph.js';
import { applyFilter, parseMeasurement } from './render/loudness.js';
import { sameVideoConfig, checkReadable, copyMismatch, mapLimit, probeShotAudio, probeShotVideo, type CopyTarget } from './render/inspect.js';
import type { RenderOptions, RenderResult, SceneSpec } from './render/types.js';

export type { RenderOptions, RenderResult, SceneShot, SceneShotAudio, SceneSpec, SceneTransition } from './render/types.js';

/**
 * Scene and film rendering. A scene is joined by stream copy when its clips already share one format and are only
 * cut together (lossless, and as fast as ffmpeg's own concat); otherwise every shot is normalised and the scene is
 * encoded once. Output goes to a temp file beside `outMp4`, is verified with ffprobe, then renamed into place:
 * a failed or canceled render leaves nothing behind.
 */

/** Probes at a time: ffprobe is light, but twelve at once would still fight over two cores. */
const PROBE_CONCURRENCY = 4;

function validateSpec(spec: SceneSpec): void {
  if (spec.shots.length === 0) throw new StudioError('invalid_input', 'a scene needs at least one shot', { field: 'shots' });
  const ids = new Set<string>();
  for (const s of spec.shots) {
    if (ids.has(s.id)) throw new StudioError('invalid_input', `shot id '${s.id}' appears twice in the scene`, { field: 'shots' });
    ids.add(s.id);
  }
  const { width, height, fps } = spec;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16 || width % 2 || height % 2) {
    throw new StudioError('invalid_input', 'scene width and height must be even whole numbers >= 16', { field: 'width' });
  }
  if (!(fps > 0 && fps <= 120)) throw new StudioError('invalid_input', 'scene fps must be between 0 and 120', { field: 'fps' });
  if (spec.pixFmt !== undefined && spec.pixFmt !== 'yuv420p') {
    throw new StudioError('invalid_input', 'only yuv420p scenes are rendered', { field: 'pixFmt' });
  }
}

/** Durations within this of what the inputs add up to count as right (frame rounding, AAC priming). */
function tolerance(fps: number, shots: number): number {
  return 2 / fpsValue(fps) + 0.05 + 0.03 * shots;
}

/**
 * Check a finished render: exactly one video and one audio stream, and the expected length. Read from the mp4's
 * own index in-process (an ffprobe start-up would cost as much as a whole stream-copy join); ffprobe only when the
 * index is not understood.
 */
async function verify(out: string, expectedSeconds: number, tol: number): Promise<number> {
  const mp4 = await readMp4Info(out);
  const counts = mp4
    ? {
        video: mp4.tracks.filter((t) => t.handler === 'vide').length,
        audio: mp4.tracks.filter((t) => t.handler === 'soun').length,
        duration: mp4.durationSeconds,
      }
    : await probe(out, { cache: false }).then((p) => ({ video: p.videoStreams, audio: p.audioStreams, duration: p.durationSeconds }));
  if (counts.video !== 1 || counts.audio !== 1) {
    throw new StudioError('internal', `render produced ${counts.video} video and ${counts.audio} audio streams, expected 1 and 1`);
  }
  if (Math.abs(counts.duration - expectedSeconds) > tol) {
    throw new StudioError('internal', `render is ${counts.duration.toFixed(2)} s long, expected ${expectedSeconds.toFixed(2)} s`);
  }
  return counts.duration;
}

/** Copy-join `files`, verify, and on a length mismatch find and name the unreadable input. */
async function copyJoin(files: { id: string; field: string; path: string; seconds: number }[], out: string, fps: number, opts: RenderOptions): Promise<number> {
  const expected = files.reduce((a, f) => a + f.seconds, 0);
  const tmp = await tempDir('studio-concat-');
  try {
    const list = path.join(tmp.dir, 'list.txt');
    await writeConcatList(
      files.map((f) => f.path),
      list,
    );
    try {
      await runConcatCopy(list, out, expected, opts);
      return await verify(out, expected, tolerance(fps, files.length));
    } catch (e) {
      if (e instanceof StudioError && e.code === 'canceled') throw e;
      // A truncated input stops the demuxer early; only now pay for reading every input to say which one.
      for (const f of files) await checkReadable(f.id, f.field, f.path, opts.signal);
      throw e;
    }
  } finally {
    await tmp.dispose();
  }
}

/**
 * Render a scene to `outMp4` (H.264/AAC mp4, faststart). Returns how it was made and the probed duration:
 * sum of the shots minus crossfade overlaps. Errors about an input name its shot id.
 */
export async function renderScene(spec: SceneSpec, outMp4: string, opts: RenderOptions = {}): Promise<RenderResult> {
  validateSpec(spec);
  const sampleRate = spec.sampleRate ?? 48_000;
  const pixFmt = spec.pixFmt ?? 'yuv420p';
  const infos = await mapLimit(spec.shots, PROBE_CONCURRENCY, (s, i) => probeShotVideo(s.id, `shots[${i}].video`, s.video, opts.signal, s.known));
  // Dialogue is probed only to fail early, naming the shot, on unreadable or zero-length audio.
  await mapLimit(spec.shots, PROBE_CONCURRENCY, (s, i) =>
    mapLimit(s.audio ?? [], 2, (a, j) => probeShotAudio(s.id, `shots[${i}].audio[${j}]`, a.path, opts.signal)),
  );

  const target: CopyTarget = { width: spec.width, height: spec.height, fps: spec.fps, pixFmt, sampleRate };
  const profile = infos[0]?.videoProfile ?? null;
  const canCopy =
    !opts.forceEncode &&
    !spec.loudnorm &&
    !spec.beds?.length &&
    spec.shots.every((s, i) => (i === 0 || !s.transition || s.transition.type === 'cut') && (s.audio ?? []).length === 0) &&
    infos.every((info) => copyMismatch(info, target, profile) === undefined) &&
    (await sameVideoConfig(spec.shots.map((s) => s.video)));

  const out = siblingTemp(outMp4, '.mp4');
  try {
    let durationSeconds: number;
    if (canCopy) {
      durationSeconds = await copyJoin(
        spec.shots.map((s, i) => ({ id: s.id, field: `shots[${i}].video`, path: s.video, seconds: infos[i]?.durationSeconds ?? 0 })),
        out,
        spec.fps,
        opts,
      );
    } else {
      durationSeconds = await encodeScene(spec, infos, out, sampleRate, opts);
    }
    await rename(out, outMp4);
    return { mode: canCopy ? 'copy' : 'encode', durationSeconds };
  } finally {
    await rm(out, { force: true });
  }
}

function plan(spec: SceneSpec, infos: ProbeResult[]): PlannedShot[] {
  const fps = fpsValue(spec.fps);
  const frames = spec.shots.map((_, i) => frameCount(infos[i]?.durationSeconds ?? 0, spec.fps));
  let nextInput = spec.shots.length;
  return spec.shots.map((s, i) => {
    const secs = (frames[i] ?? 1) / fps;
    const t = i === 0 ? undefined : s.transition;
    const next = spec.shots[i + 1]?.transition;
    const tSecs = t?.durationSeconds ?? 0;
    if (t && t.type !== 'cut') {
      const prevSecs = (frames[i - 1] ?? 1) / fps;
      // A transition longer than either shot has nothing to overlap with.
      if (!(tSecs > 0) || tSecs >= Math.min(secs, prevSecs)) {
        throw new StudioError(
          'invalid_input',
          `shot '${s.id}': a ${t.type} of ${tSecs} s needs both shots longer than it (${prevSecs.toFixed(2)} s and ${secs.toFixed(2)} s)`,
          { field: `shots[${i}].transition` },
        );
      }
    }
    const dialogue = (s.audio ?? []).map((a, j) => {
      if (!(a.offsetSeconds >= 0) || a.offsetSeconds >= secs) {
        throw new StudioError('invalid_input', `shot '${s.id}': audio offset ${a.offsetSeconds} s is outside the shot (0..${secs.toFixed(2)} s)`, {
          field: `shots[${i}].audio[${j}].offsetSeconds`,
        });
      }
      return { input: nextInput++, offsetSeconds: a.offsetSeconds, gainDb: a.gainDb ?? 0 };
    });
    return {
      input: i,
      hasAudio: infos[i]?.hasAudio ?? false,
      frames: frames[i] ?? 1,
      dialogue,
      fadeInSeconds: t?.type === 'fade_black' ? tSecs / 2 : 0,
      fadeOutSeconds: next?.type === 'fade_black' && i + 1 < spec.shots.length ? next.durationSeconds / 2 : 0,
      join: t?.type === 'crossfade' ? { kind: 'xfade', seconds: tSecs } : { kind: 'concat' },
    };
  });
}

async function encodeScene(spec: SceneSpec, infos: ProbeResult[], out: string, sampleRate: number, opts: RenderOptions): Promise<number> {
  const shots = plan(spec, infos);
  // The encode decodes everything anyway; reading packets first turns "the render is odd" into "shot X is corrupt".
  await mapLimit(spec.shots, 2, (s, i) => checkReadable(s.id, `shots[${i}].video`, s.video, opts.signal));
  const args: string[] = [];
  for (const s of spec.shots) args.push(...inputFile(s.video));
  for (const s of spec.shots) for (const a of s.audio ?? []) args.push(...inputFile(a.path));
  const beds = spec.beds ?? [];
  const firstBed = spec.shots.reduce((n, s) => n + 1 + (s.audio ?? []).length, 0);
  for (const b of beds) args.push(...inputFile(b.path, bedInputOptions(b)));
  const format = {
    width: spec.width,
    height: spec.height,
    fps: spec.fps,
    sampleRate,
    ...(beds.length ? { beds: { beds, firstInput: firstBed, spans: spec.duckSpans ?? [] } } : {}),
  };
  const loudness = spec.loudnorm ? await measuredLoudness(args, buildSceneGraph(shots, { ...format, loudness: 'measure' }).graph, opts) : 'none';
  const { graph, totalSeconds } = buildSceneGraph(shots, { ...format, loudness });
  await runFfmpeg(
    [
      ...args,
      '-filter_complex',
      graph,
      '-map',
      '[vout]',
      '-map',
      '[aout]',
      '-r',
      fpsArg(spec.fps),
      ...h264(opts.crf ?? 18, opts.preset ?? 'veryfast'),
      ...aac(sampleRate),
      ...FASTSTART,
      '-f',
      'mp4',
      outputFile(out),
    ],
    { signal: opts.signal, onProgress: opts.onProgress, expectedDurationSeconds: totalSeconds, outputs: [out], what: 'scene render' },
  );
  return verify(out, totalSeconds, tolerance(spec.fps, spec.shots.length));
}

/**
 * First pass of two-pass loudness normalisation: the scene's audio mix alone, measured (no video is decoded).
 * A mix that cannot be measured or is silent is left as it is.
 */
async function measuredLoudness(inputs: string[], graph: string, opts: RenderOptions): Promise<'none' | { apply: string }> {
  const r = await runFfmpeg([...inputs, '-loglevel', 'info', '-filter_complex', graph, '-map', '[aout]', '-f', 'null', '-'], {
    signal: opts.signal,
    what: 'scene loudness measurement',
  });
  const m = parseMeasurement(r.stderr);
  const apply = m ? applyFilter(m) : undefined;
  return apply ? { apply } : 'none';
}

/**
 * Join renders of one identical format (e.g. a film's scenes) by stream copy into `outMp4`. Inputs that differ in
 * format are rejected (render them with renderScene instead).
 */
export async function concatStreamCopy(paths: string[], outMp4: string, opts: RenderOptions = {}): Promise<{ durationSeconds: number }> {
  if (paths.length === 0) throw new StudioError('invalid_input', 'nothing to join', { field: 'paths' });
  const ids = paths.map((p, i) => `#${i + 1} (${path.basename(p)})`);
  const infos = await mapLimit(paths, PROBE_CONCURRENCY, (p, i) => probeShotVideo(ids[i] ?? p, `paths[${i}]`, p, opts.signal));
  const first = infos[0] as ProbeResult;
  if (first.width === null || first.height === null || first.fps === null || first.pixFmt === null || first.sampleRate === null) {
    throw new StudioError('invalid_input', `${ids[0]} lacks the video or audio a join needs`, { field: 'paths[0]' });
  }
  const target: CopyTarget = { width: first.width, height: first.height, fps: first.fps, pixFmt: first.pixFmt, sampleRate: first.sampleRate };
  infos.forEach((info, i) => {
    const why = copyMismatch(info, target, first.videoProfile);
    if (why) {
      throw new StudioError('invalid_input', `${ids[i]} cannot be joined by stream copy with ${ids[0]}: ${why}`, { field: `paths[${i}]` });
    }
  });
  if (!(await sameVideoConfig(paths))) {
    throw new StudioError('invalid_input', 'the files were encoded with different H.264 parameter sets (SPS/PPS); they cannot be joined by stream copy', {
      field: 'paths',
    });
  }
  const out = siblingTemp(outMp4, '.mp4');
  try {
    const durationSeconds = await copyJoin(
      paths.map((p, i) => ({ id: ids[i] ?? p, field: `paths[${i}]`, path: p, seconds: infos[i]?.durationSeconds ?? 0 })),
      out,
      first.fps,
      opts,
    );
    await rename(out, outMp4);
    return { durationSeconds };
  } finally {
    await rm(out, { force: true });
  }
}
