/** The scene render contract (see src/media/scene-render.ts). */

/** A dialogue (or effect) track laid over one shot. */
export interface SceneShotAudio {
  path: string;
  /** Seconds from the start of the shot. */
  offsetSeconds: number;
  /** Gain in dB (default 0). */
  gainDb?: number;
}

/** The transition INTO a shot from the previous one (ignored on the first shot). */
export interface SceneTransition {
  /**
   * cut: none. crossfade: the shots overlap by `durationSeconds` (which the total loses).
   * fade_black: the previous shot fades to black over half of `durationSeconds` and this one fades in over the
   * other half (the total keeps its length).
   */
  type: 'cut' | 'crossfade' | 'fade_black';
  durationSeconds: number;
}

export interface SceneShot {
  /** Named in errors ("shot 's2': ..."). */
  id: string;
  video: string;
  /**
   * The video's format as the caller already knows it (the library probes every file when it arrives and keeps the
   * result), so a render after a restart does not pay one ffprobe start-up per shot. Probed when absent.
   */
  known?: import('../probe.js').ProbeResult;
  audio?: SceneShotAudio[];
  transition?: SceneTransition;
}

export interface SceneSpec {
  shots: SceneShot[];
  width: number;
  height: number;
  fps: number;
  /** Only yuv420p is produced (what every player decodes). */
  pixFmt?: 'yuv420p';
  /** Audio rate of the output (default 48000); always stereo. */
  sampleRate?: number;
  /** EBU R128 loudness normalisation of the whole scene (-16 LUFS, -1.5 dBTP). */
  loudnorm?: boolean;
  /** Music, ambience and effects under the whole scene, mixed under the dialogue (see render/beds.ts). */
  beds?: import('./beds.js').BedSpec[];
  /** Where the dialogue lines play (scene seconds): ducked beds go down under these. */
  duckSpans?: import('./beds.js').DuckSpan[];
}

export interface RenderOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** Re-encode even when stream copy would do (benchmarks, tests). */
  forceEncode?: boolean;
  /** x264 CRF of the encode path (default 18) and preset (default veryfast). */
  crf?: number;
  preset?: string;
}

export interface RenderResult {
  /** copy: joined by stream copy (no quality loss, fast); encode: normalised and re-encoded. */
  mode: 'copy' | 'encode';
  /** Duration of the written file, as probed. */
  durationSeconds: number;
}
