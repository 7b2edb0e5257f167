import { applyPriceOverrides, readPriceOverrides } from '../capabilities/price-overrides.js';
import { CapabilityRegistry } from '../capabilities/registry.js';
import type { StudioConfig } from '../config.js';
import { loadConfig, redact } from '../config.js';
import { JobQueue } from '../jobs/queue.js';
import { createPathPolicy, type PathPolicy } from '../paths.js';
import { createAdapters } from '../providers/index.js';
import { createLocalAdapter } from '../providers/local.js';
import type { ProviderAdapter } from '../providers/types.js';
import { openBlobBackend } from '../store/blob-open.js';
import { openStore, type Store } from '../store/index.js';
import { StudioEvents } from './events.js';
import { GenerationPlanner } from './generation-planner.js';
import { ingestJobOutputs } from './ingest.js';
import { MediaLibrary } from './library.js';
import { ModelCatalog } from './models.js';
import { OfferedModels } from './offered-models.js';
import { Project } from './project.js';
import { Continuity } from './continuity.js';
import { RenderService } from './render-service.js';
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
}

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
  readonly cuts: CutChecker;
  readonly lipsyncLines: LipsyncLines;
  readonly subtitles: Subtitles;
  readonly previews: Previews;
  readonly log: (message: string) => void;

  constructor(opts: StudioOptions = {}) {
    this.config = opts.config ?? loadConfig();
    const rawLog = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
    // Every log line is scrubbed of configured secrets before it leaves the process.
    this.log = (m) => rawLog(redact(m, this.config));
    this.registry = opts.registry ?? CapabilityRegistry.load();
    // A bad price file stops the start before the store is opened.
    if (this.config.pricesFile) applyPriceOverrides(this.registry, readPriceOverrides(this.config.pricesFile), this.config.pricesFile);
    this.store = openStore(this.config.home, { blobs: openBlobBackend(this.config) });
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
    this.render = new RenderService(this);
    this.cuts = new CutChecker(this.store);
    this.lipsyncLines = new LipsyncLines(this);
    this.subtitles = new Subtitles(this);
    this.previews = new Previews(this);
    this.planner = new GenerationPlanner(this.config, this.store, this.registry, this.library, () => this.spentUsd());
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
    });
    // Scratch files of processes that died long ago (never younger than twice the longest a job may run).
    const swept = this.store.blobs.sweepTmp(Math.max(24 * 3600_000, 2 * this.config.jobTimeoutMs));
    if (swept) this.log(`removed ${swept} stale temporary file(s) from tmp/`);
    this.models.loadCached();
    if (opts.resume !== false) {
      this.queue.resumeOrphans();
      void this.library
        .repairSidecars()
        .then((n) => (n ? this.log(`wrote ${n} media sidecar(s) an interrupted run left missing`) : undefined))
        .catch((err: unknown) => this.log(`could not repair media sidecars: ${String(err)}`));
    }
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
  spentUsd(): number {
    const row = this.store.db
      .prepare(
        `SELECT COALESCE(SUM(json_extract(request, '$.cost_usd')), 0) AS usd FROM jobs WHERE status NOT IN ('failed','canceled') OR operation_id IS NOT NULL`,
      )
      .get() as { usd: number };
    return row.usd;
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.store.close();
  }
}
