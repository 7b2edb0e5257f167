import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CapabilityRegistry } from '../src/capabilities/registry.js';
import type { Capability } from '../src/capabilities/types.js';
import { loadConfig } from '../src/config.js';
import { JobQueue } from '../src/jobs/queue.js';
import type { ProviderAdapter } from '../src/providers/types.js';
import { openStore } from '../src/store/index.js';
import type { JobRequest } from '../src/store/jobs.js';
import { StudioEvents } from '../src/studio/events.js';
import { plainJobRequest, round, type BenchResult } from './lib.js';

/**
 * The durable queue's scheduling against the ideal schedule its per-provider limits allow. Three stub providers
 * with different latencies and limits take 50 jobs; the ideal makespan is max over providers of
 * ceil(jobs / limit) × latency. The stubs answer after their latency and return nothing to ingest, so what is
 * measured is the queue itself: SQLite rows committed before and after each step, p-queue, events.
 */

interface StubSpec {
  provider: Capability['provider'];
  latencyMs: number;
  limit: number;
  jobs: number;
}

const SPECS: StubSpec[] = [
  { provider: 'vertex', latencyMs: 400, limit: 2, jobs: 10 },
  { provider: 'replicate', latencyMs: 150, limit: 4, jobs: 28 },
  { provider: 'wavespeed', latencyMs: 250, limit: 1, jobs: 12 },
];

function stubCap(provider: Capability['provider']): Capability {
  return {
    id: `${provider}/stub`,
    provider,
    provider_model: 'stub',
    adapter: 'stub',
    title: 'stub',
    description: 'benchmark stub',
    media_type: 'image',
    task: 'image_generate',
    status: 'ga',
    docs: [],
    fields: { prompt: { role: 'prompt', schema: { type: 'string' } } },
    rules: [],
    limits: {},
    output: { mime: 'image/png' },
    concurrency: 1,
  };
}

function stubAdapter(provider: string, latencyMs: number): ProviderAdapter {
  return {
    provider,
    availability: () => ({ available: true }),
    start: async () => {
      await new Promise((r) => setTimeout(r, latencyMs));
      return { kind: 'done', outputs: [] };
    },
    poll: async () => ({ state: 'succeeded', outputs: [] }),
    cancel: async () => undefined,
    download: async () => ({ mime: 'image/png' }),
    pollIntervalMs: () => 10,
  };
}

const request = (model: string): JobRequest => plainJobRequest(model, { prompt: 'x' });

async function runJobs(specs: StubSpec[]): Promise<number> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-queue-'));
  const config = loadConfig({
    STUDIO_HOME: home,
    ...Object.fromEntries(specs.map((s) => [`STUDIO_CONCURRENCY_${s.provider.toUpperCase()}`, String(s.limit)])),
  });
  const store = openStore(home);
  const registry = new CapabilityRegistry(specs.map((s) => stubCap(s.provider)));
  const events = new StudioEvents();
  const queue = new JobQueue({
    config,
    store,
    registry,
    adapters: new Map(specs.map((s) => [s.provider, stubAdapter(s.provider, s.latencyMs)])),
    events,
    resolveMedia: () => {
      throw new Error('no media in this benchmark');
    },
    ingest: async () => ({ media_ids: [] }),
    log: () => undefined,
  });
  const t0 = performance.now();
  const ids: string[] = [];
  // Interleave submissions across providers, as an agent's calls would arrive.
  const pending = specs.map((s) => ({ s, left: s.jobs }));
  while (pending.some((p) => p.left > 0)) {
    for (const p of pending) {
      if (p.left-- > 0) ids.push((await queue.submit('bench', registry.require(`${p.s.provider}/stub`), request(`${p.s.provider}/stub`))).job_id);
    }
  }
  for (const id of ids) {
    const job = await queue.wait(id, { timeoutMs: 60_000 });
    if (job.status !== 'succeeded') throw new Error(`job ${id} ended ${job.status}`);
  }
  const elapsed = performance.now() - t0;
  await queue.close();
  await store.close();
  fs.rmSync(home, { recursive: true, force: true });
  return elapsed;
}

export async function run(): Promise<BenchResult[]> {
  const ideal = Math.max(...SPECS.map((s) => Math.ceil(s.jobs / s.limit) * s.latencyMs));
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push(await runJobs(SPECS));
  runs.sort((a, b) => a - b);
  const total = runs[1] ?? 0;
  const ratio = total / ideal;
  // Overhead per job: 50 zero-latency jobs through one provider at limit 1 (everything but the provider's time).
  const zero = await runJobs([{ provider: 'replicate', latencyMs: 0, limit: 1, jobs: 50 }]);
  return [
    { name: '50 jobs over 3 providers (limits 2/4/1, latencies 400/150/250 ms): makespan', value: round(total, 0), unit: 'ms', note: 'median of 3 runs' },
    { name: 'ideal makespan those limits allow', value: ideal, unit: 'ms' },
    { name: 'makespan / ideal', value: round(ratio, 3), unit: 'x', target: '<= 1.10', pass: ratio <= 1.1 },
    {
      name: 'queue overhead per job (zero-latency provider, serial)',
      value: round(zero / 50, 2),
      unit: 'ms',
      note: 'job row, status updates, p-queue, events, in SQLite WAL with synchronous=FULL',
    },
  ];
}

export const notes =
  'Stub providers answer after their latency; nothing is downloaded or ingested, so the figures are the queue alone. A slow provider (wavespeed stub, limit ' +
  '1) never holds up the others: each provider has its own p-queue.';
