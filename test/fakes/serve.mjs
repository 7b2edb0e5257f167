#!/usr/bin/env node
// Start the four provider fakes as a standalone process, for manual runs and end-to-end tests of a server
// process: `node test/fakes/serve.mjs [--json]`. Prints the environment that points studio-mcp at them
// (shell `export` lines, or one JSON object with --json) and runs until SIGINT/SIGTERM.
// Each fake is steerable over HTTP: POST /__fake/scenario {…}, POST /__fake/fail {route, fault, times},
// GET /__fake/requests, POST /__fake/reset.
//
// The fakes are TypeScript; Vite (installed with vitest) transpiles them on the fly, so no build step is needed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vite = await createServer({
  root,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const { startAllFakes } = await vite.ssrLoadModule('/test/fakes/index.ts');
const fakes = await startAllFakes();

if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(fakes.env)}\n`);
} else {
  for (const [k, v] of Object.entries(fakes.env)) process.stdout.write(`export ${k}=${JSON.stringify(v)}\n`);
}

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await fakes.close();
  await vite.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
