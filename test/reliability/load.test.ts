import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/harness.js';
import { CLI } from './helpers.js';

/**
 * Issue 6 item 7: load. (1) 100 concurrent tool calls from 10 Streamable HTTP sessions against one spawned server:
 * reads, creates and small local generations. (2) Two server processes sharing one studio folder, writing at the
 * same time — including scenes into the same film, shots into the same scene and takes of the same shot, where
 * positions and take numbers must stay unique across processes. Every call must be answered, no SQLITE_BUSY (or
 * "database is locked", or an internal error that hides one) may reach the agent, and the rows created are exactly
 * the rows asked for (counted by unique titles). Throughput is measured and printed, not asserted.
 */

interface Server {
  port: number;
  child: ChildProcess;
  stderr: () => string;
}

const servers: Server[] = [];

async function spawnHttp(home: string, env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [CLI, '--http', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', STUDIO_HOME: home, STUDIO_WAIT_SECONDS: '60', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no port announced: ${err}`)), 20_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8');
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
  });
  const s = { port, child, stderr: () => err };
  servers.push(s);
  return s;
}

async function session(port: number): Promise<Client> {
  const c = new Client({ name: 'load', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  return c;
}

interface Outcome {
  tool: string;
  ok: boolean;
  text: string;
  result?: Record<string, unknown>;
}

async function run(c: Client, tool: string, args: Record<string, unknown>): Promise<Outcome> {
  try {
    const r = (await c.callTool({ name: tool, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult;
    return { tool, ok: !r.isError, text: JSON.stringify(r.structuredContent ?? r.content), result: r.structuredContent as Record<string, unknown> };
  } catch (err) {
    return { tool, ok: false, text: `protocol/transport error: ${String(err)}` };
  }
}

const BUSY = /SQLITE_BUSY|database is locked|SQLITE_LOCKED|"code":"internal"/i;

function count(home: string, sql: string, ...args: unknown[]): number {
  const db = new Database(path.join(home, 'studio.db'), { readonly: true });
  try {
    db.pragma('busy_timeout = 10000');
    return (db.prepare(sql).get(...args) as { n: number }).n;
  } finally {
    db.close();
  }
}

afterAll(() => {
  for (const s of servers) s.child.kill('SIGTERM');
});

describe('load', () => {
  it('100 concurrent tool calls from 10 HTTP sessions are all answered, none with SQLITE_BUSY, rows exact', async () => {
    const home = tempDir('studio-load-');
    const srv = await spawnHttp(home);
    const sessions = await Promise.all(Array.from({ length: 10 }, () => session(srv.port)));
    const setup = await run(sessions[0] as Client, 'scene_create', { title: 'load scene' });
    const sceneId = (setup.result as { scene: { scene_id: string } }).scene.scene_id;

    // 10 calls per session, all in flight at once: 4 reads, 4 creates, 2 small local generations.
    const plan: [Client, string, Record<string, unknown>][] = [];
    sessions.forEach((c, s) => {
      plan.push([c, 'film_list', {}], [c, 'media_list', { limit: 20 }], [c, 'models_list', {}], [c, 'scene_get', { scene_id: sceneId }]);
      plan.push(
        [c, 'film_create', { title: `load film s${s}` }],
        [c, 'character_create', { name: `load char s${s}` }],
        [c, 'scene_create', { title: `load scene s${s}` }],
        [c, 'shot_create', { scene_id: sceneId, prompt: `load shot s${s}`, duration: 1 }],
      );
      const gens: [string, Record<string, unknown>][] = [
        ['voice_tts', { text: `load line s${s}`, model: 'local/voice' }],
        ['image_generate', { prompt: `load image s${s}`, model: 'local/still' }],
        ['video_generate', { prompt: `load video s${s}`, model: 'local/animatic', duration: 1, resolution: '360p', fps: 12 }],
      ];
      plan.push([c, ...(gens[s % 3] as [string, Record<string, unknown>])], [c, ...(gens[(s + 1) % 3] as [string, Record<string, unknown>])]);
    });
    expect(plan).toHaveLength(100);
    const t0 = performance.now();
    const outcomes = await Promise.all(plan.map(([c, tool, args]) => run(c, tool, args)));
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(sessions.map((c) => c.close()));

    const failed = outcomes.filter((o) => !o.ok).map((o) => `${o.tool}: ${o.text.slice(0, 300)}`);
    expect(failed).toEqual([]);
    expect(outcomes.filter((o) => BUSY.test(o.text))).toEqual([]);
    expect(srv.stderr()).not.toMatch(/SQLITE_BUSY|database is locked/);

    // Exactly the rows asked for: one per create, none lost, none doubled.
    expect(count(home, `SELECT COUNT(*) n FROM films WHERE title LIKE 'load film s%'`)).toBe(10);
    expect(count(home, `SELECT COUNT(DISTINCT title) n FROM films WHERE title LIKE 'load film s%'`)).toBe(10);
    expect(count(home, `SELECT COUNT(*) n FROM characters WHERE name LIKE 'load char s%'`)).toBe(10);
    expect(count(home, `SELECT COUNT(*) n FROM scenes WHERE title LIKE 'load scene s%'`)).toBe(10);
    expect(count(home, `SELECT COUNT(*) n FROM shots WHERE scene_id = ? AND prompt LIKE 'load shot s%'`, sceneId)).toBe(10);
    expect(count(home, `SELECT COUNT(DISTINCT position) n FROM shots WHERE scene_id = ?`, sceneId)).toBe(10);
    const gens = outcomes.filter((o) => ['voice_tts', 'image_generate', 'video_generate'].includes(o.tool));
    expect(gens).toHaveLength(20);
    expect(count(home, `SELECT COUNT(*) n FROM jobs WHERE status = 'succeeded'`)).toBe(20);
    expect(count(home, `SELECT COUNT(*) n FROM media WHERE origin = 'generated'`)).toBe(20);
    const reads = outcomes.filter((o) => ['film_list', 'media_list', 'models_list', 'scene_get'].includes(o.tool)).length;
    process.stdout.write(
      `load (1 process, 10 HTTP sessions): 100 concurrent calls (${reads} reads, 40 creates, 20 local generations) answered in ${seconds.toFixed(2)} s = ` +
        `${(100 / seconds).toFixed(1)} calls/s\n`,
    );
  }, 180_000);

  it('throughput of quick calls (reads and creates, no generation): 10 sessions × 50 calls', async () => {
    const home = tempDir('studio-load3-');
    const srv = await spawnHttp(home);
    const sessions = await Promise.all(Array.from({ length: 10 }, () => session(srv.port)));
    const latencies: number[] = [];
    const t0 = performance.now();
    // Each session keeps 5 calls in flight (a busy agent with parallel tool calls), 50 calls per session.
    const outcomes = (
      await Promise.all(
        sessions.map(async (c, s) => {
          const out: Outcome[] = [];
          for (let round = 0; round < 10; round++) {
            const batch = await Promise.all(
              [0, 1, 2, 3, 4].map(async (k) => {
                const t = performance.now();
                const o =
                  k % 2 === 0 ? await run(c, 'film_create', { title: `q film s${s}-${round}-${k}` }) : await run(c, k === 1 ? 'film_list' : 'media_list', {});
                latencies.push(performance.now() - t);
                return o;
              }),
            );
            out.push(...batch);
          }
          return out;
        }),
      )
    ).flat();
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(sessions.map((c) => c.close()));
    expect(outcomes).toHaveLength(500);
    expect(outcomes.filter((o) => !o.ok || BUSY.test(o.text))).toEqual([]);
    expect(count(home, `SELECT COUNT(*) n FROM films WHERE title LIKE 'q film s%'`)).toBe(300);
    latencies.sort((x, y) => x - y);
    const pct = (q: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1);
    process.stdout.write(
      `load (quick calls): 500 calls (300 creates, 200 reads) from 10 sessions in ${seconds.toFixed(2)} s = ${(500 / seconds).toFixed(1)} calls/s; latency ` +
        `p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms\n`,
    );
  }, 120_000);

  it('two server processes on one studio folder write at the same time without losing or doubling rows', async () => {
    const home = tempDir('studio-load2-');
    const [a, b] = await Promise.all([spawnHttp(home), spawnHttp(home)]);
    const ca = await Promise.all(Array.from({ length: 5 }, () => session((a as Server).port)));
    const cb = await Promise.all(Array.from({ length: 5 }, () => session((b as Server).port)));
    // Shared parents, so both processes write into the same film, scene and shot.
    const film = ((await run(ca[0] as Client, 'film_create', { title: 'shared film' })).result as { film: { film_id: string } }).film.film_id;
    const scene = ((await run(cb[0] as Client, 'scene_create', { title: 'shared scene', film_id: film })).result as { scene: { scene_id: string } }).scene
      .scene_id;
    const shot = (
      (await run(ca[0] as Client, 'shot_create', { scene_id: scene, prompt: 'shared shot', duration: 1, params: { resolution: '360p', fps: 12 } })).result as {
        shot: { shot_id: string };
      }
    ).shot.shot_id;

    const plan: [Client, string, Record<string, unknown>][] = [];
    for (const [name, clients] of [
      ['A', ca],
      ['B', cb],
    ] as const) {
      clients.forEach((c, s) => {
        for (let k = 0; k < 4; k++) {
          const tag = `${name}${s}-${k}`;
          plan.push(
            [c, 'film_create', { title: `p2 film ${tag}` }],
            [c, 'scene_create', { title: `p2 scene ${tag}`, film_id: film }],
            [c, 'shot_create', { scene_id: scene, prompt: `p2 shot ${tag}` }],
            [c, 'character_create', { name: `p2 char ${tag}` }],
            [c, 'film_update', { film_id: film, description: `touched by ${tag}` }],
          );
        }
        if (s < 2) plan.push([c, 'video_generate', { shot_id: shot }]); // takes of the same shot from both processes
        if (s < 2) plan.push([c, 'voice_tts', { shot_id: shot, text: `p2 line ${name}${s}` }]);
      });
    }
    const t0 = performance.now();
    const outcomes = await Promise.all(plan.map(([c, tool, args]) => run(c, tool, args)));
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all([...ca, ...cb].map((c) => c.close()));

    const failed = outcomes.filter((o) => !o.ok).map((o) => `${o.tool}: ${o.text.slice(0, 300)}`);
    expect(failed).toEqual([]);
    expect(outcomes.filter((o) => BUSY.test(o.text))).toEqual([]);
    for (const s of [a, b] as Server[]) expect(s.stderr()).not.toMatch(/SQLITE_BUSY|database is locked/);

    const per = 2 * 5 * 4; // processes × sessions × rounds
    expect(count(home, `SELECT COUNT(*) n FROM films WHERE title LIKE 'p2 film %'`)).toBe(per);
    expect(count(home, `SELECT COUNT(DISTINCT title) n FROM films WHERE title LIKE 'p2 film %'`)).toBe(per);
    expect(count(home, `SELECT COUNT(*) n FROM characters WHERE name LIKE 'p2 char %'`)).toBe(per);
    expect(count(home, `SELECT COUNT(*) n FROM scenes WHERE film_id = ?`, film)).toBe(per + 1);
    // Positions are renumbered inside BEGIN IMMEDIATE transactions: unique and dense across both processes.
    expect(count(home, `SELECT COUNT(DISTINCT position) n FROM scenes WHERE film_id = ?`, film)).toBe(per + 1);
    expect(count(home, `SELECT MAX(position) n FROM scenes WHERE film_id = ?`, film)).toBe(per);
    expect(count(home, `SELECT COUNT(*) n FROM shots WHERE scene_id = ?`, scene)).toBe(per + 1);
    expect(count(home, `SELECT COUNT(DISTINCT position) n FROM shots WHERE scene_id = ?`, scene)).toBe(per + 1);
    // Takes of one shot made by two processes: four takes, numbered 1..4 without a gap or a repeat.
    expect(count(home, `SELECT COUNT(*) n FROM takes WHERE shot_id = ?`, shot)).toBe(4);
    expect(count(home, `SELECT COUNT(DISTINCT take_number) n FROM takes WHERE shot_id = ?`, shot)).toBe(4);
    expect(count(home, `SELECT MAX(take_number) n FROM takes WHERE shot_id = ?`, shot)).toBe(4);
    expect(count(home, `SELECT COUNT(*) n FROM shot_audio WHERE shot_id = ?`, shot)).toBe(4);
    expect(count(home, `SELECT COUNT(*) n FROM jobs WHERE status <> 'succeeded'`)).toBe(0);
    const db = new Database(path.join(home, 'studio.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    process.stdout.write(
      `load (2 processes, 1 folder): ${plan.length} concurrent calls (${per * 5} writes, 8 local generations) answered in ${seconds.toFixed(2)} s = ` +
        `${(plan.length / seconds).toFixed(1)} calls/s\n`,
    );
  }, 180_000);
});
