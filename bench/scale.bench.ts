import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { loadConfig } from '../src/config.js';
import { LocalDispatcher, type JobDispatcher } from '../src/jobs/dispatch.js';
import { BullDispatcher } from '../src/jobs/dispatch-bullmq.js';
import type { BlobBackend } from '../src/store/blob-backend.js';
import { LocalBlobBackend } from '../src/store/blob-local.js';
import { openBlobBackend } from '../src/store/blob-open.js';
import { openStore, type Store } from '../src/store/index.js';
import { freshDatabase, TEST_DATABASE_URL } from '../test/helpers/pg-test-db.js';
import { tempDir } from '../test/helpers/harness.js';
import { clusterMissing, startCluster } from './cluster.js';
import { type BenchResult, interleaved, round } from './lib.js';
import { startRoles } from './scale-memory.js';
import { notifyFigures } from './scale-notify.js';
import { renderFigures } from './scale-render.js';
import { throughputFigures } from './scale-throughput.js';

/**
 * Many machines (issue 12): what the shared engines cost against the embedded ones, measured in the same rounds
 * (interleaved, so machine load falls on both alike), then what several processes give: provider-bound throughput of
 * 3 processes against the ideal, 2 render workers against 1, change-notification latency across the replicas of the
 * real cluster, and each role's resident memory. Needs the throwaway services (scripts/services-up.sh and its .services/env) and a build
 * (the cluster runs dist/src/cli.js); a missing one is reported as not measured.
 */

const SHOTS = 50;
const JOBS = 40;
const BLOB_BYTES = 4 * 1024 * 1024;

async function storeFigures(): Promise<BenchResult[]> {
  if (!TEST_DATABASE_URL) return [{ name: 'store: Postgres vs SQLite', value: 0, unit: 'x', note: 'not measured: STUDIO_TEST_DATABASE_URL unset' }];
  const db = await freshDatabase();
  const homes = [tempDir('bench-scale-lite-'), tempDir('bench-scale-pg-')] as const;
  const lite = openStore(homes[0]);
  const pg = openStore(homes[1], { databaseUrl: db.url });
  try {
    await Promise.all([lite.ready(), pg.ready()]);
    const shots = (s: Store) => async () => {
      const scene = await s.scenes.create({ title: 'bench' });
      for (let i = 0; i < SHOTS; i++) await s.shots.create(scene.scene_id, { title: `s${i}` });
    };
    const concurrent = (s: Store) => async () => {
      const scene = await s.scenes.create({ title: 'bench' });
      await Promise.all(Array.from({ length: SHOTS }, (_, i) => s.shots.create(scene.scene_id, { title: `s${i}` })));
    };
    const seq = await interleaved([shots(lite), shots(pg)], 5);
    const con = await interleaved([concurrent(lite), concurrent(pg)], 5);
    return [
      { name: `store: ${SHOTS} shot creates one after another, SQLite`, value: round(seq.medians[0] ?? 0), unit: 'ms' },
      { name: `store: the same on Postgres / SQLite`, value: round(seq.ratios[1] ?? 0, 2), unit: 'x', note: 'each create takes its position under a lock' },
      { name: `store: ${SHOTS} concurrent shot creates, SQLite`, value: round(con.medians[0] ?? 0), unit: 'ms' },
      { name: `store: the same on Postgres / SQLite`, value: round(con.ratios[1] ?? 0, 2), unit: 'x', note: 'pooled connections against one serialised file' },
    ];
  } finally {
    await lite.close();
    await pg.close();
    await db.drop();
    for (const home of homes) await rm(home, { recursive: true, force: true });
  }
}

/** `JOBS` jobs of ~5 ms each under a limit of 4: the dispatcher's own cost is what the ratio shows. */
async function dispatchFigures(): Promise<BenchResult[]> {
  const url = process.env.STUDIO_TEST_REDIS_URL?.trim();
  if (!url) return [{ name: 'dispatch: BullMQ vs p-queue', value: 0, unit: 'x', note: 'not measured: STUDIO_TEST_REDIS_URL unset' }];
  const opened: JobDispatcher[] = [];
  const batch = (make: () => JobDispatcher) => async () => {
    const d = make();
    opened.push(d);
    let done = 0;
    const all = new Promise<void>((resolve) =>
      d.work(async () => {
        await new Promise((r) => setTimeout(r, 5));
        if (++done === JOBS) resolve();
      }),
    );
    const run = randomBytes(3).toString('hex');
    for (let i = 0; i < JOBS; i++) await d.enqueue('replicate', `job_${run}_${i}`);
    await all;
    await d.close();
  };
  const local = batch(() => new LocalDispatcher(() => 4));
  const bull = batch(() => new BullDispatcher({ url, limitFor: () => 4, providers: ['replicate'], prefix: `bench${randomBytes(3).toString('hex')}` }));
  const r = await interleaved([local, bull], 5);
  return [
    { name: `dispatch: ${JOBS} jobs of 5 ms, limit 4, p-queue`, value: round(r.medians[0] ?? 0), unit: 'ms' },
    {
      name: 'dispatch: the same through BullMQ on Redis / p-queue',
      value: round(r.ratios[1] ?? 0, 2),
      unit: 'x',
      note: 'queue, global limit and worker round trips',
    },
    {
      name: 'dispatch: BullMQ overhead per job',
      value: round(((r.medians[1] ?? 0) - (r.medians[0] ?? 0)) / JOBS, 2),
      unit: 'ms',
      note: 'against seconds to minutes of a provider job',
    },
  ];
}

async function blobFigures(): Promise<BenchResult[]> {
  const s3Home = tempDir('bench-scale-s3-');
  const config = loadConfig({ ...process.env, STUDIO_HOME: s3Home, STUDIO_S3_BUCKET: process.env.STUDIO_TEST_S3_BUCKET ?? '' });
  const s3 =
    config.s3 && process.env.AWS_ENDPOINT_URL_S3
      ? openBlobBackend({ ...config, s3: { ...config.s3, prefix: `bench-${randomBytes(3).toString('hex')}/` } })
      : undefined;
  if (!s3) {
    await rm(s3Home, { recursive: true, force: true });
    return [{ name: 'blobs: S3 vs local', value: 0, unit: 'x', note: 'not measured: AWS_ENDPOINT_URL_S3 / STUDIO_TEST_S3_BUCKET unset' }];
  }
  const localHome = tempDir('bench-scale-local-');
  const local: BlobBackend = new LocalBlobBackend(localHome);
  const bytes = randomBytes(BLOB_BYTES);
  const roundTrip = (b: BlobBackend) => async () => {
    const key = `bench/${randomBytes(8).toString('hex')}.bin`;
    await b.put(key, bytes, { onlyIfAbsent: true, contentType: 'application/octet-stream' });
    const m = await b.materialize(key);
    await m.release();
  };
  try {
    const r = await interleaved([roundTrip(local), roundTrip(s3)], 5);
    return [
      { name: 'blobs: write once + materialize 4 MiB, local folder', value: round(r.medians[0] ?? 0), unit: 'ms' },
      { name: 'blobs: the same on S3 (Ceph RGW) / local', value: round(r.ratios[1] ?? 0, 2), unit: 'x', note: 'an upload and a download on loopback' },
    ];
  } finally {
    for (const home of [localHome, s3Home]) await rm(home, { recursive: true, force: true });
  }
}

/**
 * One cluster (scripts/cluster-up.sh) for the notification latency and the memory of each role: idle is read once
 * every process is up, before any request; the load comes last.
 */
async function clusterFigures(): Promise<BenchResult[]> {
  const missing = clusterMissing();
  if (missing) return [{ name: 'cluster: notification latency and memory per role', value: 0, unit: 'x', note: `not measured: ${missing}` }];
  const cluster = await startCluster({ STUDIO_CONCURRENCY_LOCAL: '3' });
  try {
    const roles = await startRoles(cluster);
    try {
      // Start-up's own garbage settles before idle is read.
      await new Promise((r) => setTimeout(r, 2_000));
      await roles.idle();
      const notify = await notifyFigures(cluster);
      await roles.load();
      return [...notify, ...roles.figures()];
    } finally {
      await roles.close();
    }
  } finally {
    await cluster.stop();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [
    ...(await storeFigures()),
    ...(await dispatchFigures()),
    ...(await blobFigures()),
    ...(await throughputFigures()),
    ...(await renderFigures()),
    ...(await clusterFigures()),
  ];
}

export const notes =
  'Ratios are per round, interleaved with the embedded engine in the same run (scripts/services-up.sh on the same 2-core machine, all on loopback). ' +
  'The shared engines cost more per operation and buy what one process cannot: several replicas and workers on one studio. ' +
  'Throughput: 3 Studio processes in one Node process, each with its own Postgres pool and BullMQ connections; the provider is in-process with a fixed job ' +
  'time. ' +
  'Render: a `--no-work` front end and 1 or 2 render workers, likewise in one Node process (the renders are ffmpeg processes), on Postgres, Redis and S3. ' +
  'Notification latency and memory: the real cluster of scripts/cluster-up.sh (3 replicas, 2 workers, HAProxy) on the same services, ' +
  'with a `--no-work` front end and the embedded baseline started beside it; the baseline of each is measured in the same run.';
