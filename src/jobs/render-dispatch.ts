import type { SubtitleMode } from '../media/subtitle-track.js';
import type { FilmRenderResult, RenderService, SceneRenderResult } from '../studio/render-service.js';

/**
 * Where a scene or film render runs. Embedded: in this process, as RenderService has always done (LocalRenders).
 * With STUDIO_REDIS_URL: on whichever process works the `render` queue (src/jobs/render-bullmq.ts), the caller
 * waiting for the result. Either way the render itself is `runRender` on some process's RenderService: the project
 * state is read from the shared store there, and an unchanged scene is reused there, not rendered again.
 */
export type RenderKind = 'scene' | 'film';

/** The render flags a request carries between processes: plain JSON, no callbacks. */
export interface RenderFlags {
  force?: boolean;
  strict?: boolean;
  qc?: boolean;
  loudnorm?: boolean;
  subtitles?: SubtitleMode;
}

export interface RenderRequest {
  kind: RenderKind;
  /** The scene id or the film id. */
  id: string;
  flags: RenderFlags;
}

/** What stays with the caller: its abort signal and its progress callback. */
export interface RenderCall {
  signal?: AbortSignal;
  onProgress?: (progress: number, message?: string) => void;
}

export type RenderResult = SceneRenderResult | FilmRenderResult;

export interface RenderDispatcher {
  /** True when other processes may run the renders this one asks for (BullMQ). */
  readonly shared: boolean;
  renderScene(sceneId: string, flags: RenderFlags, call?: RenderCall): Promise<SceneRenderResult>;
  renderFilm(filmId: string, flags: RenderFlags, call?: RenderCall): Promise<FilmRenderResult>;
  /** Stop: renders waited for here are given up, renders running here are stopped (and left for other processes). */
  close(): Promise<void>;
}

/** Run one render request on a RenderService: the one piece both the embedded path and a render worker call. */
export function runRender(service: RenderService, req: RenderRequest, call: RenderCall = {}): Promise<RenderResult> {
  const opts = serviceOpts(req.flags, call);
  return req.kind === 'scene' ? service.renderScene(req.id, opts) : service.renderFilm(req.id, opts);
}

/** RenderService's options from the flags and the caller's signal and progress callback. */
function serviceOpts(flags: RenderFlags, call: RenderCall): RenderFlags & RenderCall {
  return {
    ...renderFlags(flags),
    ...(call.signal ? { signal: call.signal } : {}),
    ...(call.onProgress ? { onProgress: call.onProgress } : {}),
  };
}

/** Only the known flags, without undefined members: what goes on the queue and into its join key. */
export function renderFlags(f: RenderFlags): RenderFlags {
  return {
    ...(f.force !== undefined ? { force: f.force } : {}),
    ...(f.strict !== undefined ? { strict: f.strict } : {}),
    ...(f.qc !== undefined ? { qc: f.qc } : {}),
    ...(f.loudnorm !== undefined ? { loudnorm: f.loudnorm } : {}),
    ...(f.subtitles !== undefined ? { subtitles: f.subtitles } : {}),
  };
}

/** The embedded default: renders run in the process that asked, exactly as the tools called RenderService before. */
export class LocalRenders implements RenderDispatcher {
  readonly shared = false;

  constructor(private readonly service: RenderService) {}

  renderScene(sceneId: string, flags: RenderFlags, call: RenderCall = {}): Promise<SceneRenderResult> {
    return this.service.renderScene(sceneId, serviceOpts(flags, call));
  }

  renderFilm(filmId: string, flags: RenderFlags, call: RenderCall = {}): Promise<FilmRenderResult> {
    return this.service.renderFilm(filmId, serviceOpts(flags, call));
  }

  async close(): Promise<void> {}
}
