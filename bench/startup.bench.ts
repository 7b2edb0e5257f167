import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { spawnHttpServer } from '../test/helpers/http-server.js';
import { round, type BenchResult } from './lib.js';

/**
 * Time from process start to the first tools/list answer, on each transport and protocol era, against the time
 * Node itself takes to start and exit on this machine (the ratio is what survives a noisy machine). Each figure is
 * the median of ROUNDS fresh processes on a fresh studio folder (the SQLite file is created and migrated each time).
 */
const ROUNDS = 5;
const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../src/cli.js');

function freshHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'studio-bench-start-'));
}

function env(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', STUDIO_HOME: home };
}

async function nodeStart(): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.once('exit', () => resolve());
    child.once('error', reject);
  });
  return performance.now() - t0;
}

async function stdioFirstList(era: 'modern' | 'legacy'): Promise<number> {
  const t0 = performance.now();
  const client = new Client({ name: 'bench', version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI], env: env(freshHome()), stderr: 'ignore' }));
  await client.listTools();
  const ms = performance.now() - t0;
  await client.close();
  return ms;
}

async function httpFirstList(): Promise<number> {
  const t0 = performance.now();
  const server = await spawnHttpServer({ STUDIO_HOME: freshHome() });
  const client = new Client({ name: 'bench', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  await client.listTools();
  const ms = performance.now() - t0;
  await client.close();
  await server.stop();
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export async function run(): Promise<BenchResult[]> {
  const base: number[] = [];
  const modern: number[] = [];
  const legacy: number[] = [];
  const http: number[] = [];
  // Interleaved, so a burst of load on the machine hits every measurement alike.
  for (let i = 0; i < ROUNDS; i++) {
    base.push(await nodeStart());
    modern.push(await stdioFirstList('modern'));
    legacy.push(await stdioFirstList('legacy'));
    http.push(await httpFirstList());
  }
  const b = median(base);
  const row = (name: string, xs: number[], note: string): BenchResult[] => [
    { name: `${name}: process start → first tools/list answer`, value: round(median(xs), 1), unit: 'ms', note },
    { name: `${name} / node start-up`, value: round(median(xs) / b, 2), unit: 'x', note: `node -e 0 took ${round(b, 1)} ms (median)` },
  ];
  return [
    ...row('stdio, 2026-07-28 client (server/discover)', modern, `median of ${ROUNDS}; fresh studio folder each time`),
    ...row('stdio, 2025-era client (initialize)', legacy, `median of ${ROUNDS}`),
    ...row('--http, 2026-07-28 client', http, `median of ${ROUNDS}; includes waiting for the port announcement`),
  ];
}

export const notes =
  "The SDK 2.x client's stdio transport runs its era probe (`server/discover`) on a short-lived sibling process even " +
  'when pinned to 2026-07-28, so the first stdio row includes a second server start; a host that caches the ' +
  'discover result (`connect(transport, { prior })`) skips it. The --http row is one process: the probe is an HTTP request.';
