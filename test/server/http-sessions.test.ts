import type http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Studio } from '../../src/studio/studio.js';
import { serveHttp } from '../../src/transports/http.js';
import { tempDir } from '../helpers/harness.js';

describe('HTTP sessions are bounded', () => {
  let studio: Studio;
  let server: http.Server;
  let url: URL;
  beforeAll(async () => {
    studio = new Studio({ config: loadConfig({ STUDIO_HOME: tempDir() }), log: () => undefined });
    server = await serveHttp(studio, { port: 0, host: '127.0.0.1', maxSessions: 2, idleMs: 1000 });
    url = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await studio.close();
  });

  const connect = async (): Promise<Client> => {
    const c = new Client({ name: 't', version: '1' });
    await c.connect(new StreamableHTTPClientTransport(url));
    return c;
  };

  it('refuses sessions over the limit, and closes idle ones', async () => {
    const a = await connect();
    const b = await connect();
    await expect(connect()).rejects.toThrow(/503|too many sessions/);
    expect((await a.listTools()).tools.length).toBeGreaterThan(10);
    // Keep `a` busy with cheap pings (a tools/list can take most of a second on a loaded machine) while `b` idles
    // past the limit; the sweep runs every idle period, so `b` is gone within two of them.
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await a.ping();
    }
    await expect(b.listTools()).rejects.toThrow();
    const c = await connect();
    expect((await c.listTools()).tools.length).toBeGreaterThan(10);
    await Promise.all([a.close(), c.close(), b.close().catch(() => undefined)]);
  });
});
