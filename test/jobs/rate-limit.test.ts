import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { byRoute, type RecordedRequest } from '../fakes/base.js';
import { FAKE_KEYS, type ReplicateFake, startReplicateFake } from '../fakes/index.js';
import { type Harness, startHarness, tempDir } from '../helpers/harness.js';
import { freshDatabase, postgresSkipReason } from '../helpers/pg-test-db.js';
import { serviceUrl } from '../helpers/services.js';

/**
 * A 429 on create under the shared queue (Postgres + BullMQ): two studio processes send creates to a Replicate fake
 * that refuses some of them with `Retry-After: 1`. The refusal rate-limits the provider's queue for every process,
 * the refused job goes back to the queue (nothing reached the provider, so it is sent again), and a job still
 * refused past its bound (the job timeout, 2.9 s here) fails with rate_limited.
 */
const redis = serviceUrl('STUDIO_TEST_REDIS_URL', 'Redis');
const pgSkip = postgresSkipReason();
if (redis.required && !redis.url) throw new Error(`STUDIO_REQUIRE_SERVICES=1 but ${redis.reason}`);
const skip = pgSkip ?? (redis.url ? undefined : redis.reason);

const TOO_MANY = {
  kind: 'status',
  status: 429,
  headers: { 'retry-after': '1' },
  body: { title: 'Too Many Requests', status: 429, detail: 'Request was throttled.' },
} as const;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(skip !== undefined)(`429 on create backs off the whole shared queue${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: { url: string; drop: () => Promise<void> };
  let fake: ReplicateFake;
  let prefix: string;
  const ps: Harness[] = [];

  beforeAll(async () => {
    db = await freshDatabase();
    const png = path.join(tempDir('ratelimit-in-'), 'still.png');
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64', '-frames:v', '1', png]);
    fake = await startReplicateFake();
    fake.setScenario({ outputUrls: [fake.addOutput('still.png', fs.readFileSync(png), 'image/png')], outputMime: 'image/png', pollsBeforeDone: 1 });
    prefix = `ratelimit-t${randomBytes(4).toString('hex')}`;
    const env = {
      STUDIO_DATABASE_URL: db.url,
      STUDIO_REDIS_URL: redis.url as string,
      STUDIO_REDIS_PREFIX: prefix,
      REPLICATE_BASE_URL: fake.url,
      REPLICATE_API_TOKEN: FAKE_KEYS.REPLICATE_API_TOKEN,
      STUDIO_CONCURRENCY_REPLICATE: '3',
      STUDIO_POLL_INTERVAL_MS: '20',
      STUDIO_WAIT_SECONDS: '0',
      STUDIO_JOB_TIMEOUT_SECONDS: '2.9',
    };
    const home = tempDir('ratelimit-');
    for (let i = 0; i < 2; i++) {
      const h = await startHarness({ home, env });
      await h.studio.ready();
      ps.push(h);
    }
  }, 30_000);
  afterAll(async () => {
    for (const h of ps) await h.close();
    await fake?.close();
    await db?.drop();
    if (redis.url) {
      const r = new Redis(redis.url);
      const keys = await r.keys(`${prefix}:*`);
      if (keys.length) await r.del(...keys);
      await r.quit();
    }
  });

  const submit = async (h: Harness, prompt: string): Promise<string> =>
    String((await h.call('image_generate', { model: 'replicate/bytedance/seedream-4', prompt })).job_id);
  const ended = async (id: string): Promise<{ status: string; attempts: number; error: { code: string; message: string } | null }> => {
    await until(`job ${id} to end`, async () => ['succeeded', 'failed', 'canceled'].includes((await ps[0]?.studio.store.jobs.get(id))?.status ?? ''));
    const row = await ps[0]?.studio.store.jobs.get(id);
    return { status: row?.status ?? '', attempts: row?.attempts ?? -1, error: row?.error ?? null };
  };
  const creates = (): RecordedRequest[] => byRoute(fake.requests, 'create');
  /** Whether the provider's queue is under a rate limit (BullMQ's manual limit fills the limiter key; normal counting never reaches 1e9). */
  const limited = async (): Promise<boolean> => {
    const r = new Redis(redis.url as string);
    return Number(await r.get(`${prefix}:jobs-replicate:limiter`).finally(() => r.quit())) >= 1e9;
  };

  it('after a 429 no create reaches the provider from any process until Retry-After has passed; every job then succeeds, created once', async () => {
    const [a, b] = ps as [Harness, Harness];
    fake.fail('create', TOO_MANY, 1);
    const first = await submit(a, 'the refused one');
    await until('the refused create', () => creates().length === 1);
    const refusedAt = (creates()[0] as RecordedRequest).at;
    // The refusal reaches the queue a few milliseconds later (the row is put back first): from then on it holds.
    await until('the rate limit on the provider queue', limited);
    // Both processes have free slots (3 at once) and new work: only the queue's rate limit holds them back.
    const rest = [await submit(b, 'two'), await submit(a, 'three'), await submit(b, 'four'), await submit(a, 'five')];
    const all = [first, ...rest];
    const rows = await Promise.all(all.map(ended));
    expect(rows.map((r) => r.status)).toEqual(all.map(() => 'succeeded'));
    // The refused job was submitted twice (refused, then accepted); every other job once.
    expect(rows.map((r) => r.attempts)).toEqual([2, 1, 1, 1, 1]);
    const after = creates().slice(1);
    expect(after).toHaveLength(5);
    const early = after.map((r) => r.at - refusedAt).filter((dt) => dt < 1000);
    expect(early).toEqual([]);
    // Each job's create was accepted exactly once: one prediction per job, each the operation of exactly one row.
    expect(fake.predictions.size).toBe(5);
    const ops = await Promise.all(all.map(async (id) => (await a.studio.store.jobs.get(id))?.operation_id));
    expect(new Set(ops)).toEqual(new Set(fake.predictions.keys()));
  }, 20_000);

  it('a job still refused past its bound (the job timeout) fails with rate_limited naming the provider', async () => {
    const before = creates().length;
    fake.fail('create', TOO_MANY, 20);
    const id = await submit(ps[1] as Harness, 'always refused');
    const row = await ended(id);
    expect(row.status).toBe('failed');
    expect(row.error?.code).toBe('rate_limited');
    expect(row.error?.message).toMatch(/^Replicate is rate limiting create the prediction: Request was throttled/);
    expect(row.error?.message).toContain('the bound is the job timeout, 2.9 s');
    const refused = creates().slice(before);
    // Refused at 0, 1 and 2 s (each wait a little over Retry-After): the third refusal's wait would carry it past 2.9 s.
    expect(refused.length).toBe(3);
    for (let k = 1; k < refused.length; k++) expect((refused[k] as RecordedRequest).at - (refused[k - 1] as RecordedRequest).at).toBeGreaterThanOrEqual(1000);
    expect(fake.predictions.size).toBe(5);
  }, 20_000);
});
