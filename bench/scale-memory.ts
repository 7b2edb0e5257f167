import { rm } from 'node:fs/promises';
import { type SpawnedHttpServer, spawnHttpServer } from '../test/helpers/http-server.js';
import { tempDir } from '../test/helpers/harness.js';
import { openStore } from '../src/store/index.js';
import { type Cluster, callTool, type Memory, memoryOf, modernClient } from './cluster.js';
import { type BenchResult, round } from './lib.js';

/**
 * Resident memory of each role of the cluster (issue 12), idle after start-up and under load: a replica
 * (`studio-mcp --http`, which also runs jobs), a front end that runs none (`--http --no-work`, started beside the
 * cluster on its studio) and a worker (`studio-mcp worker`). The baseline, started at the same time: the embedded
 * single process (`studio-mcp --http` on SQLite and a folder, no services), idle. VmRSS and VmHWM from /proc.
 */

const JOBS = 30;
/** Of the jobs, how many go to the --no-work front end (the rest through HAProxy to the replicas). */
const FRONT_END_JOBS = 10;
const SAMPLE_MS = 100;

type Role = 'replica' | 'front end' | 'worker';
const ROLE_LABEL: Record<Role, string> = {
  replica: 'replica (`--http`, runs jobs)',
  'front end': 'front end (`--http --no-work`)',
  worker: 'worker (`worker`)',
};

export interface Roles {
  /** Each role's processes and the embedded baseline, idle: call once every process is up. */
  idle(): Promise<void>;
  /** JOBS local stills (provider limit 3) submitted through HAProxy and the front end, resident memory sampled meanwhile. */
  load(): Promise<void>;
  figures(): BenchResult[];
  close(): Promise<void>;
}

export async function startRoles(cluster: Cluster): Promise<Roles> {
  const embeddedHome = tempDir('bench-scale-embedded-');
  const frontHome = tempDir('bench-scale-front-');
  const started = await Promise.allSettled([
    spawnHttpServer({ ...cluster.env, STUDIO_HOME: frontHome, STUDIO_REPLICA_NAME: 'front-end' }, ['--no-work']),
    spawnHttpServer({ STUDIO_HOME: embeddedHome }),
  ]);
  const [front, embedded] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined)) as [SpawnedHttpServer?, SpawnedHttpServer?];
  const close = async (): Promise<void> => {
    await Promise.all([front?.stop(), embedded?.stop()]);
    await Promise.all([embeddedHome, frontHome].map((d) => rm(d, { recursive: true, force: true })));
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!front || !embedded) {
    await close();
    throw failed?.reason ?? new Error('a process did not start');
  }
  const pids = new Map<Role, number[]>([
    ['replica', [...cluster.pids].filter(([n]) => n.startsWith('replica-')).map(([, p]) => p)],
    ['front end', [front.child.pid ?? 0]],
    ['worker', [...cluster.pids].filter(([n]) => n.startsWith('worker-')).map(([, p]) => p)],
  ]);
  const idle = new Map<Role, Memory>();
  const loaded = new Map<Role, Memory>();
  let embeddedIdle: Memory | undefined;
  let loadMs = 0;
  /** How many of the load's jobs each role's processes ran (from the rows' owners, `host:pid:…`). */
  const ran = new Map<Role, number>();

  const countRunners = async (ids: string[]): Promise<void> => {
    const home = tempDir('bench-scale-rows-');
    const store = openStore(home, { databaseUrl: cluster.env.STUDIO_DATABASE_URL });
    try {
      for (const id of ids) {
        const pid = Number((await store.jobs.get(id))?.owner?.split(':')[1]);
        const role = [...pids].find(([, ps]) => ps.includes(pid))?.[0];
        if (role) ran.set(role, (ran.get(role) ?? 0) + 1);
      }
    } finally {
      await store.close();
      await rm(home, { recursive: true, force: true });
    }
  };

  /** The largest of a role's processes (RSS and peak each the largest). */
  const largest = async (role: Role): Promise<Memory> => {
    const ms = await Promise.all((pids.get(role) ?? []).map(memoryOf));
    return { rssMiB: Math.max(...ms.map((m) => m.rssMiB)), hwmMiB: Math.max(...ms.map((m) => m.hwmMiB)) };
  };

  return {
    async idle() {
      embeddedIdle = await memoryOf(embedded.child.pid ?? 0);
      for (const role of pids.keys()) idle.set(role, await largest(role));
    },

    async load() {
      const rss = new Map<Role, number>();
      const sample = async (): Promise<void> => {
        for (const role of pids.keys()) rss.set(role, Math.max(rss.get(role) ?? 0, (await largest(role)).rssMiB));
      };
      const timer = setInterval(() => void sample(), SAMPLE_MS);
      const t0 = Date.now();
      const viaProxy = await modernClient(cluster.url, cluster.token);
      const viaFront = await modernClient(front.url, cluster.token);
      try {
        const clientFor = (k: number) => (k < FRONT_END_JOBS ? viaFront : viaProxy);
        const ids = await Promise.all(
          Array.from({ length: JOBS }, async (_, k) =>
            String((await callTool(clientFor(k), 'image_generate', { model: 'local/still', prompt: `load ${k}` })).job_id),
          ),
        );
        const ended = await Promise.all(
          ids.map(async (id, k) => ((await callTool(clientFor(k), 'job_wait', { job_id: id, timeout_seconds: 120 })).job as { status: string }).status),
        );
        const bad = ended.filter((s) => s !== 'succeeded').length;
        if (bad) throw new Error(`${bad} of ${JOBS} load jobs did not succeed`);
        await countRunners(ids);
      } finally {
        clearInterval(timer);
        loadMs = Date.now() - t0;
        await Promise.all([viaProxy.close(), viaFront.close()]);
      }
      await sample();
      for (const role of pids.keys()) loaded.set(role, { rssMiB: rss.get(role) ?? 0, hwmMiB: (await largest(role)).hwmMiB });
    },

    figures() {
      const base = embeddedIdle?.rssMiB ?? Number.NaN;
      const rows: BenchResult[] = [
        {
          name: 'memory: embedded `studio-mcp --http` (SQLite, no services), idle, VmRSS',
          value: round(base),
          unit: 'MiB',
          note: 'baseline, started beside the cluster in the same run',
        },
      ];
      for (const role of pids.keys()) {
        const count = pids.get(role)?.length ?? 0;
        const which = count > 1 ? `largest of ${count}` : 'one';
        const i = idle.get(role);
        const l = loaded.get(role);
        if (i)
          rows.push({
            name: `memory: ${ROLE_LABEL[role]} idle / embedded idle`,
            value: round(i.rssMiB / base, 2),
            unit: 'x',
            note: `${round(i.rssMiB)} MiB (${which})`,
          });
        if (i && l) {
          // VmHWM is the peak since start-up: above its idle value, the peak came after (under load); else the most
          // VmRSS sampled during the load (every SAMPLE_MS) is all that is known of it.
          const peak = l.hwmMiB > i.hwmMiB ? l.hwmMiB : l.rssMiB;
          rows.push({
            name: `memory: ${ROLE_LABEL[role]} under load / embedded idle`,
            value: round(peak / base, 2),
            unit: 'x',
            note:
              `${round(peak)} MiB: most VmRSS sampled ${round(l.rssMiB)} MiB, VmHWM ${round(i.hwmMiB)} MiB idle → ${round(l.hwmMiB)} MiB ` +
              `after (${which}); ${count > 1 ? `the ${count} ran` : 'ran'} ${ran.get(role) ?? 0} of the ${JOBS} local stills ` +
              `(limit 3; ${FRONT_END_JOBS} submitted to the front end, the rest through HAProxy) in ${round(loadMs / 1000)} s`,
          });
        }
      }
      return rows;
    },
    close,
  };
}
