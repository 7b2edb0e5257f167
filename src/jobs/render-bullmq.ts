import { createHash, randomUUID } from 'node:crypto';
import { type Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type ErrorCode, StudioError, type StudioErrorDetails, toSafeError } from '../errors.js';
import type { FilmRenderResult, SceneRenderResult } from '../studio/render-service.js';
import { giveBack } from './dispatch-bullmq.js';
import { type RenderCall, type RenderDispatcher, type RenderFlags, type RenderRequest, type RenderResult, renderFlags } from './render-dispatch.js';

/**
 * Renders on the `render` queue of BullMQ (STUDIO_REDIS_URL), so ffmpeg runs on render workers instead of the
 * process that got the MCP request:
 *  - the queue's global concurrency (STUDIO_RENDER_CONCURRENCY) holds across every process; each process that works
 *    the queue takes one render at a time by default (ffmpeg is CPU-bound);
 *  - the caller waits for the job (QueueEvents) and hears its progress; its abort is broadcast on a Redis channel to
 *    the process running the render (`worker.cancelJob` only reaches the process holding the job);
 *  - a second request for the same render (kind, id, flags) while one is waiting or running joins it (BullMQ
 *    deduplication: the key lives while the job is unfinished, so a later request after a change is a new render,
 *    never an old result; job ids stay unique, so a finished job kept for its waiters never blocks a new one);
 *  - a worker that dies mid-render stops renewing its lock; after lockMs another worker's stalled-job check puts the
 *    render back and it is done again (RenderService writes to scratch and adds the file content-addressed, write
 *    once, then its row: a killed render leaves no object and no row);
 *  - a failed render answers {ok: false, error} (code, message, details), re-made into the same StudioError here.
 * A request that joins a running render gets that render: a change made to the scene after it started is in the
 * next request's render (the scene's input hash differs, so it is not reused).
 */
export interface BullRendersOptions {
  url: string;
  prefix: string;
  /** Renders at once across every process on this Redis. */
  limit: number;
  /** How long a dead worker's render stays locked before another takes it (BullMQ renews it while alive). */
  lockMs: number;
  /** The studio folder's name of a render file, from its media id (the worker's folder may differ from ours). */
  filePathOf: (mediaId: string) => Promise<string>;
  /** Whether a render's result shows the scene's or film's edit as it is now (src/studio/render-status.ts). */
  showsEdit: (req: RenderRequest, result: RenderResult) => Promise<boolean>;
  log: (message: string) => void;
}

/** What a render job answers: a result, or the StudioError the render failed with. */
type Outcome = { ok: true; result: RenderResult } | { ok: false; error: { code: ErrorCode; message: string; details: StudioErrorDetails } };

/** What a waiter hears as a job's progress. */
interface Progress {
  p: number;
  m?: string;
}

/** How long a finished job is kept: only so its waiters can read it; waiters check as soon as they listen. */
const KEEP_FINISHED = { age: 3600, count: 500 };
/** A render whose job vanished this many times is given up (something keeps removing it). */
const MAX_REQUEUES = 3;
const GONE = 'gone' as const;
/** Progress is written to Redis at most this often (ffmpeg reports several times a second). */
const PROGRESS_EVERY_MS = 250;
const QUEUE = 'render';

export class BullRenders implements RenderDispatcher {
  readonly shared = true;
  private readonly connection: Redis;
  private readonly queue: Queue;
  private events: QueueEvents | undefined;
  private readonly progress = new Map<string, Set<(p: Progress) => void>>();
  private worker: Worker | undefined;
  private readonly ownConnections: Redis[] = [];
  /** Renders running here, aborted at close (and given back to the queue). */
  private readonly running = new Map<string, AbortController>();
  private closing = false;

  constructor(private readonly opts: BullRendersOptions) {
    // BullMQ's blocking commands need maxRetriesPerRequest null on the connections it shares.
    this.connection = new Redis(opts.url, { maxRetriesPerRequest: null });
    this.queue = new Queue(QUEUE, { connection: this.connection, prefix: opts.prefix });
  }

  /** Keys of our own beside the queue's (never under `<prefix>:render:`, which is BullMQ's). */
  private waitersKey(jobId: string): string {
    return `${this.opts.prefix}:render-waiters:${jobId}`;
  }

  private cancelChannel(): string {
    return `${this.opts.prefix}:render-cancel`;
  }

  private redis(): Redis {
    const c = new Redis(this.opts.url, { maxRetriesPerRequest: null });
    this.ownConnections.push(c);
    return c;
  }

  renderScene(sceneId: string, flags: RenderFlags, call: RenderCall = {}): Promise<SceneRenderResult> {
    return this.render({ kind: 'scene', id: sceneId, flags }, call) as Promise<SceneRenderResult>;
  }

  renderFilm(filmId: string, flags: RenderFlags, call: RenderCall = {}): Promise<FilmRenderResult> {
    return this.render({ kind: 'film', id: filmId, flags }, call) as Promise<FilmRenderResult>;
  }

  /**
   * Queue (or join) the render, wait for its outcome, and give it back as RenderService would have. A job that
   * vanishes while waited for (Redis lost its keys, or the last other waiter removed it as this one joined) is
   * queued again: there is no row to reconcile a render from, so the waiter is what keeps it alive.
   */
  private async render(req: RenderRequest, call: RenderCall): Promise<RenderResult> {
    if (this.closing) throw new StudioError('internal', 'the studio is shutting down');
    const data: RenderRequest = { kind: req.kind, id: req.id, flags: renderFlags(req.flags) };
    await this.someoneRenders(data, call.signal);
    let rejoined = false;
    for (let queued = 1; ; queued++) {
      const { outcome, joined } = await this.queueAndWait(data, call);
      if (outcome !== GONE) {
        if (!outcome.ok) throw new StudioError(outcome.error.code, outcome.error.message, outcome.error.details);
        // A request that joined a render already under way asked after it started: an edit made in between is not
        // in it. Then it renders once more (the joined job has ended, so this one is new) rather than answer stale.
        if (joined && !rejoined && !(await this.opts.showsEdit(data, outcome.result))) {
          rejoined = true;
          this.opts.log(`the ${data.kind} '${data.id}' changed while the render this request joined was under way; rendering it again`);
          continue;
        }
        // The worker named the file in its own folder; the file's name here comes from its media id.
        return { ...outcome.result, file_path: await this.opts.filePathOf(outcome.result.media_id) };
      }
      if (queued >= MAX_REQUEUES) throw new StudioError('internal', `the render of ${req.kind} '${req.id}' vanished from the render queue ${queued} times`);
      this.opts.log(`the render job of ${req.kind} '${req.id}' vanished from the render queue; queueing it again`);
    }
  }

  /**
   * Fail fast when no process works the render queue (say a `--no-work` front end with only `--role provider`
   * workers): the render would wait until the client gave up. A worker restarting has lockMs to come back. A Redis
   * that refuses CLIENT LIST (some managed services), which BullMQ counts workers with, cannot tell: the render is
   * queued as before.
   */
  private async someoneRenders(data: RenderRequest, signal: AbortSignal | undefined): Promise<void> {
    if (this.worker) return;
    const deadline = Date.now() + this.opts.lockMs;
    for (;;) {
      let workers: number;
      try {
        workers = await this.queue.getWorkersCount();
      } catch {
        return;
      }
      if (workers > 0) return;
      if (signal?.aborted) throw canceled(data);
      if (Date.now() >= deadline) {
        throw new StudioError(
          'provider_unavailable',
          `no process renders for this studio (queue '${QUEUE}' under Redis prefix '${this.opts.prefix}'), so render_${data.kind} would wait forever: ` +
            'start `studio-mcp worker --role render` (or `--role all`), or a `studio-mcp` without --no-work',
          { retryable: true },
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(250, this.opts.lockMs)));
    }
  }

  private async queueAndWait(data: RenderRequest, call: RenderCall): Promise<{ outcome: Outcome | typeof GONE; joined: boolean }> {
    if (call.signal?.aborted) throw canceled(data);
    const events = await this.queueEvents();
    // Written with every request, not once: a Redis that lost its keys lost the limit with them.
    await this.queue.setGlobalConcurrency(this.opts.limit);
    // Our own id: a deduplicated add answers the id of the job it joined instead.
    const ownId = `r-${randomUUID()}`;
    const job = await this.queue.add(data.kind, data, {
      jobId: ownId,
      deduplication: { id: joinKey(data) },
      removeOnComplete: KEEP_FINISHED,
      removeOnFail: KEEP_FINISHED,
    });
    const jobId = job.id ?? '';
    const joined = jobId !== ownId;
    const waiters = this.waitersKey(jobId);
    await this.connection
      .multi()
      .incr(waiters)
      .expire(waiters, 24 * 3600)
      .exec();
    const listener = (p: Progress): void => call.onProgress?.(p.p, p.m);
    this.listen(jobId, listener);
    let onAbort: (() => void) | undefined;
    let watch: NodeJS.Timeout | undefined;
    try {
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          reject(canceled(data));
          void this.leave(jobId, job).catch((err: unknown) => this.opts.log(`could not cancel render job ${jobId}: ${String(err)}`));
        };
        call.signal?.addEventListener('abort', onAbort, { once: true });
        // Aborted while the job was being queued: the event has been and gone.
        if (call.signal?.aborted) onAbort();
      });
      // A vanished job sends no event: its state is looked at every lockMs.
      const gone = new Promise<typeof GONE>((resolve) => {
        watch = setInterval(() => {
          void this.queue.getJobState(jobId).then(
            (state) => (state === 'unknown' ? resolve(GONE) : undefined),
            () => undefined,
          );
        }, this.opts.lockMs);
      });
      const outcome = (await Promise.race([job.waitUntilFinished(events), aborted, gone]).catch((err: unknown) => {
        if (err instanceof StudioError) throw err;
        throw new StudioError('internal', `the render job failed on the queue: ${err instanceof Error ? err.message : String(err)}`);
      })) as Outcome | typeof GONE;
      return { outcome, joined };
    } finally {
      clearInterval(watch);
      if (onAbort) call.signal?.removeEventListener('abort', onAbort);
      this.unlisten(jobId, listener);
    }
  }

  /**
   * A caller gave up: the render stops only when nobody else waits for it (a joined request still wants it). A
   * job still waiting is removed; one running is aborted where it runs (the broadcast reaches every worker).
   */
  private async leave(jobId: string, job: Job): Promise<void> {
    if ((await this.connection.decr(this.waitersKey(jobId))) > 0) return;
    await job.remove().catch(() => undefined); // refused while a worker holds it: then the broadcast stops it
    await this.connection.publish(this.cancelChannel(), jobId);
  }

  private async queueEvents(): Promise<QueueEvents> {
    if (!this.events) {
      const events = new QueueEvents(QUEUE, { connection: this.redis(), prefix: this.opts.prefix });
      events.on('progress', ({ jobId, data }) => {
        const p = progressOf(data);
        if (p) for (const fn of this.progress.get(jobId) ?? []) fn(p);
      });
      events.on('error', (err) => this.opts.log(`render queue events: ${String(err)}`));
      this.events = events;
    }
    await this.events.waitUntilReady();
    return this.events;
  }

  private listen(jobId: string, fn: (p: Progress) => void): void {
    const set = this.progress.get(jobId) ?? new Set();
    set.add(fn);
    this.progress.set(jobId, set);
  }

  private unlisten(jobId: string, fn: (p: Progress) => void): void {
    const set = this.progress.get(jobId);
    set?.delete(fn);
    if (set && !set.size) this.progress.delete(jobId);
  }

  /** Work the render queue in this process: `concurrency` renders at once here (default 1), `run` does each. */
  work(run: (req: RenderRequest, call: RenderCall) => Promise<RenderResult>, concurrency = 1): void {
    void this.queue.setGlobalConcurrency(this.opts.limit).catch(() => undefined);
    const cancels = this.redis();
    cancels.on('message', (_channel: string, jobId: string) => {
      this.worker?.cancelJob(jobId, 'canceled');
    });
    void cancels.subscribe(this.cancelChannel()).catch((err: unknown) => this.opts.log(`render cancel channel: ${String(err)}`));
    this.worker = new Worker(
      QUEUE,
      async (job: Job<RenderRequest>, token, signal) => {
        const id = job.id ?? '';
        // Taken just as this process stops: straight back to the queue for another.
        if (this.closing && token) await giveBack(job, token);
        const controller = new AbortController();
        const stop = (): void => controller.abort();
        signal?.addEventListener('abort', stop, { once: true });
        this.running.set(id, controller);
        this.opts.log(`rendering ${job.data.kind} ${job.data.id} (render job ${id}${job.attemptsStarted > 1 ? `, start ${job.attemptsStarted}` : ''})`);
        try {
          const result = await run(job.data, { signal: controller.signal, onProgress: progressWriter(job) });
          return { ok: true, result } satisfies Outcome;
        } catch (err) {
          // Stopped here at shutdown, unfinished: back to the queue at once for another process, not failed.
          if (this.closing && token) await giveBack(job, token);
          const safe = toSafeError(err);
          const why = err instanceof StudioError ? `${safe.code}: ${safe.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
          this.opts.log(`render of ${job.data.kind} ${job.data.id} (render job ${id}) ended without a result: ${why}`);
          return { ok: false, error: { code: safe.code, message: safe.message, details: safe.details } } satisfies Outcome;
        } finally {
          signal?.removeEventListener('abort', stop);
          this.running.delete(id);
        }
      },
      {
        connection: this.redis(),
        prefix: this.opts.prefix,
        concurrency,
        lockDuration: this.opts.lockMs,
        stalledInterval: this.opts.lockMs,
      },
    );
    // A render's failure is its outcome; the worker's own errors (Redis lost) are retried by BullMQ.
    this.worker.on('error', (err) => this.opts.log(`render worker: ${String(err)}`));
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const c of this.running.values()) c.abort();
    await this.worker?.close();
    await this.events?.close();
    await this.queue.close();
    await Promise.all(this.ownConnections.map((c) => c.quit().catch(() => undefined)));
    await this.connection.quit().catch(() => undefined);
  }
}

/** Requests that are the same render: the kind, the id and the flags (in a fixed order). */
function joinKey(req: RenderRequest): string {
  const flags = renderFlags(req.flags);
  const sorted = Object.fromEntries(Object.entries(flags).sort(([a], [b]) => a.localeCompare(b)));
  return `${req.kind}-${req.id}-${createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16)}`;
}

function canceled(req: RenderRequest): StudioError {
  return new StudioError('canceled', `the render of ${req.kind} '${req.id}' was canceled`);
}

function progressOf(data: unknown): Progress | undefined {
  if (typeof data !== 'object' || data === null || typeof (data as Progress).p !== 'number') return undefined;
  const { p, m } = data as Progress;
  return typeof m === 'string' ? { p, m } : { p };
}

/** The job's progress, written at most every PROGRESS_EVERY_MS (always the last one, 1). */
function progressWriter(job: Job): (p: number, m?: string) => void {
  let last = 0;
  return (p, m) => {
    const now = Date.now();
    if (p < 1 && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    void job.updateProgress(m === undefined ? { p } : { p, m }).catch(() => undefined);
  };
}
