import { execFile } from 'node:child_process';
import path from 'node:path';

export const CLI = path.resolve('dist/src/cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a user would: its own process, only PATH and what the test gives in the environment. */
export function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runNode(process.execPath, CLI, args, env);
}

/** Run a Node script with `node` (this or another Node binary), only PATH and `env` in its environment; killed after timeoutMs. */
export function runNode(
  node: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      node,
      [script, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, cwd: opts.cwd, timeout: opts.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export function json<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}
