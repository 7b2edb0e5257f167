import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport as LegacyHttpTransport,
  type StreamableHTTPClientTransportOptions as LegacyHttpTransportOptions,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Redis } from 'ioredis';
import { tempDir } from './harness.js';
import { MODERN } from './raw-2026.js';

/**
 * The real cluster for the cluster test and the `scale` bench: scripts/cluster-up.sh (3 replicas of `studio-mcp
 * --http`, 2 workers, HAProxy) on the running services, and MCP clients of both protocol eras that record which
 * replica answered each request (X-Studio-Replica).
 */

const run = promisify(execFile);

/** The checkout's scripts/ (cluster-up.sh starts the checkout's dist/src/cli.js), from test/helpers or its build in dist/. */
function scriptsDir(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'scripts', 'cluster-up.sh'))) return path.join(dir, 'scripts');
  }
  throw new Error('scripts/cluster-up.sh not found above this file');
}

/** The services the cluster runs on, as this process sees them (sourced from .services/env). */
const SERVICE_KEYS = [
  'STUDIO_TEST_DATABASE_URL',
  'STUDIO_TEST_REDIS_URL',
  'STUDIO_TEST_S3_BUCKET',
  'STUDIO_S3_FORCE_PATH_STYLE',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
];

/** Why the cluster cannot start here, or undefined when it can. */
export function clusterMissing(): string | undefined {
  const unset = ['STUDIO_TEST_DATABASE_URL', 'STUDIO_TEST_REDIS_URL', 'STUDIO_TEST_S3_BUCKET', 'AWS_ENDPOINT_URL_S3'].filter((k) => !process.env[k]?.trim());
  return unset.length ? `${unset.join(', ')} unset (scripts/services-up.sh; source .services/env)` : undefined;
}

export interface Cluster {
  /** HAProxy's endpoint. */
  url: string;
  token: string;
  /** Each replica's own endpoint, replica-1 first. */
  replicas: string[];
  /** Process name (replica-1, worker-1, haproxy, …) → PID. */
  pids: Map<string, number>;
  /** The state dir cluster-up.sh wrote (env, pids, logs). */
  state: string;
  /** The environment every studio process of the cluster has: start another one (e.g. `--no-work`) on the same studio. */
  env: Record<string, string>;
  stop: () => Promise<void>;
}

/** Start the cluster; `extraEnv` goes to every studio process in it (STUDIO_CLUSTER_EXTRA_ENV). */
export async function startCluster(extraEnv: Record<string, string> = {}): Promise<Cluster> {
  const scripts = scriptsDir();
  const dir = tempDir('studio-cluster-');
  const state = path.join(dir, 'cluster');
  const servicesEnv = path.join(dir, 'services.env');
  const extra = path.join(dir, 'extra.env');
  await writeFile(servicesEnv, SERVICE_KEYS.map((k) => `${k}=${process.env[k] ?? ''}`).join('\n'), { mode: 0o600 });
  await writeFile(
    extra,
    Object.entries(extraEnv).map(([k, v]) => `${k}=${v}\n`),
    { mode: 0o600 },
  );
  const stop = async (): Promise<void> => {
    await run(path.join(scripts, 'cluster-down.sh'), [state]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run(path.join(scripts, 'cluster-up.sh'), [state], { env: { ...process.env, STUDIO_SERVICES_ENV: servicesEnv, STUDIO_CLUSTER_EXTRA_ENV: extra } });
    const env = parseEnv(await readFile(path.join(state, 'env'), 'utf8'));
    const pids = new Map(
      (await readFile(path.join(state, 'pids'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string])
        .map(([name, pid]) => [name, Number(pid)] as const),
    );
    const token = env.STUDIO_CLUSTER_TOKEN ?? '';
    // As cluster-up.sh gives it to its replicas: one id names the database, the bucket prefix and the Redis prefix.
    const id = (env.STUDIO_CLUSTER_S3_PREFIX ?? '').replace(/\/$/, '');
    const studioEnv = { ...sharedStudioEnv(env.STUDIO_CLUSTER_DATABASE_URL ?? '', id), STUDIO_HTTP_TOKEN: token, ...extraEnv };
    return { url: env.STUDIO_CLUSTER_URL ?? '', token, replicas: (env.STUDIO_CLUSTER_REPLICAS ?? '').split(','), pids, state, env: studioEnv, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The environment of a studio process on the shared services (from .services/env): this Postgres database, and
 * `id` as its Redis key prefix and S3 key prefix, so that no other studio on the services is seen.
 */
export function sharedStudioEnv(databaseUrl: string, id: string): Record<string, string> {
  return {
    STUDIO_DATABASE_URL: databaseUrl,
    STUDIO_S3_BUCKET: process.env.STUDIO_TEST_S3_BUCKET ?? '',
    STUDIO_S3_PREFIX: `${id}/`,
    STUDIO_S3_FORCE_PATH_STYLE: process.env.STUDIO_S3_FORCE_PATH_STYLE ?? '',
    AWS_ENDPOINT_URL_S3: process.env.AWS_ENDPOINT_URL_S3 ?? '',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? '',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? '',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    STUDIO_REDIS_URL: process.env.STUDIO_TEST_REDIS_URL ?? '',
    STUDIO_REDIS_PREFIX: id,
  };
}

/** Remove a run's keys (BullMQ queues under `prefix`) from the shared Redis. */
export async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  try {
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length) await r.del(...keys);
  } finally {
    await r.quit();
  }
}

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** Which replica answered: every response in order, and the latest per JSON-RPC method. */
export interface Answered {
  replicas: string[];
  byMethod: Map<string, string>;
}

export function answered(): Answered {
  return { replicas: [], byMethod: new Map() };
}

/** A fetch that records which replica answered each request (the X-Studio-Replica response header). */
function tracking(seen: Answered): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const replica = res.headers.get('x-studio-replica');
    if (!replica) return res;
    seen.replicas.push(replica);
    if (typeof init?.body === 'string') {
      try {
        const method = (JSON.parse(init.body) as { method?: unknown }).method;
        if (typeof method === 'string') seen.byMethod.set(method, replica);
      } catch {
        // A body that is not one JSON-RPC message (a batch): no method to record.
      }
    }
    return res;
  };
}

/** A 2026-07-28 client (SDK v2, stateless requests). */
export async function modernClient(url: string, token: string, seen: Answered = answered()): Promise<Client> {
  const client = new Client({ name: 'cluster-modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } }, fetch: tracking(seen) }),
  );
  return client;
}

/** A 2025-era client (SDK 1.x, a session kept on one replica by HAProxy's stickiness). */
export async function legacyClient(url: string, token: string, seen: Answered = answered(), transport?: LegacyHttpTransportOptions): Promise<LegacyClient> {
  const client = new LegacyClient({ name: 'cluster-legacy', version: '1.0.0' });
  await client.connect(
    new LegacyHttpTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } }, fetch: tracking(seen), ...transport }),
  );
  return client;
}

type Json = Record<string, unknown>;
/** Call a tool; throws with the error body when the tool reports one. */
export async function callTool(client: Client | LegacyClient, name: string, args: Json): Promise<Json> {
  const r = (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent?: Json; content?: unknown };
  if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
  return r.structuredContent as Json;
}
