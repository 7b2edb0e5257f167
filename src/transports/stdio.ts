import { serveStdio as serveStdioEntry } from '@modelcontextprotocol/server/stdio';
import { createMcpServer } from '../server.js';
import type { Studio } from '../studio/studio.js';

/**
 * Serve one client on stdin/stdout, in whichever era its opening picks (2026-07-28 `server/discover` or a 2025
 * `initialize`); the SDK's entry pins one instance for the connection. Logs go to stderr so they never corrupt the
 * protocol stream.
 */
export async function serveStdio(studio: Studio): Promise<void> {
  const handle = serveStdioEntry(() => createMcpServer(studio, { forwardEvents: true }).server, {
    onerror: (err) => studio.log(`stdio: ${err.message}`),
  });
  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await handle.close().catch(() => undefined);
    await studio.close().catch(() => undefined);
    process.exit(0);
  };
  process.stdin.on('end', () => void shutdown());
  process.stdin.on('close', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}
