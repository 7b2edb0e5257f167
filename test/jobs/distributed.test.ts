import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalAdapter } from '../../src/providers/local.js';
import type { ProviderAdapter, ProviderRequest } from '../../src/providers/types.js';
import type { StudioOptions } from '../../src/studio/studio.js';
import { type Harness, startHarness, tempDir } from '../helpers/harness.js';
import { freshDatabase, postgresSkipReason } from '../helpers/pg-test-db.js';
import { serviceUrl } from '../helpers/services.js';

/**
 * Two studio processes (two Studio instances with their own connections) on one Postgres database and one Redis:
 * the job row is the truth, BullMQ decides which process runs a job. The adapter is the local one behind a fake
 * operation: `start` answers an operation id, `poll` finishes it on the third poll — or never, for a prompt with
 * HOLD in it, until it is canceled at the "provider".
 */
const redis = serviceUrl('STUDIO_TEST_REDIS_URL', 'Redis');
const pgSkip = postgresSkipReason();
if (redis.required && !redis.url) throw new Error(`STUDIO_REQUIRE_SERVICES=1 but ${redis.reason}`);
const skip = pgSkip ?? (redis.url ? undefined : redis.reason);

class HeldProvider {
  inFlight = 0;
  peak = 0;
  readonly starts: string[] = [];
  readonly cancels: string[] = [];
  private readonly polls = new Map<string, number>();
  private readonly local = createLocalAdapter();

  readonly adapter: ProviderAdapter = {
    ...this.local,
    start: async (req) => {
      this.starts.push(req.jobId);
      this.inFlight++;
      this.peak = Math.max(this.peak, this.inFlight);
      return { kind: 'operation', operationId: `op-${req.jobId}` };
    },
    poll: async (operationId, req, ctx) => {
      const n = (this.polls.get(operationId) ?? 0) + 1;
      this.polls.set(operationId, n);
      if (held(req) || n < 3) return { state: 'running', progress: 0.5 };
      const done = await this.local.start(req, ctx);
      this.inFlight--;
      return { state: 'succeeded', outputs: done.kind === 'done' ? done.outputs : [] };
    },
    cancel: async (operationId) => {
      this.cancels.push(operationId);
      this.inFlight--;
    },
  };
}

const held = (req: ProviderRequest): boolean => JSON.stringify(req.fields).includes('HOLD');

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(skip !== undefined)(`distributed jobs: two processes on Postgres + BullMQ${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: { url: string; drop: () => Promise<void> };
  const home = tempDir('studio-dist-');
  const open: Harness[] = [];
  let provider: HeldProvider;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
    await dropKeys(env.STUDIO_REDIS_PREFIX as string);
  });

  const prepare = (): void => {
    provider = new HeldProvider();
    env = {
      STUDIO_DATABASE_URL: db.url,
      STUDIO_REDIS_URL: redis.url as string,
      // A key prefix of its own per test: no queue of another test or helper is seen.
      STUDIO_REDIS_PREFIX: `dispatch-t${randomBytes(4).toString('hex')}`,
      STUDIO_CONCURRENCY_LOCAL: '1',
      STUDIO_POLL_INTERVAL_MS: '40',
      STUDIO_WAIT_SECONDS: '0',
    };
  };
  const studio = async (opts: Omit<StudioOptions, 'config' | 'adapters'> = {}): Promise<Harness> => {
    const h = await startHarness({ home, env, studio: { adapters: new Map([['local', provider.adapter]]), ...opts } });
    await h.studio.ready();
    open.push(h);
    return h;
  };
  /** job_wait on `h`: the job as it stands when it ends (or the wait runs out). */
  const wait = async (h: Harness, id: string): Promise<{ status: string; result?: { media_ids: string[] } | null }> =>
    (await h.call('job_wait', { job_id: id, timeout_seconds: 20 })).job as { status: string; result?: { media_ids: string[] } | null };
  const submit = async (h: Harness, prompt: string): Promise<string> => String((await h.call('image_generate', { model: 'local/still', prompt })).job_id);

  it('a provider limit of 1 holds across both processes: every job runs once, never two at once', async () => {
    prepare();
    // Each process would run 2 at once by itself: only the shared limit keeps it to 1.
    const [a, b] = [await studio({ concurrency: 2 }), await studio({ concurrency: 2 })];
    const ids = [await submit(a, 'one'), await submit(b, 'two'), await submit(a, 'three'), await submit(b, 'four')];
    for (const id of ids) expect((await wait(a, id)).status).toBe('succeeded');
    expect(provider.peak).toBe(1);
    expect([...provider.starts].sort()).toEqual([...ids].sort());
    const owners = new Set(await Promise.all(ids.map(async (id) => (await a.studio.store.jobs.get(id))?.owner)));
    expect([...owners].every((o) => o === a.studio.queue.owner || o === b.studio.queue.owner)).toBe(true);
  });

  it('a provider limit of 3 with 30 jobs from 3 processes: never more than 3 at the provider, each job started once', async () => {
    prepare();
    env.STUDIO_CONCURRENCY_LOCAL = '3';
    const ps = [await studio({ concurrency: 5 }), await studio({ concurrency: 5 }), await studio({ concurrency: 5 })];
    const ids: string[] = [];
    for (let k = 0; k < 30; k++) ids.push(await submit(ps[k % 3] as Harness, `job ${k}`));
    const ended = await Promise.all(ids.map(async (id, k) => (await wait(ps[(k + 1) % 3] as Harness, id)).status));
    expect(ended).toEqual(ids.map(() => 'succeeded'));
    expect(provider.peak).toBeLessThanOrEqual(3);
    expect([...provider.starts].sort()).toEqual([...ids].sort());
  });

  it('a job submitted on a front end that runs nothing is run by the worker, and job_wait on the front end returns its result', async () => {
    prepare();
    const front = await studio({ work: false });
    const worker = await studio();
    // The worker's change notices reach the front end through Postgres (what wakes its job_wait before the next poll).
    const heard: string[] = [];
    front.studio.events.on('updated', (uri) => heard.push(uri));
    const id = await submit(front, 'a lighthouse');
    const done = await wait(front, id);
    await until('the notice of the job ending', () => heard.includes(`studio://jobs/${id}`));
    expect(done.status).toBe('succeeded');
    expect(done.result?.media_ids).toHaveLength(1);
    const row = await front.studio.store.jobs.get(id);
    expect(row?.owner).toBe(worker.studio.queue.owner);
    expect(row?.result?.media_ids).toHaveLength(1);
    expect(provider.starts).toEqual([id]);
  });

  it('cancel on the front end aborts the job on the worker, cancels it at the provider, and the row ends canceled', async () => {
    prepare();
    const front = await studio({ work: false });
    const worker = await studio();
    const id = await submit(front, 'HOLD the lighthouse');
    await until('the job running on the worker', async () => (await front.studio.store.jobs.get(id))?.status === 'running');
    await front.call('job_cancel', { job_id: id });
    await until('the row to end', async () => (await front.studio.store.jobs.get(id))?.status === 'canceled');
    const row = await front.studio.store.jobs.get(id);
    expect(row?.error?.code).toBe('canceled');
    expect(row?.cancel_requested).toBe(true);
    expect(provider.cancels).toEqual([`op-${id}`]);
    expect(provider.inFlight).toBe(0);
    await until('the worker to let go of it', async () => (await worker.studio.queue.resumeOrphans()) === 0);
  });

  it('a worker that stops gives its job back; canceled meanwhile, the next worker cancels it at the provider', async () => {
    prepare();
    const front = await studio({ work: false });
    const first = await studio();
    const id = await submit(front, 'HOLD the handover');
    await until('the job running on the first worker', async () => (await front.studio.store.jobs.get(id))?.status === 'running');
    await first.close();
    open.splice(open.indexOf(first), 1);
    // Stopped cleanly: the row is left running at the provider, its lease given back.
    const left = await front.studio.store.jobs.get(id);
    expect(left?.status).toBe('running');
    expect(left?.lease_until).toBe(0);
    expect(provider.cancels).toEqual([]);
    // No process runs it: the cancel request is written to the row for whoever takes it next.
    // Given back to the queue too: the next worker gets it without a reconciler pass.
    expect((await liveIds(front)).has(id)).toBe(true);
    await front.call('job_cancel', { job_id: id });
    expect((await front.studio.store.jobs.get(id))?.cancel_requested).toBe(true);
    await studio({ resume: false });
    await until('the row to end', async () => (await front.studio.store.jobs.get(id))?.status === 'canceled');
    expect(provider.cancels).toEqual([`op-${id}`]);
    expect(provider.starts).toEqual([id]);
  });

  it('a worker whose job another process took over (its lease ran out) stops it and leaves the row alone', async () => {
    prepare();
    const front = await studio({ work: false });
    const worker = await studio();
    const id = await submit(front, 'HOLD the takeover');
    await until('the job running on the worker', async () => (await front.studio.store.jobs.get(id))?.status === 'running');
    const jobs = front.studio.store.jobs;
    await jobs.expireLease(id, worker.studio.queue.owner);
    expect(await jobs.claim(id, 'other-host:4242:dddd', 60_000, Date.now())).toBe(true);
    // The worker's next lease tick finds the row no longer its own.
    await (worker.studio.queue as unknown as { tick(): Promise<void> }).tick();
    await until('the worker to stop it', () => (worker.studio.queue as unknown as { controllers: Map<string, unknown> }).controllers.size === 0);
    const row = await jobs.get(id);
    expect(row?.status).toBe('running');
    expect(row?.owner).toBe('other-host:4242:dddd');
    expect(row?.error).toBeNull();
    expect(provider.cancels).toEqual([]);
    // End it as the new owner would, so no later test finds an unfinished row.
    await jobs.fail(id, { code: 'canceled', message: 'test over' }, 'canceled');
  });

  it('a queued job canceled before any process took it ends canceled and never reaches the provider', async () => {
    prepare();
    const front = await studio({ work: false });
    const id = await submit(front, 'never run');
    await front.call('job_cancel', { job_id: id });
    expect((await front.studio.store.jobs.get(id))?.status).toBe('canceled');
    await studio();
    // The worker takes the queue job, finds the row ended, and leaves it.
    await new Promise((r) => setTimeout(r, 300));
    expect(provider.starts).toEqual([]);
    expect((await front.studio.store.jobs.get(id))?.status).toBe('canceled');
  });

  it('a row whose queue job vanished (Redis flushed) is queued again by the reconciler and completes once', async () => {
    prepare();
    const front = await studio({ work: false, resume: false });
    const id = await submit(front, 'the lost job');
    await until('the queue job', async () => (await liveIds(front)).has(id));
    expect(await dropKeys(env.STUDIO_REDIS_PREFIX as string)).toBeGreaterThan(0);
    expect((await liveIds(front)).has(id)).toBe(false);
    const worker = await studio({ resume: false });
    expect(provider.starts).toEqual([]);
    expect(await worker.studio.queue.resumeOrphans()).toBe(1);
    // The provider's limit went with the keys: the reconciler wrote it back before re-queueing.
    const r = new Redis(redis.url as string);
    expect(await r.hget(`${env.STUDIO_REDIS_PREFIX}:jobs-local:meta`, 'concurrency').finally(() => r.quit())).toBe('1');
    expect((await wait(front, id)).status).toBe('succeeded');
    expect(provider.starts).toEqual([id]);
    expect(await worker.studio.queue.resumeOrphans()).toBe(0);
    expect(await front.studio.queue.resumeOrphans()).toBe(0);
  });
});

/** Remove every Redis key under `prefix` (the test's queues): a Redis that lost them. Answers how many there were. */
async function dropKeys(prefix: string): Promise<number> {
  const r = new Redis(redis.url as string);
  try {
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length) await r.del(...keys);
    return keys.length;
  } finally {
    await r.quit();
  }
}

/** The ids the shared queue holds for the local provider, as a reconciler sees them. */
async function liveIds(h: Harness): Promise<Set<string>> {
  return (h.studio.queue as unknown as { dispatcher: { live(p: string): Promise<Set<string>> } }).dispatcher.live('local');
}
