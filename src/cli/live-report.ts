import { createInterface } from 'node:readline/promises';
import { CapabilityRegistry } from '../capabilities/registry.js';
import type { StudioConfig } from '../config.js';
import { createAdapters } from '../providers/index.js';
import type { ProviderAdapter } from '../providers/types.js';
import { tempDir } from '../temp.js';
import { estimateText, runSmokeCall, SMOKE_CALLS, smokePlan, type SmokeDeps, type SmokePlanItem, type SmokeResult } from './live-smoke.js';

/** What `doctor --live` did: the plan, whether it was sent, each call's result, and the lines shown to a person. */
export interface LiveReport {
  /** False when a call failed or departed from its capability file; true when nothing was sent. */
  ok: boolean;
  sent: boolean;
  plan: SmokePlanItem[];
  results: SmokeResult[];
  /** Estimated total of the calls that would be (or were) sent, from published prices only. */
  estimated_usd: number;
  lines: string[];
}

export interface LiveOptions {
  yes: boolean;
  json: boolean;
  /** Asks the person; default: a y/N question on stderr when stdin is a terminal, else no. */
  confirm?: (question: string) => Promise<boolean>;
  adapters?: Map<string, ProviderAdapter>;
  deps?: SmokeDeps;
}

async function askOnTerminal(question: string): Promise<boolean> {
  // Without a terminal nobody can answer: nothing is sent unless --yes was given (CI never sends).
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function planLines(plan: SmokePlanItem[]): string[] {
  return plan.map(
    (p) =>
      `  ${p.provider}: ${p.model} ${JSON.stringify(p.args)} — ${estimateText(p.estimate)}` +
      (p.configured ? '' : ` (not configured: ${p.reason ?? 'no keys'})`),
  );
}

/**
 * The live smoke test. Without any configured provider it only says what it would do. Otherwise it shows the calls
 * and their estimated cost, asks (or takes --yes), sends one call per configured provider and reports departures.
 */
export async function liveSmoke(config: StudioConfig, env: NodeJS.ProcessEnv, opts: LiveOptions): Promise<LiveReport> {
  const registry = CapabilityRegistry.load();
  const adapters = opts.adapters ?? createAdapters(config, { env });
  const plan = smokePlan(registry, adapters);
  const todo = plan.filter((p) => p.configured);
  const estimated = Math.round(todo.reduce((sum, p) => sum + (p.estimate?.usd ?? 0), 0) * 100) / 100;
  const unpriced = todo.filter((p) => !p.estimate).length;
  const base = { plan, results: [] as SmokeResult[], estimated_usd: estimated };
  if (todo.length === 0) {
    return {
      ...base,
      ok: true,
      sent: false,
      lines: ['live smoke test: no provider has keys set here, so nothing was sent. With keys it would make one call per provider:', ...planLines(plan)],
    };
  }
  const head = [
    `live smoke test: ${todo.length} call(s), estimated $${estimated.toFixed(2)}${unpriced ? ` plus ${unpriced} without a published price` : ''}:`,
    ...planLines(plan),
  ];
  const confirmed = opts.yes || (await (opts.confirm ?? askOnTerminal)(`Send these ${todo.length} paid call(s)? [y/N] `));
  if (!confirmed) return { ...base, ok: true, sent: false, lines: [...head, 'nothing was sent: answer y, or pass --yes'] };

  const work = await tempDir('studio-smoke-');
  const results: SmokeResult[] = [];
  try {
    for (const item of todo) {
      const call = SMOKE_CALLS.find((c) => c.model === item.model);
      const adapter = adapters.get(item.provider);
      if (!call || !adapter) continue;
      results.push(await runSmokeCall(call, registry, adapter, work.dir, opts.deps));
    }
  } finally {
    await work.dispose();
  }
  const lines = [...head, 'results:'];
  for (const r of results) {
    lines.push(`  ${r.ok ? 'ok' : 'DEPARTS'}  ${r.provider}: ${r.model} (${r.outputs} output(s))`);
    for (const d of r.departures) lines.push(`      - ${d}`);
  }
  return { ...base, ok: results.every((r) => r.ok), sent: true, results, lines };
}
