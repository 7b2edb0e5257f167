import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runNode } from '../cli/spawn.js';

/**
 * Drives the official MCP conformance suite (@modelcontextprotocol/conformance, a CLI that needs Node >= 22) against
 * a running server and reads its per-scenario reports, so a test can assert scenario by scenario.
 */
const PACKAGE = path.resolve('node_modules/@modelcontextprotocol/conformance');
const SUITE = path.join(PACKAGE, 'dist/index.js');

export const SUITE_VERSION = (JSON.parse(fs.readFileSync(path.join(PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The Node binary to run the suite with: CONFORMANCE_NODE when set (lets a Node 20 machine run it with a Node 22
 * binary beside it), else this process's own Node when it is 22 or newer, else undefined (the suite cannot run).
 */
export function conformanceNode(): string | undefined {
  const override = process.env.CONFORMANCE_NODE;
  if (override) {
    const v = execFileSync(override, ['-v'], { encoding: 'utf8' }).trim();
    if (major(v) < 22) throw new Error(`CONFORMANCE_NODE=${override} is Node ${v}; the conformance suite needs Node >= 22`);
    return override;
  }
  return major(process.versions.node) >= 22 ? process.execPath : undefined;
}

const major = (version: string): number => Number(version.replace(/^v/, '').split('.')[0]);

/** The server scenarios the installed suite knows (`conformance list --server`), in its order. */
export async function listServerScenarios(node: string): Promise<string[]> {
  const r = await runNode(node, SUITE, ['list', '--server'], {}, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`conformance list failed (${r.code}): ${r.stderr}`);
  return [...r.stdout.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1] ?? '');
}

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
export interface Check {
  id: string;
  status: CheckStatus;
  description?: string;
  errorMessage?: string;
}

/**
 * Run every server scenario of the suite (`--suite all`: the active ones and the pending ones) against `url` and
 * return each scenario's checks, read from the `server-<scenario>-<timestamp>/checks.json` reports it writes. One run
 * of the whole suite takes about a second; a process per scenario would cost a Node start each. The exit code is not
 * used: it is 1 whenever any scenario fails, including those that need the suite's own fixture tools.
 */
export async function runServerSuite(node: string, url: string, outDir: string): Promise<Map<string, Check[]>> {
  const r = await runNode(node, SUITE, ['server', '--url', url, '--suite', 'all', '-o', outDir], {}, { timeoutMs: 120_000 });
  const results = new Map<string, Check[]>();
  for (const dir of fs.readdirSync(outDir)) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(dir);
    if (!m?.[1]) continue;
    results.set(m[1], JSON.parse(fs.readFileSync(path.join(outDir, dir, 'checks.json'), 'utf8')) as Check[]);
  }
  if (results.size === 0) throw new Error(`the conformance suite wrote no reports (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return results;
}

/** 'passed' when a scenario has a successful check and no failed one; otherwise what went wrong, for the diff. */
export function verdict(checks: Check[] | undefined): string {
  if (!checks) return 'not run';
  const failed = checks.filter((c) => c.status === 'FAILURE');
  if (failed.length) return `failed: ${failed.map((c) => `${c.id}: ${c.errorMessage ?? c.description ?? ''}`).join('; ')}`;
  return checks.some((c) => c.status === 'SUCCESS') ? 'passed' : 'no successful check';
}
