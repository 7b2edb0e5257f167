import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type JobDispatcher, type JobHandler, isRateLimited, type LimitFor, type RateLimitHistory, REQUEUE } from './dispatch.js';

/**
 * Dispatch across processes and machines with BullMQ on Redis (STUDIO_REDIS_URL): one queue per provider whose
 * global concurrency is the provider's limit — measured exact across processes (../shared/scale-out.md), which
 * pg-boss and graphile-worker could not give for N > 1. The BullMQ job id is the job row's id, so queueing twice
 * returns the existing job and a reconciler may re-queue any row it cannot see in `live`. Cancellation is
 * broadcast on a Redis channel because `worker.cancelJob` only reaches the process holding the job. A job its
 * provider refused with a 429 puts the provider's queue under BullMQ's rate limit (`queue.rateLimit`), so every
 * process stops taking that provider's jobs until the wait is over, and goes back to the queue (RateLimitError).
 */
export interface BullDispatcherOptions {
  url: string;
  limitFor: LimitFor;
  /** Providers whose queues this process works (a render-only worker names none of them). */
  providers: string[];
  /** Jobs this process runs at once per provider (the global limit still holds). Default: the provider's limit. */
  localConcurrency?: number;
  /** Key prefix, so tests and studios can share one Redis. */
  prefix?: string;
  /** How long a dead process's job stays locked before another takes it (BullMQ renews it while alive). */
  lockMs?: number;
}

const CANCEL_CHANNEL = 'cancel';

/** What a queued job carries: its row id and, once refused with a 429, its rate limiting so far. */
interface QueuedJob {
  jobId: string;
  limitedSince?: number;
  limitedTimes?: number;
}

/**
 * BullMQ honours a manual rate limit (`queue.rateLimit`) only on workers that have a limiter. This one never binds
 * by itself (a billion jobs a second); it is there so the 429 back-off reaches every worker of the queue.
 */
const NEVER_BINDING_LIMITER = { max: 1_000_000_000, duration: 1000 };

export class BullDispatcher implements JobDispatcher {
  readonly shared = true;
  private readonly connection: Redis;
  private readonly subscriber: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly workerConnections: Redis[] = [];
  private readonly prefix: string;

  constructor(private readonly opts: BullDispatcherOptions) {
    this.prefix = opts.prefix ?? 'studio';
    // BullMQ's blocking commands need maxRetriesPerRequest null on the connections it shares.
    this.connection = new Redis(opts.url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.subscriber = new Redis(opts.url, { maxRetriesPerRequest: null });
    this.subscriber.on('message', (_channel: string, jobId: string) => {
      for (const w of this.workers) w.cancelJob(jobId, 'canceled');
    });
  }

  private channel(): string {
    return `${this.prefix}:${CANCEL_CHANNEL}`;
  }

  private queueFor(provider: string): Queue {
    let q = this.queues.get(provider);
    if (!q) {
      q = new Queue(`jobs-${provider}`, { connection: this.connection, prefix: this.prefix });
      this.queues.set(provider, q);
    }
    return q;
  }

  /**
   * The global limit is written before every job goes in and on every reconciler pass (see live), not once: a
   * Redis that lost its keys lost the limit with them, and a re-queued job must not run unbounded.
   */
  private async ensureLimit(provider: string): Promise<Queue> {
    const q = this.queueFor(provider);
    await q.setGlobalConcurrency(this.opts.limitFor(provider));
    return q;
  }

  async enqueue(provider: string, jobId: string): Promise<void> {
    const q = await this.ensureLimit(provider);
    await q.add('run', { jobId } satisfies QueuedJob, { jobId, removeOnComplete: true, removeOnFail: true });
  }

  work(handler: JobHandler): void {
    void this.subscriber.subscribe(this.channel());
    for (const provider of this.opts.providers) {
      void this.ensureLimit(provider).catch(() => undefined);
      // A worker blocks on its own connection; ours, so close() can end it (BullMQ leaves given instances open).
      const connection = new Redis(this.opts.url, { maxRetriesPerRequest: null });
      this.workerConnections.push(connection);
      const worker = new Worker(
        `jobs-${provider}`,
        async (job: Job<QueuedJob>, token, signal) => {
          const id = job.id ?? '';
          const history: RateLimitHistory = { since: job.data.limitedSince, times: job.data.limitedTimes ?? 0 };
          const outcome = await handler(id, signal ?? new AbortController().signal, history);
          // Stopped here at shutdown, unfinished: back to the queue at once for another process, not dropped.
          if (outcome === REQUEUE && token) await giveBack(job, token);
          if (isRateLimited(outcome)) {
            // Refused with a 429: the whole provider waits, in every process; the job goes back to wait for its turn.
            await this.queueFor(provider).rateLimit(outcome.rateLimitedMs);
            await job.updateData({ ...job.data, limitedSince: history.since ?? Date.now(), limitedTimes: history.times + 1 });
            throw Worker.RateLimitError();
          }
        },
        {
          connection,
          prefix: this.prefix,
          concurrency: this.opts.localConcurrency ?? this.opts.limitFor(provider),
          lockDuration: this.opts.lockMs ?? 30_000,
          // A dead process's job is found (and handed on) within one more lock period, not BullMQ's fixed 30 s.
          stalledInterval: this.opts.lockMs ?? 30_000,
          limiter: NEVER_BINDING_LIMITER,
        },
      );
      // A handler's failure is already written to the job row; the worker's own errors (Redis lost) are retried by BullMQ.
      worker.on('error', () => undefined);
      this.workers.push(worker);
    }
  }

  async cancel(jobId: string): Promise<boolean> {
    const receivers = await this.connection.publish(this.channel(), jobId);
    return receivers > 0;
  }

  async live(provider: string): Promise<Set<string>> {
    const jobs = await (await this.ensureLimit(provider)).getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
    return new Set(jobs.map((j) => j.id).filter((id): id is string => typeof id === 'string'));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(this.workerConnections.map((c) => c.quit().catch(() => undefined)));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.subscriber.quit().catch(() => undefined);
    await this.connection.quit().catch(() => undefined);
  }
}

/** Put a job this worker holds back on the queue at once (moved to delayed with no delay: not a failed attempt). */
export async function giveBack(job: Job, token: string): Promise<never> {
  await job.moveToDelayed(Date.now(), token);
  throw new DelayedError();
}
