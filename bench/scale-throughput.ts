import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodePngRgb } from '../src/media/png.js';
import { createLocalAdapter } from '../src/providers/local.js';
import type { ProviderAdapter } from '../src/providers/types.js';
import { type Harness, startHarness, tempDir } from '../test/helpers/harness.js';
import { freshDatabase, TEST_DATABASE_URL } from '../test/helpers/pg-test-db.js';
import { dropRedisKeys } from './cluster.js';
import { type BenchResult, round } from './lib.js';

/**
 * Provider-bound throughput (issue 12): N jobs from 3 studio processes on one Postgres database and one Redis, a
 * provider limit of 3 that only BullMQ's global concurrency enforces across them, and a provider whose every job
 * takes exactly T ms. The ideal is ceil(N/3)·T; the measured wall time over it is what the shared row, queue and
 * notices cost. The same jobs on the embedded single process (SQLite, p-queue) are the baseline of the same run.
 * The processes are Studio instances in this process with their own connections, as test/jobs/distributed.test.ts.
 */

const N = 30;
const LIMIT = 3;
/** Shorter than any real generation (seconds to minutes), long enough that the studio's own cost per job shows. */
const T_MS = 2_000;
const PROCESSES = 3;

/** The `local` provider with a fixed-time `start`: counts what is in flight at once and writes a small PNG. */
class FixedTimeProvider {
  inFlight = 0;
  peak = 0;
  readonly adapter: ProviderAdapter;

  constructor(ms: number) {
    const local = createLocalAdapter();
    this.adapter = {
      ...local,
      start: async (_req, ctx) => {
        this.inFlight++;
        this.peak = Math.max(this.peak, this.inFlight);
        try {
          await new Promise((r) => setTimeout(r, ms));
          // Distinct bytes per job: media are content-addressed, and a repeated output would be a different path.
          const file = path.join(ctx.workDir, 'out.png');
          await writeFile(file, encodePngRgb(randomBytes(32 * 18 * 3), 32, 18));
          return { kind: 'done', outputs: [{ kind: 'file', path: file, mime: 'image/png' }] };
        } finally {
          this.inFlight--;
        }
      },
    };
  }
}

interface BatchResult {
  wallMs: number;
  peak: number;
  failed: number;
}

/** Submit N jobs round-robin over the studios (each through its own MCP client) and wait for every one to end. */
async function batch(studios: Harness[], provider: FixedTimeProvider, label: string): Promise<BatchResult> {
  const at = (k: number): Harness => studios[k % studios.length] as Harness;
  // Warm-up: one job per studio, so connections, workers and caches are made before the clock starts.
  await Promise.all(studios.map((h, k) => submitAndWait(h, `${label} warm ${k}`)));
  provider.peak = 0;
  const t0 = performance.now();
  const ids = await Promise.all(Array.from({ length: N }, (_, k) => submit(at(k), `${label} ${k}`)));
  // Waited for on another studio than the one it was submitted on: the end is heard across processes.
  const ended = await Promise.all(ids.map((id, k) => wait(at(k + 1), id)));
  const wallMs = performance.now() - t0;
  return { wallMs, peak: provider.peak, failed: ended.filter((s) => s !== 'succeeded').length };
}

async function submit(h: Harness, prompt: string): Promise<string> {
  return String((await h.call('image_generate', { model: 'local/still', prompt })).job_id);
}

async function wait(h: Harness, id: string): Promise<string> {
  return String(((await h.call('job_wait', { job_id: id, timeout_seconds: 60 })).job as { status: string }).status);
}

async function submitAndWait(h: Harness, prompt: string): Promise<string> {
  return wait(h, await submit(h, prompt));
}

async function studios(count: number, env: Record<string, string>, provider: FixedTimeProvider): Promise<Harness[]> {
  const home = tempDir('bench-scale-tp-');
  const made: Harness[] = [];
  for (let i = 0; i < count; i++) {
    // Each would run LIMIT at once by itself: only the shared limit keeps the three of them to LIMIT together.
    const h = await startHarness({ home, env, studio: { adapters: new Map([['local', provider.adapter]]), concurrency: LIMIT } });
    await h.studio.ready();
    made.push(h);
  }
  return made;
}

async function closeAll(hs: Harness[]): Promise<void> {
  for (const h of hs) await h.close();
  const home = hs[0]?.home;
  if (home) await rm(home, { recursive: true, force: true });
}

export async function throughputFigures(): Promise<BenchResult[]> {
  const redisUrl = process.env.STUDIO_TEST_REDIS_URL?.trim();
  if (!TEST_DATABASE_URL || !redisUrl)
    return [
      { name: 'throughput: 3 processes vs the ideal', value: 0, unit: 'x', note: 'not measured: STUDIO_TEST_DATABASE_URL or STUDIO_TEST_REDIS_URL unset' },
    ];
  const ideal = Math.ceil(N / LIMIT) * T_MS;
  const common = { STUDIO_CONCURRENCY_LOCAL: String(LIMIT), STUDIO_WAIT_SECONDS: '0' };

  const embeddedProvider = new FixedTimeProvider(T_MS);
  const embedded = await studios(1, common, embeddedProvider);
  let base: BatchResult;
  try {
    base = await batch(embedded, embeddedProvider, 'embedded');
  } finally {
    await closeAll(embedded);
  }

  const db = await freshDatabase();
  const prefix = `bench-tp-${randomBytes(4).toString('hex')}`;
  const sharedProvider = new FixedTimeProvider(T_MS);
  let shared: BatchResult;
  try {
    const ps = await studios(PROCESSES, { ...common, STUDIO_DATABASE_URL: db.url, STUDIO_REDIS_URL: redisUrl, STUDIO_REDIS_PREFIX: prefix }, sharedProvider);
    try {
      shared = await batch(ps, sharedProvider, 'shared');
    } finally {
      await closeAll(ps);
    }
  } finally {
    await db.drop();
    await dropRedisKeys(redisUrl, prefix);
  }

  const jobs = `${N} jobs of ${T_MS} ms, provider limit ${LIMIT}`;
  // What each round of LIMIT jobs cost beyond T: the slot is held for the row updates, the download and the ingest.
  const perRound = (r: BatchResult): number => Math.round((r.wallMs - ideal) / Math.ceil(N / LIMIT));
  const failures = base.failed + shared.failed ? `; ${base.failed + shared.failed} jobs did not succeed` : '';
  return [
    {
      name: `throughput: ${jobs}, ${PROCESSES} processes on Postgres + BullMQ / ideal ceil(N/${LIMIT})·T`,
      value: round(shared.wallMs / ideal, 3),
      unit: 'x',
      target: '<= 1.10',
      pass: shared.wallMs / ideal <= 1.1 && shared.failed === 0,
      note:
        `${Math.round(shared.wallMs)} ms against ${ideal} ms (${perRound(shared)} ms a round beyond T); submitted round-robin, each waited for on another ` +
        `process${failures}`,
    },
    {
      name: `throughput: most jobs in flight at the provider, ${PROCESSES} processes`,
      value: shared.peak,
      unit: 'jobs',
      target: `<= ${LIMIT}`,
      pass: shared.peak <= LIMIT,
      note: `each process would run ${LIMIT} by itself: the limit holds across them`,
    },
    {
      name: `throughput: the same ${N} jobs on the embedded single process (SQLite, p-queue) / ideal`,
      value: round(base.wallMs / ideal, 3),
      unit: 'x',
      note: `baseline, same run: ${Math.round(base.wallMs)} ms (${perRound(base)} ms a round beyond T), at most ${base.peak} in flight`,
    },
    {
      name: `throughput: ${PROCESSES} processes / the embedded single process`,
      value: round(shared.wallMs / base.wallMs, 3),
      unit: 'x',
    },
  ];
}
