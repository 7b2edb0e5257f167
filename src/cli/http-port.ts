import { UsageError } from './args.js';

/** The port `--http` listens on when neither --port nor STUDIO_HTTP_PORT says otherwise. */
export const DEFAULT_HTTP_PORT = 3917;

/**
 * The HTTP port from --port, else STUDIO_HTTP_PORT, else the default: one rule for the server (`--http`) and for the
 * commands that print its address (`open`), so both agree on where the page is.
 */
export function httpPort(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env.STUDIO_HTTP_PORT?.trim() ? env.STUDIO_HTTP_PORT.trim() : undefined;
  const raw = flag ?? fromEnv;
  if (raw === undefined) return DEFAULT_HTTP_PORT;
  const port = Number(raw);
  const source = flag === undefined ? 'STUDIO_HTTP_PORT' : '--port';
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port > 65535) throw new UsageError(`${source} takes a number from 0 to 65535, got '${raw}'`);
  return port;
}
