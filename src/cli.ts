#!/usr/bin/env node
import { loadConfig } from './config.js';
import { Studio } from './studio/studio.js';
import { serveHttp } from './transports/http.js';
import { serveStdio } from './transports/stdio.js';

const USAGE = `studio-mcp — an MCP server that makes films

  studio-mcp                     serve MCP on stdio (what MCP clients run)
  studio-mcp --http [--port N]   serve Streamable HTTP on 127.0.0.1:N/mcp (default 3917)

Environment: STUDIO_HOME (data folder, default ./studio-data), STUDIO_ALLOWED_DIRS, provider keys (see README).`;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const studio = new Studio({ config: loadConfig() });
  if (argv.includes('--http')) {
    const i = argv.indexOf('--port');
    const port = i >= 0 ? Number(argv[i + 1]) : 3917;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port takes a number from 0 to 65535');
    const host = '127.0.0.1';
    const server = await serveHttp(studio, { port, host });
    const addr = server.address() as { port: number };
    process.stderr.write(`studio-mcp: Streamable HTTP on http://${host}:${addr.port}/mcp (data: ${studio.config.home})\n`);
    return;
  }
  await serveStdio(studio);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`studio-mcp: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
