import { type ChildProcess, spawn } from 'node:child_process';
import { CLI } from '../cli/spawn.js';

export interface SpawnedHttpServer {
  /** The announced endpoint, e.g. http://127.0.0.1:40123/mcp. */
  url: string;
  child: ChildProcess;
  stderr: () => string;
  /** SIGTERM, then SIGKILL if it has not exited after 5 s; resolves once the process is gone. */
  stop: () => Promise<void>;
}

/**
 * Start `studio-mcp --http --port 0` (plus `args`, e.g. `--no-work`) and resolve with the address it announces on stderr.
 * `env` is the server's whole environment besides PATH: nothing else is inherited, so a provider key or
 * STUDIO_HTTP_TOKEN set where the tests run never changes what the server offers or whether it asks for a token.
 */
export async function spawnHttpServer(env: Record<string, string>, args: string[] = []): Promise<SpawnedHttpServer> {
  const child = spawn(process.execPath, [CLI, '--http', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`studio-mcp --http announced no address within 20 s: ${err}`)), 20_000);
    child.once('exit', (code) => (clearTimeout(t), reject(new Error(`studio-mcp --http exited (${code}) before serving: ${err}`))));
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8');
      const m = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err);
      if (m?.[1]) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  return { url, child, stderr: () => err, stop };
}
