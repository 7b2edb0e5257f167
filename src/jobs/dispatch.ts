import PQueue from 'p-queue';

/**
 * Where a job runs and how many run at once per provider. The job row stays the truth (committed before the
 * provider is called, its operation id before polling, never re-sent); a dispatcher only decides which process
 * runs `handler(jobId)` and when. Embedded: one p-queue per provider in this process. Many machines: BullMQ on
 * Redis (src/jobs/dispatch-bullmq.ts), whose per-provider limit holds across every process. A handler that answers
 * REQUEUE stopped the job unfinished at shutdown: the dispatcher gives it to another process. One that answers
 * RateLimited was refused by its provider with a 429 on create (nothing reached it): a shared dispatcher holds the
 * provider's whole queue back for `rateLimitedMs`, in every process, and runs the job again after.
 */
export type JobHandler = (jobId: string, signal: AbortSignal, backoff: RateLimitHistory) => Promise<unknown>;
/** What a handler answers for a job it stopped unfinished at shutdown. */
export const REQUEUE = 'requeue' as const;
/** What a handler answers for a job whose create the provider refused with 429 (shared dispatchers only). */
export interface RateLimited {
  rateLimitedMs: number;
}
export type JobOutcome = typeof REQUEUE | RateLimited | undefined;
export function isRateLimited(outcome: unknown): outcome is RateLimited {
  return typeof outcome === 'object' && outcome !== null && typeof (outcome as RateLimited).rateLimitedMs === 'number';
}
/** The job's rate limiting so far, kept by a shared dispatcher with the queued job (in every process it moves to). */
export interface RateLimitHistory {
  /** When the provider first refused this job with a 429 (ms since the epoch); undefined before any refusal. */
  since?: number;
  /** How many times it was refused. */
  times: number;
}

export interface JobDispatcher {
  /**
   * True when other processes may run what this one queues (BullMQ): the runner then takes the job row when its
   * turn comes, rather than the submitter holding it from the start.
   */
  readonly shared: boolean;
  /** Queue a job (its row id) under its provider's limit. Idempotent: a job already waiting or running is not queued again. */
  enqueue(provider: string, jobId: string): Promise<void>;
  /** Run queued jobs in this process with `handler` (the worker role); without it this process only queues. */
  work(handler: JobHandler): void;
  /** Abort the job wherever it runs (its handler's signal fires); false when no process that runs jobs heard the request. */
  cancel(jobId: string): Promise<boolean>;
  /** Ids of the jobs waiting or running, so a reconciler can re-queue rows the dispatcher lost (a Redis restart). */
  live(provider: string): Promise<Set<string>>;
  /** Stop taking work and wait for what runs here to settle (aborted jobs keep their rows for the next process). */
  close(): Promise<void>;
}

/** The per-provider limit: STUDIO_CONCURRENCY_<PROVIDER>, else the capability files' default. */
export type LimitFor = (provider: string) => number;

/** One process: a p-queue per provider, the embedded default. */
export class LocalDispatcher implements JobDispatcher {
  readonly shared = false;
  private readonly queues = new Map<string, PQueue>();
  /** Jobs waiting or running here: their provider and the controller that aborts them. */
  private readonly jobs = new Map<string, { provider: string; controller: AbortController }>();
  private handler: JobHandler | undefined;
  private closed = false;

  constructor(private readonly limitFor: LimitFor) {}

  private queueFor(provider: string): PQueue {
    let q = this.queues.get(provider);
    if (!q) {
      q = new PQueue({ concurrency: this.limitFor(provider) });
      this.queues.set(provider, q);
    }
    return q;
  }

  work(handler: JobHandler): void {
    this.handler = handler;
  }

  async enqueue(provider: string, jobId: string): Promise<void> {
    if (this.closed) throw new Error('dispatcher closed');
    if (!this.handler) throw new Error('LocalDispatcher has no handler: call work() first (one process runs what it queues)');
    if (this.jobs.has(jobId)) return;
    const handler = this.handler;
    const controller = new AbortController();
    this.jobs.set(jobId, { provider, controller });
    void this.queueFor(provider)
      .add(() => (controller.signal.aborted ? Promise.resolve() : handler(jobId, controller.signal, { times: 0 })))
      .catch(() => undefined)
      .finally(() => this.jobs.delete(jobId));
  }

  async cancel(jobId: string): Promise<boolean> {
    const job = this.jobs.get(jobId);
    job?.controller.abort();
    return job !== undefined;
  }

  async live(provider: string): Promise<Set<string>> {
    return new Set([...this.jobs].filter(([, j]) => j.provider === provider).map(([id]) => id));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.jobs.values()) j.controller.abort();
    await Promise.all([...this.queues.values()].map((q) => q.onIdle()));
  }
}
