import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as LegacyStdioTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as LegacyHttpTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDemoFilm, type ToolCallingClient } from '../../scripts/demo-film.js';
import { tempDir } from '../helpers/harness.js';
import { type SpawnedHttpServer, spawnHttpServer } from '../helpers/http-server.js';
import { MODERN, modernEnvelope, modernHeaders } from '../helpers/raw-2026.js';

/**
 * The offline demo film made by a 2026-07-28 client (SDK 2.x pinned to that revision) and by a 2025-era client
 * (SDK 1.x), each over stdio and over --http, against the built server: both eras from one server.
 */
const CLI = path.resolve('dist/src/cli.js');

function baseEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', STUDIO_HOME: home };
}

/** One 2026-07-28 request as the revision frames it (envelope in _meta, standard headers) over real HTTP. */
async function postModern(url: URL, method: string, params: Record<string, unknown> = {}, name?: string): Promise<Record<string, unknown>> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: modernEnvelope() } });
  const res = await fetch(url, { method: 'POST', headers: modernHeaders(method, name), body });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const json = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '{}');
  return JSON.parse(json) as Record<string, unknown>;
}

async function filmChecks(client: ToolCallingClient): Promise<void> {
  const film = await makeDemoFilm(client);
  expect(film.film_duration).toBeGreaterThan(5);
  expect(fs.statSync(film.film_path).size).toBeGreaterThan(10_000);
  expect(film.scene_renders.length).toBe(2);
}

describe('both protocol eras over stdio', () => {
  it('a 2026-07-28 client (SDK 2.x, pinned) makes the demo film', async () => {
    const client = new Client({ name: 'modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI], env: baseEnv(tempDir()), stderr: 'pipe' }));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
      expect(client.getServerVersion()?.name).toBe('studio-mcp');
      await filmChecks(client);
    } finally {
      await client.close();
    }
  });

  it('a 2025-era client (SDK 1.x) makes the demo film', async () => {
    const client = new LegacyClient({ name: 'legacy', version: '1.0.0' });
    await client.connect(new LegacyStdioTransport({ command: process.execPath, args: [CLI], env: baseEnv(tempDir()), stderr: 'pipe' }));
    try {
      expect(client.getServerVersion()?.name).toBe('studio-mcp');
      await filmChecks(client);
    } finally {
      await client.close();
    }
  });
});

describe('both protocol eras over --http', () => {
  let server: SpawnedHttpServer & { endpoint: URL };
  beforeAll(async () => {
    const s = await spawnHttpServer({ STUDIO_HOME: tempDir() });
    server = { ...s, endpoint: new URL(s.url) };
  });
  afterAll(async () => server.stop());

  it('server/discover names the server, its revisions and capabilities; results carry serverInfo in _meta', async () => {
    const d = await postModern(server.endpoint, 'server/discover');
    const result = d.result as {
      supportedVersions: string[];
      capabilities: { tools?: { listChanged?: boolean } };
      _meta: Record<string, unknown>;
    };
    expect(result.supportedVersions).toContain(MODERN);
    // The identity travels in _meta on every 2026-07-28 result, this one included.
    expect(result._meta['io.modelcontextprotocol/serverInfo']).toEqual({ name: 'studio-mcp', version: '0.1.0' });
    expect(result.capabilities.tools?.listChanged).toBe(true);
    const list = (await postModern(server.endpoint, 'tools/list')).result as {
      tools: unknown[];
      ttlMs: number;
      cacheScope: string;
      _meta: Record<string, unknown>;
    };
    expect(list.ttlMs).toBe(300_000);
    expect(list.cacheScope).toBe('public');
    expect((list._meta['io.modelcontextprotocol/serverInfo'] as { name: string }).name).toBe('studio-mcp');
    expect(list.tools.length).toBeGreaterThan(40);
  });

  it('a 2026-07-28 client (SDK 2.x, pinned) makes the demo film', async () => {
    const client = new Client({ name: 'modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(new StreamableHTTPClientTransport(server.endpoint));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
      await filmChecks(client);
    } finally {
      await client.close();
    }
  });

  it('a 2025-era client (SDK 1.x) makes the demo film', async () => {
    const client = new LegacyClient({ name: 'legacy', version: '1.0.0' });
    await client.connect(new LegacyHttpTransport(server.endpoint));
    try {
      await filmChecks(client);
    } finally {
      await client.close();
    }
  });

  it('a 2026-07-28 client hears resource updates on its subscriptions/listen stream', async () => {
    const client = new Client({ name: 'modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(new StreamableHTTPClientTransport(server.endpoint));
    try {
      const scene = (await client.callTool({ name: 'scene_create', arguments: { title: 'Listen' } })).structuredContent as { scene: { scene_id: string } };
      const uri = `studio://scenes/${scene.scene.scene_id}`;
      const updated: string[] = [];
      client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
      const sub = await client.listen({ resourceSubscriptions: [uri] });
      await client.callTool({ name: 'scene_update', arguments: { scene_id: scene.scene.scene_id, title: 'Listened' } });
      const deadline = Date.now() + 10_000;
      while (!updated.includes(uri) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(updated).toContain(uri);
      await sub.close();
    } finally {
      await client.close();
    }
  });
});
