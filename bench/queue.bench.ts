import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { CapabilityRegistry } from '../src/capabilities/registry.js';
import { loadConfig } from '../src/config.js';
import { runFfmpeg } from '../src/media/ffmpeg.js';
import { createReplicateAdapter } from '../src/providers/replicate.js';
import type { Job, JobRequest } from '../src/store/jobs.js';
import { Studio } from '../src/studio/studio.js';
import { byRoute } from '../test/fakes/base.js';
import { type ReplicateFake, startReplicateFake } from '../test/fakes/replicate.js';
import { type BenchResult, cacheDir, exists, medianMs, round, plainJobRequest } from './lib.js';

/**
 * The provider path under load, against the Replicate fake on 127.0.0.1 (no network, no cost): the durable job
 * queue + Replicate adapter running N video jobs (create, 2 polls, download, ffprobe ingest), how long a job
 * spends in studio overhead, whether every job created exactly one prediction, and whether a 429 storm is
 * waited out as the provider asked (Retry-After) without double submissions.
 */

const JOBS = 24;
const CONCURRENCY = 8;
const POLL_MS = 20;
const MODEL = 'replicate/bytedance/seedance-1-lite';

function jobRequest(i: number): JobRequest {
  return plainJobRequest(MODEL, { prompt: `bench shot ${i}`, duration: 5 });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function clip(): Promise<Buffer> {
  const file = path.join(await cacheDir('queue'), 'clip-320x180-1s.mp4');
  if (!(await exists(file))) {
    await runFfmpeg(['-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=24:duration=1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', file]);
  }
  return readFile(file);
}

async function withStudio<T>(fake: ReplicateFake, fn: (studio: Studio) => Promise<T>): Promise<T> {
  const home = path.join(os.tmpdir(), `studio-queue-bench-${process.pid}-${Date.now()}`);
  const previous = process.env.STUDIO_POLL_INTERVAL_MS;
  process.env.STUDIO_POLL_INTERVAL_MS = String(POLL_MS);
  const config = loadConfig({
    STUDIO_HOME: home,
    REPLICATE_BASE_URL: fake.url,
    REPLICATE_API_TOKEN: 'r8_BENCH_not_a_real_token',
    [`STUDIO_CONCURRENCY_REPLICATE`]: String(CONCURRENCY),
  });
  const studio = new Studio({
    config,
    log: () => undefined,
    resume: false,
    adapters: new Map([['replicate', createReplicateAdapter(config, { pollIntervalMs: POLL_MS, retry: { baseDelayMs: 50 } })]]),
  });
  try {
    return await fn(studio);
  } finally {
    await studio.close();
    if (previous === undefined) delete process.env.STUDIO_POLL_INTERVAL_MS;
    else process.env.STUDIO_POLL_INTERVAL_MS = previous;
    await rm(home, { recursive: true, force: true });
  }
}

async function runJobs(studio: Studio, n: number): Promise<{ wallMs: number; latencies: number[]; succeeded: number }> {
  const cap = studio.registry.require(MODEL);
  const t0 = performance.now();
  const started: { job: Job; at: number }[] = [];
  for (let i = 0; i < n; i++) started.push({ job: await studio.queue.submit('video_generate', cap, jobRequest(i)), at: performance.now() });
  const latencies: number[] = [];
  let succeeded = 0;
  await Promise.all(
    started.map(async ({ job, at }) => {
      const done = await studio.queue.wait(job.job_id, { timeoutMs: 120_000 });
      latencies.push(performance.now() - at);
      if (done.status === 'succeeded') succeeded++;
    }),
  );
  return { wallMs: performance.now() - t0, latencies: latencies.sort((a, b) => a - b), succeeded };
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const fake = await startReplicateFake();
  try {
    const video = await clip();
    const url = fake.addOutput('clip.mp4', video, 'video/mp4');

    // 1. Throughput and per-job overhead.
    fake.setScenario({ outputUrls: [url], pollsBeforeDone: 2 });
    const single = await withStudio(fake, (studio) => runJobs(studio, 1));
    fake.reset();
    const load = await withStudio(fake, (studio) => runJobs(studio, JOBS));
    const creates = byRoute(fake.requests, 'create').length;
    const minimumMs = 3 * POLL_MS; // start + 2 polls + the final poll, at the poll cadence
    results.push(
      {
        name: `${JOBS} Replicate video jobs, concurrency ${CONCURRENCY}: wall time`,
        value: round(load.wallMs, 0),
        unit: 'ms',
        note: `create + 2 running polls + download + ingest of a ${Math.round(video.length / 1024)} KiB clip each, poll every ${POLL_MS} ms`,
      },
      {
        name: 'one job alone (submit → succeeded)',
        value: round(single.wallMs, 0),
        unit: 'ms',
        note: 'service time: provider calls, download, ffprobe and frame extraction, rows',
      },
      { name: 'throughput', value: round((JOBS / load.wallMs) * 1000, 1), unit: 'jobs/s' },
      {
        name: 'job latency p50 (submit → succeeded)',
        value: round(percentile(load.latencies, 50), 0),
        unit: 'ms',
        note: `floor from polling alone is about ${minimumMs} ms`,
      },
      { name: 'job latency p95', value: round(percentile(load.latencies, 95), 0), unit: 'ms' },
      { name: 'jobs succeeded', value: load.succeeded, unit: 'jobs', target: `= ${JOBS}`, pass: load.succeeded === JOBS },
      { name: 'predictions created per job', value: round(creates / JOBS, 2), unit: 'x', target: '= 1', pass: creates === JOBS },
    );

    // 2. A 429 storm: every job's first create is throttled with Retry-After: 1.
    fake.reset();
    const storm = 6;
    fake.fail(
      'create',
      { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { detail: 'Request was throttled. Your rate limit resets in ~1s.' } },
      storm,
    );
    const throttled = await withStudio(fake, (studio) => runJobs(studio, storm));
    const createReqs = byRoute(fake.requests, 'create');
    const firstAt = createReqs[0]?.at ?? 0;
    const retried = createReqs.slice(storm);
    const earliestRetryGap = retried.length ? Math.min(...retried.map((r) => r.at - firstAt)) : 0;
    results.push(
      {
        name: `429 storm (${storm} jobs, Retry-After: 1): earliest retry after the first 429`,
        value: earliestRetryGap,
        unit: 'ms',
        target: '>= 1000',
        pass: earliestRetryGap >= 1000,
      },
      {
        name: '429 storm: predictions created per job',
        value: round((createReqs.length - storm) / storm, 2),
        unit: 'x',
        target: '= 1',
        pass: createReqs.length - storm === storm,
      },
      { name: '429 storm: jobs succeeded', value: throttled.succeeded, unit: 'jobs', target: `= ${storm}`, pass: throttled.succeeded === storm },
    );

    // 3. The cost of one poll round trip through the adapter (http layer + zod) on loopback.
    fake.reset();
    fake.setScenario({ outputUrls: [url], pollsBeforeDone: 1_000_000 });
    const config = loadConfig({ STUDIO_HOME: os.tmpdir(), REPLICATE_BASE_URL: fake.url, REPLICATE_API_TOKEN: 'r8_BENCH_not_a_real_token' });
    const adapter = createReplicateAdapter(config);
    const cap = CapabilityRegistry.load().require(MODEL);
    const ctx = { signal: new AbortController().signal, fetch: globalThis.fetch, workDir: os.tmpdir(), log: () => undefined };
    const req = { jobId: 'bench', capability: cap, fields: { prompt: 'x' } };
    const op = await adapter.start(req, ctx);
    const id = op.kind === 'operation' ? op.operationId : '';
    const pollMs = await medianMs(() => adapter.poll(id, req, ctx), 200, 20);
    results.push({ name: 'one poll through the Replicate adapter (loopback fake)', value: round(pollMs, 2), unit: 'ms', note: 'median of 200' });
  } finally {
    await fake.close();
  }
  return results;
}

// `node dist/bench/queue.bench.js` runs it alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run()
    .then((r) => {
      for (const x of r) process.stdout.write(`${x.name}: ${x.value} ${x.unit}${x.pass === false ? `  (target ${x.target} NOT met)` : ''}\n`);
    })
    .catch((e: unknown) => {
      process.stderr.write(`queue bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
}
