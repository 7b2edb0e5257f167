import { agentFieldName } from '../capabilities/arg-fields.js';
import type { CapabilityRegistry } from '../capabilities/registry.js';
import type { Capability } from '../capabilities/types.js';
import type { StudioConfig } from '../config.js';
import { redact } from '../config.js';
import { StudioError, toSafeError } from '../errors.js';
import { conformInputs } from '../providers/conform-inputs.js';
import type { AdapterContext, MediaInput, PollResult, ProviderAdapter, ProviderOutput, ProviderRequest } from '../providers/types.js';
import type { Job, JobRequest, JobResult } from '../store/jobs.js';
import { TERMINAL } from '../store/jobs.js';
import type { BlobLease } from '../store/blobs.js';
import type { Store } from '../store/index.js';
import { extensionForMime } from '../media/mime.js';
import { type JobDispatcher, type JobOutcome, LocalDispatcher, type RateLimited, type RateLimitHistory, REQUEUE } from './dispatch.js';
import type { JobEvents } from './events.js';
import { leaseMs, newOwnerId, ownerIsDead } from './lease.js';

/** A downloaded output, sitting in a temp file inside the studio folder, ready to be ingested. */
export interface DownloadedOutput {
  tmpPath: string;
  mime: string;
  /** What the adapter said about this output (ProviderOutput `meta`), kept in the media record's `extra`. */
  meta?: Record<string, unknown>;
}

export interface JobQueueDeps {
  config: StudioConfig;
  store: Store;
  registry: CapabilityRegistry;
  adapters: Map<string, ProviderAdapter>;
  events: JobEvents;
  /** Library media id → file, checked for kind. */
  resolveMedia: (mediaId: string, field: string) => Promise<MediaInput>;
  /** Turns downloaded files into media rows (and takes); must be idempotent per job. */
  ingest: (job: Job, cap: Capability, outputs: DownloadedOutput[], providerRequestId: string | null) => Promise<JobResult>;
  log: (message: string) => void;
  fetch?: typeof fetch;
  /** Who runs queued jobs and how many at once per provider (default: this process, a p-queue per provider). */
  dispatcher?: JobDispatcher;
  /** Run queued jobs in this process (default true); false with a shared dispatcher: a front end that only queues. */
  work?: boolean;
}

/** Consecutive failed polls tolerated before a job fails (each poll already retries transient HTTP errors). */
const MAX_POLL_FAILURES = 5;
/** The longest back-off after a 429 that came without Retry-After. */
const MAX_BACKOFF_MS = 60_000;

/**
 * The durable job queue. Every provider call goes through here:
 *  - the job row is committed before the provider is called, the operation id before polling starts;
 *  - a dispatcher (src/jobs/dispatch.ts) bounds work in flight per provider so a slow provider never blocks another;
 *  - on start-up, jobs whose owner died are taken over: polled again if they have an operation id, started if they
 *    never reached the provider, and failed (never re-submitted) if they may have reached it without an id.
 */
export class JobQueue {
  readonly owner = newOwnerId();
  private readonly dispatcher: JobDispatcher;
  private readonly controllers = new Map<string, AbortController>();
  /** Provider cancellations under way, one per job: the poll loop and a cancel request both ask for it, at once. */
  private readonly providerCancels = new Map<string, Promise<void>>();
  /** Jobs another process took over from this one (see tick): they stop here and leave the row to the new owner. */
  private readonly lost = new Set<string>();
  private readonly leaseTimer: NodeJS.Timeout;
  /** How long a job's row stays ours without a renewal (STUDIO_LEASE_SECONDS); renewed every third of it. */
  private readonly leaseMs: number;
  private ticking = false;
  private closed = false;

  constructor(private readonly deps: JobQueueDeps) {
    this.leaseMs = leaseMs(deps.config);
    this.dispatcher = deps.dispatcher ?? new LocalDispatcher((provider) => this.concurrencyFor(provider));
    if (deps.work === false && !this.dispatcher.shared) throw new Error('a job queue that does not work needs a shared dispatcher (STUDIO_REDIS_URL)');
    if (deps.work !== false) this.dispatcher.work((jobId, signal, backoff) => this.run(jobId, signal, backoff));
    // Renew leases of everything we run, and pick up jobs orphaned by other processes.
    this.leaseTimer = setInterval(() => void this.tick(), this.leaseMs / 3);
    this.leaseTimer.unref();
  }

  private async tick(): Promise<void> {
    // While the database is away a tick waits for it (src/store/postgres.ts retries): the next ones are skipped, not stacked.
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const [id, controller] of [...this.controllers]) {
        if (await this.deps.store.jobs.renewLease(id, this.owner, this.leaseMs)) continue;
        // Our lease ran out (the database was away, or this process stalled) and another process took the job: it
        // is theirs now. Stop here without touching the row.
        this.deps.log(`job ${id} was taken over by another process; stopping it here`);
        this.lost.add(id);
        controller.abort();
      }
      await this.resumeOrphans();
    } catch (err) {
      // The store closed under a timer that fired at shutdown, or the database is briefly away: try again next tick.
      if (!this.closed) this.deps.log(`lease renewal failed: ${String(err)}`);
    } finally {
      this.ticking = false;
    }
  }

  /** Concurrency per provider: STUDIO_CONCURRENCY_<PROVIDER>, else the largest default among its capability files. */
  concurrencyFor(provider: string): number {
    return providerLimit(this.deps.config, this.deps.registry, provider);
  }

  /**
   * Persist a new job and schedule it. Returns once the row is committed; use `wait` to follow it. With `budgetUsd`,
   * the row is written only if the job's estimate fits what is left of the budget, checked in the same transaction
   * (concurrent calls from any process can never pass it together).
   */
  async submit(tool: string, cap: Capability, request: JobRequest, opts: { budgetUsd?: number } = {}): Promise<Job> {
    // Shared queue: whichever process runs the job takes the row then; until that, no process holds it.
    const input = { tool, provider: cap.provider, model: cap.id, request, owner: this.dispatcher.shared ? null : this.owner, leaseMs: this.leaseMs };
    let job: Job;
    if (opts.budgetUsd === undefined) job = await this.deps.store.jobs.create(input);
    else {
      const made = await this.deps.store.jobs.createWithinBudget(input, opts.budgetUsd);
      if ('refused' in made) throw overBudget(cap.id, request.cost_usd ?? 0, made.refused.spentUsd, opts.budgetUsd);
      job = made.job;
    }
    this.deps.events.created(`studio://jobs/${job.job_id}`);
    this.schedule(job.job_id, cap.provider);
    return job;
  }

  private schedule(jobId: string, provider: string): void {
    // Embedded: the controller exists from now on, so a job still waiting for its turn can be canceled and its lease
    // renewed. Shared: the process that runs it makes one when it takes the row (see run).
    if (!this.dispatcher.shared) this.controllers.set(jobId, new AbortController());
    this.dispatcher.enqueue(provider, jobId).catch((err: unknown) => this.deps.log(`job ${jobId} could not be queued: ${String(err)}`));
  }

  /** The dispatcher's handler: run one job here, then tell whoever follows it. */
  private async run(jobId: string, dispatcherSignal: AbortSignal, backoff: RateLimitHistory): Promise<JobOutcome> {
    if (this.dispatcher.shared) {
      // Stopping: a job handed to us now goes back to the queue untouched.
      if (this.closed) return REQUEUE;
      if (!(await this.take(jobId))) return;
    }
    let requeue = false;
    let limited: RateLimited | undefined;
    let controller = this.controllers.get(jobId);
    if (!controller) {
      controller = new AbortController();
      this.controllers.set(jobId, controller);
    }
    const c = controller;
    // The dispatcher aborts a job on a cancellation heard from any process (BullMQ: the broadcast): stop it here
    // the way a local cancel does, at the provider first. At shutdown only our own work stops (the row is kept).
    const onAbort = (): void => void (this.closed ? c.abort() : this.abortRunning(jobId).catch(() => c.abort()));
    if (dispatcherSignal.aborted) onAbort();
    else dispatcherSignal.addEventListener('abort', onAbort, { once: true });
    try {
      limited = await this.execute(jobId, c.signal, backoff);
    } catch (err) {
      this.deps.log(`job ${jobId} crashed: ${String(err)}`);
    } finally {
      dispatcherSignal.removeEventListener('abort', onAbort);
      this.controllers.delete(jobId);
      this.providerCancels.delete(jobId);
      this.lost.delete(jobId);
      // Shared queue, stopping: give the lease back so another process takes the row without waiting for it to run out,
      // and the queue gets the job back for one (rather than the reconciler finding it later).
      if (this.closed && this.dispatcher.shared) {
        await this.deps.store.jobs.expireLease(jobId, this.owner).catch(() => undefined);
        requeue = true;
      }
      this.deps.events.emit('jobFinished', jobId);
      this.deps.events.changed(`studio://jobs/${jobId}`);
    }
    return requeue ? REQUEUE : limited;
  }

  /**
   * Shared queue: take the row of a job the dispatcher gave this process, atomically. False when it has ended or
   * another live process holds it (it stays theirs); a dead process of this machine loses its lease at once.
   */
  private async take(jobId: string): Promise<boolean> {
    const jobs = this.deps.store.jobs;
    if (this.closed) return false;
    if (await jobs.claim(jobId, this.owner, this.leaseMs, Date.now())) return true;
    const job = await jobs.get(jobId);
    if (!job || TERMINAL.has(job.status) || !ownerIsDead(job.owner)) return false;
    await jobs.expireLease(jobId, job.owner);
    return jobs.claim(jobId, this.owner, this.leaseMs, Date.now());
  }

  /**
   * Take over jobs left unfinished by a process that died (including an earlier run of this one). With a shared
   * queue, re-queue them instead (see reconcile): the process the queue gives them to takes them.
   */
  async resumeOrphans(): Promise<number> {
    if (this.closed) return 0;
    if (this.dispatcher.shared) return this.reconcile();
    const now = Date.now();
    let resumed = 0;
    for (const job of await this.deps.store.jobs.orphaned(now, this.owner)) {
      if (this.controllers.has(job.job_id)) continue;
      const expired = job.lease_until === null || job.lease_until < now || ownerIsDead(job.owner);
      if (!expired) continue;
      // Force-expire a dead owner's lease so the atomic claim below succeeds.
      if (ownerIsDead(job.owner)) await this.deps.store.jobs.expireLease(job.job_id, job.owner);
      if (this.closed || this.controllers.has(job.job_id)) continue;
      if (!(await this.deps.store.jobs.claim(job.job_id, this.owner, this.leaseMs, now))) continue;
      this.deps.log(`resuming job ${job.job_id} (${job.model}, ${job.status})`);
      this.schedule(job.job_id, job.provider);
      resumed++;
    }
    return resumed;
  }

  /**
   * Shared queue: put back every unfinished job whose lease ran out (or whose owner died here) and that the queue
   * no longer holds — after a Redis loss, or a process that stopped — so nothing is lost. Queueing a job twice is
   * harmless: the queue job's id is the row id. Returns how many were queued again.
   */
  private async reconcile(): Promise<number> {
    const now = Date.now();
    const live = new Map<string, Set<string>>();
    let queued = 0;
    for (const job of await this.deps.store.jobs.orphaned(now, this.owner)) {
      if (this.closed) break;
      if (this.controllers.has(job.job_id)) continue;
      if (!(job.lease_until === null || job.lease_until < now || ownerIsDead(job.owner))) continue;
      let ids = live.get(job.provider);
      if (!ids) {
        ids = await this.dispatcher.live(job.provider);
        live.set(job.provider, ids);
      }
      if (ids.has(job.job_id)) continue;
      this.deps.log(`re-queueing job ${job.job_id} (${job.model}, ${job.status}): no process holds it`);
      await this.dispatcher.enqueue(job.provider, job.job_id);
      queued++;
    }
    return queued;
  }

  /** The adapter's request; with `files`, media inputs are local files (object storage: the lease's copies). */
  private async buildRequest(job: Job, cap: Capability, files?: BlobLease): Promise<ProviderRequest> {
    const fields: Record<string, unknown> = { ...job.request.fields };
    const resolve = async (id: string, name: string): Promise<MediaInput> => {
      const m = await this.deps.resolveMedia(id, name);
      return files ? { ...m, path: files.localize(m.path) } : m;
    };
    for (const name of job.request.media_fields) {
      const v = fields[name];
      if (Array.isArray(v)) {
        const inputs: MediaInput[] = [];
        for (const id of v) inputs.push(await resolve(String(id), name));
        fields[name] = inputs;
      } else if (typeof v === 'string') fields[name] = await resolve(v, name);
    }
    return { jobId: job.job_id, capability: cap, fields };
  }

  /** Run one job to its end; with a shared dispatcher, a create refused with 429 answers how long the provider's queue waits. */
  private async execute(jobId: string, signal: AbortSignal, backoff: RateLimitHistory): Promise<RateLimited | undefined> {
    const { store, registry, adapters } = this.deps;
    const job = await store.jobs.get(jobId);
    if (!job || TERMINAL.has(job.status)) return;
    if (job.cancel_requested) {
      // Canceled while no process ran it (its runner died, say): a job the provider has is canceled there too.
      if (job.operation_id) await this.cancelAtProvider(job);
      await store.jobs.fail(jobId, { code: 'canceled', message: job.operation_id ? 'canceled' : 'canceled before it started' }, 'canceled');
      return;
    }
    let workDir: string | undefined;
    const files = store.blobs.lease();
    try {
      const cap = registry.require(job.model);
      const adapter = adapters.get(cap.provider);
      if (!adapter) throw new StudioError('provider_unavailable', `no adapter for provider '${cap.provider}'`, { model: cap.id });
      workDir = await store.blobs.tempDir(jobId);
      // Inputs the provider does not take as stored (a WebP frame for Veo) are converted, or refused, before upload.
      const built = await this.buildRequest(job, cap, files);
      await files.ready();
      const req = job.operation_id ? built : await conformInputs(built, workDir, signal);
      const ctx: AdapterContext = {
        signal,
        fetch: this.deps.fetch ?? globalThis.fetch,
        workDir,
        log: (m) => this.deps.log(redact(`[${jobId}] ${m}`, this.deps.config)),
        onProgress: (p, message) => this.progress(jobId, p, message),
        // Shared queue: a 429 on create comes back at once, so the whole fleet backs off (below), not each process alone.
        queueBacksOff: this.dispatcher.shared,
      };
      let outputs: ProviderOutput[] | undefined;
      let operationId = job.operation_id;
      if (!operationId) {
        if (job.status !== 'queued' && cap.provider !== 'local') {
          // It may have reached the provider without us learning its id: never submit paid work twice.
          throw new StudioError(
            'provider_error',
            'the server stopped while this job was being submitted; it was not re-submitted to avoid paying twice. Run the call again if no result appears ' +
              'at the provider.',
            { model: cap.id },
          );
        }
        await store.jobs.setStatus(jobId, 'submitting', { message: 'submitting to the provider' });
        const started = await adapter.start(req, ctx);
        if (started.kind === 'operation') {
          operationId = started.operationId;
          await store.jobs.setStatus(jobId, 'running', { operation_id: operationId, message: 'running at the provider' });
        } else {
          outputs = started.outputs;
          if (started.operationId) operationId = started.operationId;
          await store.jobs.setStatus(jobId, 'downloading', { ...(operationId ? { operation_id: operationId } : {}), message: 'saving the result' });
        }
      }
      if (!outputs) {
        outputs = await this.pollUntilDone(jobId, adapter, operationId as string, req, ctx);
        await store.jobs.setStatus(jobId, 'downloading', { message: 'saving the result' });
      }
      const downloaded: DownloadedOutput[] = [];
      try {
        for (const out of outputs) {
          const tmpPath = store.blobs.tempPath(extensionFor(out, cap));
          const { mime } = await adapter.download(out, tmpPath, ctx);
          downloaded.push({ tmpPath, mime, ...(out.kind === 'bytes' && out.meta ? { meta: out.meta } : {}) });
        }
        const fresh = (await store.jobs.get(jobId)) as Job;
        const result = await this.deps.ingest(fresh, cap, downloaded, operationId);
        await store.jobs.succeed(jobId, result);
      } finally {
        for (const d of downloaded) await store.blobs.remove(d.tmpPath);
      }
    } catch (err) {
      if (this.closed || this.lost.has(jobId)) {
        // Shutting down, or taken over: leave the row as it is for the process that resumes it.
        this.deps.log(`job ${jobId} left for ${this.closed ? 'resumption at shutdown' : 'the process that took it over'}`);
        return;
      }
      const wait = this.dispatcher.shared && !signal.aborted ? await this.backOff(job, err, backoff) : undefined;
      if (wait) return wait;
      const safe = toSafeError(err);
      if (!(err instanceof StudioError))
        this.deps.log(redact(`job ${jobId} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, this.deps.config));
      const canceled = signal.aborted || safe.code === 'canceled';
      await store.jobs.fail(
        jobId,
        {
          code: canceled ? 'canceled' : safe.code,
          message: redact(canceled ? 'canceled' : safe.message, this.deps.config),
          // The agent's name for the field (e.g. duration, not the provider's duration_seconds).
          ...(safe.details.field ? { field: agentFieldName(this.deps.registry.get(job.model), safe.details.field) } : {}),
          model: job.model,
        },
        canceled ? 'canceled' : 'failed',
      );
    } finally {
      await files.release();
      if (workDir) await store.blobs.remove(workDir);
    }
  }

  /**
   * Shared queue: a create the provider refused with 429 (so nothing reached it and sending it again cannot bill
   * twice) puts the job back to queued, and the dispatcher holds the provider's queue for the wait the provider
   * asked (Retry-After) or, without one, an exponential back-off (1 s doubling, at most 60 s). Bounded: once the
   * job has waited past its job timeout (STUDIO_JOB_TIMEOUT_SECONDS) since the first refusal, the error stands.
   */
  private async backOff(job: Job, err: unknown, history: RateLimitHistory): Promise<RateLimited | undefined> {
    if (!(err instanceof StudioError) || err.code !== 'rate_limited' || !err.details.createRefused) return undefined;
    const waitMs = err.details.retryAfterMs ?? Math.min(MAX_BACKOFF_MS, 1000 * 2 ** history.times);
    const waited = history.since === undefined ? 0 : Date.now() - history.since;
    const boundMs = this.deps.config.jobTimeoutMs;
    if (waited + waitMs > boundMs) {
      err.message =
        `${err.message.replace(/\.$/, '')}; still refused after ${Math.round(waited / 1000)} s waiting in the queue (the bound is the job ` +
        `timeout, ${boundMs / 1000} s)`;
      return undefined;
    }
    await this.deps.store.jobs.setStatus(job.job_id, 'queued', { message: `rate limited by the provider; waiting ${Math.ceil(waitMs / 1000)} s in the queue` });
    // Given back: whichever process the queue hands it to next takes the row without waiting for this lease.
    await this.deps.store.jobs.expireLease(job.job_id, this.owner);
    this.deps.log(`job ${job.job_id} refused with 429 by ${job.provider}; the provider's queue waits ${waitMs} ms`);
    return { rateLimitedMs: waitMs };
  }

  private async pollUntilDone(
    jobId: string,
    adapter: ProviderAdapter,
    operationId: string,
    req: ProviderRequest,
    ctx: AdapterContext,
  ): Promise<ProviderOutput[]> {
    const interval = this.deps.config.pollIntervalMs ?? adapter.pollIntervalMs(req);
    const timeoutMs = this.deps.config.jobTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let failures = 0;
    for (;;) {
      if (ctx.signal.aborted) throw new StudioError('canceled', 'canceled');
      if ((await this.deps.store.jobs.get(jobId))?.cancel_requested) {
        await this.cancelOnce(jobId, () => adapter.cancel(operationId, req, ctx));
        throw new StudioError('canceled', 'canceled');
      }
      if (Date.now() > deadline) {
        await adapter.cancel(operationId, req, ctx).catch(() => undefined);
        throw new StudioError('timeout', `the provider did not finish within ${Math.round(timeoutMs / 1000)} s; the job was canceled at the provider`, {
          model: req.capability.id,
        });
      }
      let r: PollResult;
      try {
        r = await adapter.poll(operationId, req, ctx);
        failures = 0;
      } catch (err) {
        if (err instanceof StudioError && err.details.retryable && ++failures < MAX_POLL_FAILURES) {
          this.deps.log(`[${jobId}] poll failed (${err.code}), will retry`);
          await sleep(interval, ctx.signal);
          continue;
        }
        throw err;
      }
      // A job the provider reports as failed has ended there, even when its error is marked retryable (that
      // means "the agent may run it again", not "poll again"): polling on would loop until the job timeout.
      if (r.state === 'succeeded') return r.outputs;
      if (r.state === 'failed') throw r.error;
      if (r.progress !== undefined) this.progress(jobId, r.progress, r.message);
      await sleep(interval, ctx.signal);
    }
  }

  private progress(jobId: string, progress: number, message?: string): void {
    const p = Math.max(0, Math.min(1, progress));
    // Progress is advisory: written in the background, and a write that fails (store closing) loses nothing.
    void this.deps.store.jobs.setProgress(jobId, p, message).catch(() => undefined);
    this.deps.events.emit('jobProgress', jobId, p, message);
  }

  /**
   * Wait until the job ends or `timeoutMs` passes; returns the job as it stands. Works for jobs run by another
   * process too (it re-reads the row).
   */
  async wait(jobId: string, opts: { timeoutMs: number; signal?: AbortSignal; onProgress?: (p: number, m?: string) => void }): Promise<Job> {
    const deadline = Date.now() + opts.timeoutMs;
    const jobUri = `studio://jobs/${jobId}`;
    const onProgress = (id: string, p: number, m: string | undefined): void => {
      if (id === jobId) opts.onProgress?.(p, m);
    };
    this.deps.events.on('jobProgress', onProgress);
    try {
      for (;;) {
        const job = await this.deps.store.jobs.get(jobId);
        if (!job) throw new StudioError('not_found', `job '${jobId}' does not exist`, { field: 'job_id' });
        if (TERMINAL.has(job.status) || Date.now() >= deadline || opts.signal?.aborted) return job;
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, Math.min(1000, Math.max(10, deadline - Date.now())));
          const onFinish = (id: string): void => {
            if (id === jobId) done();
          };
          // A job run by another process: its change notice (Postgres relay) wakes us; without one, the timer polls.
          const onUpdated = (uri: string): void => {
            if (uri === jobUri) done();
          };
          function done(): void {
            clearTimeout(t);
            events.off('jobFinished', onFinish);
            events.off('updated', onUpdated);
            resolve();
          }
          const events = this.deps.events;
          events.on('jobFinished', onFinish);
          events.on('updated', onUpdated);
        });
      }
    } finally {
      this.deps.events.off('jobProgress', onProgress);
    }
  }

  /** Cancel a job: locally at once, at the provider where it can; a job of another process is flagged for its owner. */
  async cancel(jobId: string): Promise<Job> {
    const job = await this.deps.store.jobs.get(jobId);
    if (!job) throw new StudioError('not_found', `job '${jobId}' does not exist`, { field: 'job_id' });
    if (TERMINAL.has(job.status)) return job;
    await this.deps.store.jobs.requestCancel(jobId);
    if (this.controllers.has(jobId)) {
      await this.abortRunning(jobId);
      await this.wait(jobId, { timeoutMs: 10_000 });
    } else if (this.dispatcher.shared) {
      // Queued and taken by no process: it ends here. Else the process running it hears the broadcast and stops it
      // (at the provider too); a process that takes it later reads the request from the row.
      if (await this.deps.store.jobs.cancelUnclaimed(jobId, Date.now())) this.deps.events.emit('jobFinished', jobId);
      else if (await this.dispatcher.cancel(jobId)) await this.wait(jobId, { timeoutMs: 10_000 });
    } else if (job.status === 'queued') {
      await this.deps.store.jobs.fail(jobId, { code: 'canceled', message: 'canceled before it started' }, 'canceled');
      // Ended here rather than in `execute`: tell whoever follows job ends (waiters, bridge shots) all the same.
      this.deps.events.emit('jobFinished', jobId);
    }
    this.deps.events.changed(`studio://jobs/${jobId}`);
    return (await this.deps.store.jobs.get(jobId)) as Job;
  }

  /** Stop a job this process runs, after a cancel request (here or heard from another process): at the provider first. */
  private async abortRunning(jobId: string): Promise<void> {
    const controller = this.controllers.get(jobId);
    if (!controller) return;
    const job = await this.deps.store.jobs.get(jobId);
    if (job?.cancel_requested) await this.cancelAtProvider(job);
    controller.abort();
  }

  /** Ask the provider to stop the job's operation, if it has one; a provider that cannot is left to finish (best effort). */
  private async cancelAtProvider(job: Job): Promise<void> {
    if (!job.operation_id) return;
    const cap = this.deps.registry.get(job.model);
    const adapter = cap ? this.deps.adapters.get(cap.provider) : undefined;
    if (!cap || !adapter) return;
    const ctx: AdapterContext = {
      signal: new AbortController().signal,
      fetch: this.deps.fetch ?? globalThis.fetch,
      workDir: this.deps.store.blobs.home,
      log: this.deps.log,
    };
    const operationId = job.operation_id;
    await this.cancelOnce(job.job_id, async () => adapter.cancel(operationId, await this.buildRequest(job, cap), ctx));
  }

  /** Run a provider cancellation once per job while it runs here; best effort: the job ends canceled either way. */
  private cancelOnce(jobId: string, cancel: () => Promise<void>): Promise<void> {
    let p = this.providerCancels.get(jobId);
    if (!p) {
      p = cancel().catch(() => undefined);
      this.providerCancels.set(jobId, p);
    }
    return p;
  }

  /** Stop taking work; jobs in flight keep their rows and are resumed by the next process. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.leaseTimer);
    for (const c of this.controllers.values()) c.abort();
    await this.dispatcher.close();
  }
}

/** Concurrency per provider: STUDIO_CONCURRENCY_<PROVIDER>, else the largest default among its capability files. */
export function providerLimit(config: StudioConfig, registry: CapabilityRegistry, provider: string): number {
  const override = config.concurrency[provider];
  if (override) return override;
  const caps = registry.list({ provider: provider as Capability['provider'] });
  return Math.max(1, ...caps.map((c) => c.concurrency));
}

/** The refusal of a call whose estimate does not fit what is left of STUDIO_BUDGET_USD. */
export function overBudget(model: string, costUsd: number, spentUsd: number, budgetUsd: number): StudioError {
  return new StudioError(
    'budget_exceeded',
    `${model}: this call is estimated at $${costUsd.toFixed(2)}; with $${spentUsd.toFixed(2)} already spent it would exceed ` +
      `STUDIO_BUDGET_USD=$${budgetUsd.toFixed(2)}`,
    { model },
  );
}

function extensionFor(out: ProviderOutput, cap: Capability): string {
  return extensionForMime(('mime' in out && out.mime) || cap.output.mime);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
