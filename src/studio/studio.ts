import { applyPriceOverrides, readPriceOverrides } from '../capabilities/price-overrides.js';
import { CapabilityRegistry } from '../capabilities/registry.js';
import type { StudioConfig } from '../config.js';
import { loadConfig, redact } from '../config.js';
import { BullDispatcher } from '../jobs/dispatch-bullmq.js';
import { leaseMs } from '../jobs/lease.js';
import { JobQueue, providerLimit } from '../jobs/queue.js';
import { BullRenders } from '../jobs/render-bullmq.js';
import { LocalRenders, type RenderDispatcher, runRender } from '../jobs/render-dispatch.js';
import { createPathPolicy, type PathPolicy } from '../paths.js';
import { createAdapters } from '../providers/index.js';
import { createLocalAdapter } from '../providers/local.js';
import type { ProviderAdapter } from '../providers/types.js';
import { openBlobBackend } from '../store/blob-open.js';
import { openStore, type Store } from '../store/index.js';
import { relayChanges } from './change-relay.js';
import { StudioEvents } from './events.js';
import { GenerationPlanner } from './generation-planner.js';
import { ingestJobOutputs } from './ingest.js';
import { MediaLibrary } from './library.js';
import { ModelCatalog } from './models.js';
import { OfferedModels } from './offered-models.js';
import { Project } from './project.js';
import { Continuity } from './continuity.js';
import { RenderService } from './render-service.js';
import { filmShowsEdit, sceneShowsEdit } from './render-status.js';
import { CutChecker } from './cuts.js';
import { LipsyncLines } from './lipsync-line.js';
import { Previews } from './previews.js';
import { Subtitles } from './subtitles.js';

export interface StudioOptions {
  config?: StudioConfig;
  /** Replace or add adapters (tests). */
  adapters?: Map<string, ProviderAdapter>;
  registry?: CapabilityRegistry;
  fetch?: typeof fetch;
  log?: (message: string) => void;
  /** Resume jobs left by a previous process (default true). */
  resume?: boolean;
  /**
   * Run provider jobs in this process (default true). False with STUDIO_REDIS_URL: a front end that only queues
   * (`serve --no-work`), for when workers exist.
   */
  work?: boolean;
  /** Jobs this process runs at once per provider with STUDIO_REDIS_URL (`worker --concurrency`); the global limit still holds. */
  concurrency?: number;
  /**
   * What this process works with STUDIO_REDIS_URL when it works at all (`worker --role`, default all): provider
   * jobs, renders from the `render` queue, or both. Without Redis one process does everything.
   */
  role?: WorkerRole;
  /** Renders this process runs at once from the `render` queue (default 1: ffmpeg is CPU-bound). */
  renderConcurrency?: number;
}

export const WORKER_ROLES = ['provider', 'render', 'all'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

/**
 * Everything one studio folder needs, built once per process and shared by every MCP session: the store, the
 * models, the adapters, the job queue and the change feed. Sessions hold only their subscriptions.
 */
export class Studio {
  readonly config: StudioConfig;
  readonly store: Store;
  readonly registry: CapabilityRegistry;
  readonly adapters: Map<string, ProviderAdapter>;
  readonly events = new StudioEvents();
  readonly library: MediaLibrary;
  readonly queue: JobQueue;
  readonly planner: GenerationPlanner;
  readonly paths: PathPolicy;
  readonly models: ModelCatalog;
  /** The models every generation tool offers (its `model` enum). */
  readonly offered: OfferedModels;
  readonly project: Project;
  readonly continuity: Continuity;
  readonly render: RenderService;
  /**
   * Where render_scene and render_film run: this process (embedded), or the `render` queue's workers with
   * STUDIO_REDIS_URL. The render itself is always `render` on the process that runs it.
   */
  readonly renders: RenderDispatcher;
  readonly cuts: CutChecker;
  readonly lipsyncLines: LipsyncLines;
  readonly subtitles: Subtitles;
  readonly previews: Previews;
  readonly log: (message: string) => void;
  /** The schema current and the cached live models registered (see ready()). */
  private readonly started: Promise<void>;
  /** Changes of other processes on the same database reach this one's subscribers (Postgres only). */
  private readonly relay: Promise<(() => Promise<void>) | undefined>;

  constructor(opts: StudioOptions = {}) {
    this.config = opts.config ?? loadConfig();
    const role = opts.role ?? 'all';
    const works = (what: Exclude<WorkerRole, 'all'>): boolean => opts.work !== false && (role === 'all' || role === what);
    const rawLog = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
    // Every log line is scrubbed of configured secrets before it leaves the process.
    this.log = (m) => rawLog(redact(m, this.config));
    this.registry = opts.registry ?? CapabilityRegistry.load();
    // A bad price file stops the start before the store is opened.
    if (this.config.pricesFile) applyPriceOverrides(this.registry, readPriceOverrides(this.config.pricesFile), this.config.pricesFile);
    this.store = openStore(this.config.home, { databaseUrl: this.config.secrets.databaseUrl, blobs: openBlobBackend(this.config) });
    this.adapters = new Map<string, ProviderAdapter>([
      ['local', createLocalAdapter()],
      ...createAdapters(this.config, {
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(this.config.pollIntervalMs ? { pollIntervalMs: this.config.pollIntervalMs } : {}),
      }),
      ...(opts.adapters ?? new Map()),
    ]);
    this.paths = createPathPolicy(this.config.home, this.config.allowedDirs);
    this.library = new MediaLibrary(this.store, this.events);
    this.models = new ModelCatalog(this);
    this.offered = new OfferedModels(this);
    this.project = new Project(this);
    this.continuity = new Continuity(this);
    this.render = new RenderService(this, opts.renderConcurrency ?? 1);
    this.cuts = new CutChecker(this.store);
    this.lipsyncLines = new LipsyncLines(this);
    this.subtitles = new Subtitles(this);
    this.previews = new Previews(this);
    this.planner = new GenerationPlanner(this.config, this.store, this.registry, this.library);
    this.queue = new JobQueue({
      config: this.config,
      store: this.store,
      registry: this.registry,
      adapters: this.adapters,
      events: this.events,
      resolveMedia: (id, field) => this.library.resolveInput(id, field),
      ingest: (job, cap, outputs, opId) => ingestJobOutputs(this, job, cap, outputs, opId),
      log: this.log,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(this.config.redis ? { dispatcher: this.bullDispatcher(this.config.redis, opts.concurrency, works('provider')), work: works('provider') } : {}),
    });
    this.renders = this.config.redis ? this.bullRenders(this.config.redis, works('render'), opts.renderConcurrency) : new LocalRenders(this.render);
    // Scratch files of processes that died long ago (never younger than twice the longest a job may run).
    const swept = this.store.blobs.sweepTmp(Math.max(24 * 3600_000, 2 * this.config.jobTimeoutMs));
    if (swept) this.log(`removed ${swept} stale temporary file(s) from tmp/`);
    this.relay =
      this.store.engine === 'postgres'
        ? relayChanges(this.events, this.store.changes, this.queue.owner, this.log).catch((err: unknown) => {
            this.log(`could not listen for changes of other processes: ${String(err)}`);
            return undefined;
          })
        : Promise.resolve(undefined);
    this.started = this.store
      .ready()
      .then(() => this.models.loadCached())
      .catch((err: unknown) => this.log(`could not read cached model schemas: ${String(err)}`));
    if (opts.resume !== false) {
      void this.queue.resumeOrphans().catch((err: unknown) => this.log(`could not resume jobs: ${String(err)}`));
      void this.library
        .repairSidecars()
        .then((n) => (n ? this.log(`wrote ${n} media sidecar(s) an interrupted run left missing`) : undefined))
        .catch((err: unknown) => this.log(`could not repair media sidecars: ${String(err)}`));
    }
  }

  /** With STUDIO_REDIS_URL: BullMQ queues shared with every process on that Redis, one per provider this process has. */
  private bullDispatcher(redis: { url: string; prefix: string }, concurrency: number | undefined, work: boolean): BullDispatcher {
    return new BullDispatcher({
      url: redis.url,
      prefix: redis.prefix,
      limitFor: (provider) => providerLimit(this.config, this.registry, provider),
      // A render-only worker (or a front end) runs no provider's queue.
      providers: work ? [...this.adapters.keys()] : [],
      ...(concurrency ? { localConcurrency: concurrency } : {}),
      ...(this.config.leaseMs ? { lockMs: this.config.leaseMs } : {}),
    });
  }

  /** With STUDIO_REDIS_URL: renders go through the `render` queue, worked here when this process renders. */
  private bullRenders(redis: NonNullable<StudioConfig['redis']>, work: boolean, concurrency: number | undefined): BullRenders {
    const renders = new BullRenders({
      url: redis.url,
      prefix: redis.prefix,
      limit: redis.renderConcurrency,
      // A render is held as a job is: a dead worker's render is taken over after the same lease.
      lockMs: leaseMs(this.config),
      filePathOf: async (mediaId) => this.library.absPath(await this.library.get(mediaId)),
      showsEdit: (req, result) => ('shots' in result ? sceneShowsEdit(this.store, req.id, result.shots) : filmShowsEdit(this.store, req.id, result.scenes)),
      log: this.log,
    });
    if (work) renders.work((req, call) => runRender(this.render, req, call), concurrency ?? 1);
    return renders;
  }

  /**
   * Resolves once the store's schema is current, the live model schemas cached by earlier runs are registered and
   * the start-up repairs have run: the CLI waits for it before it serves (every store call waits for the schema).
   */
  async ready(): Promise<void> {
    await this.started;
    await this.relay;
    // The start-up sweep of bridge shots left by a process that died (src/studio/bridges.ts).
    await this.continuity.bridges.idle();
  }

  private webBase: string | null = null;

  /**
   * Where `--http` serves the storyboard page (e.g. `http://127.0.0.1:8787`), so results can carry its URL; null
   * (the default) when no page is served.
   */
  setWebBase(url: string | null): void {
    this.webBase = url === null ? null : url.replace(/\/+$/, '');
  }

  /** The storyboard page of a scene or film when the page is served, else null. */
  webUrl(kind: 'scene' | 'film', id: string): string | null {
    return this.webBase === null ? null : `${this.webBase}/studio/${kind}/${encodeURIComponent(id)}`;
  }

  /** Estimated spend so far: the cost estimates of jobs that ran or may have reached a provider. */
  spentUsd(): Promise<number> {
    return this.store.jobs.spentUsd();
  }

  async close(): Promise<void> {
    await (await this.relay)?.();
    await this.renders.close();
    await this.queue.close();
    await this.store.close();
  }
}
