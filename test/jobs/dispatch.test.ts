import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobDispatcher } from '../../src/jobs/dispatch.js';
import { LocalDispatcher } from '../../src/jobs/dispatch.js';
import { BullDispatcher } from '../../src/jobs/dispatch-bullmq.js';
import { serviceUrl } from '../helpers/services.js';

/**
 * One dispatcher contract, two engines: the embedded p-queue and BullMQ on Redis. "Processes" for BullMQ are
 * separate dispatchers with their own Redis connections: the limit is kept in Redis, not in the process, so this
 * is the same as separate processes for what is checked (three × five workers, limit two).
 */
const redis = serviceUrl('STUDIO_TEST_REDIS_URL', 'Redis');

interface Engine {
  name: string;
  /** `n` dispatchers sharing one limit (for local: only one exists — one process). */
  make(n: number, limit: number): JobDispatcher[];
}

const opened: JobDispatcher[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

const engines: Engine[] = [
  { name: 'local (p-queue)', make: (_n, limit) => [new LocalDispatcher(() => limit)] },
  ...(redis.url
    ? [
        {
          name: 'BullMQ (Redis)',
          make: (n: number, limit: number) => {
            const prefix = `t${randomBytes(4).toString('hex')}`;
            return Array.from(
              { length: n },
              () =>
                new BullDispatcher({ url: redis.url as string, limitFor: () => limit, providers: ['replicate'], localConcurrency: 5, prefix, lockMs: 5_000 }),
            );
          },
        },
      ]
    : []),
];

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe.each(engines)('job dispatch: $name', (engine) => {
  it('never runs more than the provider limit at once, across every process, and runs every job once', async () => {
    const ds = engine.make(3, 2);
    opened.push(...ds);
    let now = 0;
    let peak = 0;
    const ran: string[] = [];
    const allDone = new Promise<void>((resolve) => {
      for (const d of ds)
        d.work(async (id) => {
          now++;
          peak = Math.max(peak, now);
          await sleep(60);
          now--;
          ran.push(id);
          if (ran.length === 10) resolve();
        });
    });
    const ids = Array.from({ length: 10 }, (_, i) => `job_${i}`);
    for (const [i, id] of ids.entries()) await (ds[i % ds.length] as JobDispatcher).enqueue('replicate', id);
    await allDone;
    expect(peak).toBe(2);
    expect([...ran].sort()).toEqual([...ids].sort());
  }, 30_000);

  it('queues a job id once however often it is queued, and lists it as live until it ends', async () => {
    const [d] = engine.make(1, 1) as [JobDispatcher];
    opened.push(d);
    let runs = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const started = new Promise<void>((resolve) =>
      d.work(async () => {
        runs++;
        resolve();
        await gate;
      }),
    );
    await d.enqueue('replicate', 'job_once');
    await d.enqueue('replicate', 'job_once');
    await started;
    expect(await d.live('replicate')).toEqual(new Set(['job_once']));
    release();
    for (let i = 0; i < 100 && (await d.live('replicate')).size; i++) await sleep(20);
    expect(await d.live('replicate')).toEqual(new Set());
    expect(runs).toBe(1);
  }, 30_000);

  it('cancel aborts the job in the process that runs it, not only in the one that asks', async () => {
    const ds = engine.make(2, 1);
    opened.push(...ds);
    const [asker] = ds as [JobDispatcher];
    let aborted = false;
    const started = new Promise<void>((resolve) => {
      // Only the last dispatcher works; for local there is one, which is also the asker (one process).
      (ds.at(-1) as JobDispatcher).work(
        (_id, signal) =>
          new Promise<void>((done) => {
            resolve();
            signal.addEventListener('abort', () => {
              aborted = true;
              done();
            });
          }),
      );
    });
    await asker.enqueue('replicate', 'job_cancel');
    await started;
    expect(await asker.cancel('job_cancel')).toBe(true);
    for (let i = 0; i < 100 && !aborted; i++) await sleep(20);
    expect(aborted).toBe(true);
  }, 30_000);
});

describe('job dispatch: engines present', () => {
  it.skipIf(redis.url !== undefined || !redis.required)('Redis is required here (STUDIO_REQUIRE_SERVICES=1) but STUDIO_TEST_REDIS_URL is unset', () => {
    expect.fail(redis.reason);
  });
});
