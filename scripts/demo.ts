import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { makeDemoFilm } from './demo-film.js';

/**
 * `npm run demo`: start the built server over stdio, exactly as an MCP client would, and make a short film offline
 * on the embedded defaults (no API keys).
 */
async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const cli = path.resolve(here, '../src/cli.js');
  const home = path.resolve(process.env.STUDIO_HOME ?? 'studio-data');
  fs.mkdirSync(home, { recursive: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env.STUDIO_HOME = home;
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli], env, stderr: 'inherit' });
  // Speaks today's revision (2026-07-28: no initialize, no session); 2025-era clients are served too.
  const client = new Client({ name: 'studio-mcp-demo', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(transport);
  const started = Date.now();
  console.log(`studio-mcp demo — data folder: ${home}`);
  const tools = await client.listTools();
  console.log(`connected over stdio (MCP ${client.getNegotiatedProtocolVersion() ?? '?'}): ${tools.tools.length} tools`);
  const film = await makeDemoFilm(client, (line) => console.log(line));
  await client.close();
  console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`the film: ${film.film_path}`);
  // The storyboard of what was just made: in an MCP Apps client through storyboard_show, else on the --http page.
  console.log(`its storyboard: node dist/src/cli.js --http, then open the address \`node dist/src/cli.js open ${film.film_id}\` prints`);
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
