import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Studio } from '../../src/studio/studio.js';
import { serveHttp } from '../../src/transports/http.js';
import { hostAllowed, originAllowed, publicUrlRefusal, webBase } from '../../src/transports/http-host.js';
import { tempDir } from '../helpers/harness.js';
import { modernEnvelope, modernHeaders } from '../helpers/raw-2026.js';

/**
 * Issue 6 item 5: the Streamable HTTP transport. Real clients use the SDK's StreamableHTTPClientTransport; hostile
 * requests are raw node:http requests (so Host, Origin and body framing are exactly what the test says).
 */

const TOKEN = 'http-token-0123456789abcdef';

interface RawReply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A request with full control of the headers (fetch would set Host itself). */
function raw(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] },
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    // agent:false: a fresh connection per request, so one test's half-sent body never poisons the next request.
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/mcp', headers: opts.headers, setHost: false, agent: false },
      (res) => {
        answered = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    // The server may answer (413) and close before the whole body is sent: wait a moment for that answer.
    req.on('error', (err) => setTimeout(() => (answered ? undefined : reject(err)), 500));
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function auth(): Record<string, string> {
  return { authorization: `Bearer ${TOKEN}` };
}

async function client(
  port: number,
  token: string | undefined,
  onNote?: (n: { method: string; params?: unknown }) => void,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(
    new URL(`http://127.0.0.1:${port}/mcp`),
    token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {},
  );
  const c = new Client({ name: 'http-test', version: '1.0.0' });
  if (onNote) c.fallbackNotificationHandler = async (n) => onNote(n as { method: string; params?: unknown });
  await c.connect(transport);
  return { client: c, transport };
}

function nonLoopbackAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  return undefined;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
  });
}

describe('HTTP transport: the CLI binds loopback only', () => {
  let child: ChildProcess;
  let port = 0;
  let stderr = '';
  beforeAll(async () => {
    child = spawn(process.execPath, [path.resolve('dist/src/cli.js'), '--http', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', STUDIO_HOME: tempDir('studio-http-cli-'), STUDIO_HTTP_TOKEN: TOKEN },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no port announced: ${stderr}`)), 15_000);
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
        const m = /http:\/\/([\d.]+):(\d+)\/mcp/.exec(stderr);
        if (m) {
          clearTimeout(t);
          expect(m[1]).toBe('127.0.0.1');
          resolve(Number(m[2]));
        }
      });
    });
  });
  afterAll(() => {
    child.kill('SIGTERM');
  });

  it('announces 127.0.0.1 and is reachable there', async () => {
    expect(port).toBeGreaterThan(0);
    expect(await canConnect('127.0.0.1', port)).toBe(true);
  });

  it('is not reachable on a non-loopback address of this machine', async () => {
    const ext = nonLoopbackAddress();
    if (!ext) return; // a machine with loopback only has nothing to prove here
    expect(await canConnect(ext, port)).toBe(false);
  });

  it('requires the token (from STUDIO_HTTP_TOKEN) on the spawned server too', async () => {
    const r = await raw(port, { headers: { ...JSON_HEADERS, host: `127.0.0.1:${port}` }, body: INIT });
    expect(r.status).toBe(401);
    const c = await client(port, TOKEN);
    expect((await c.client.listTools()).tools.length).toBeGreaterThan(20);
    await c.client.close();
  });
});

describe('HTTP transport: token, Host/Origin, body limit, sessions', () => {
  let studio: Studio;
  let server: http.Server;
  let port: number;
  const host = (): Record<string, string> => ({ host: `127.0.0.1:${port}` });

  beforeAll(async () => {
    const home = tempDir('studio-http-');
    studio = new Studio({ config: loadConfig({ STUDIO_HOME: home, STUDIO_HTTP_TOKEN: TOKEN, STUDIO_WAIT_SECONDS: '30' }), log: () => undefined });
    server = await serveHttp(studio, { port: 0, host: '127.0.0.1', maxBodyBytes: 256 * 1024 });
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await studio.close();
  });

  it('serveHttp binds the host it is given (127.0.0.1)', () => {
    expect((server.address() as net.AddressInfo).address).toBe('127.0.0.1');
  });

  describe('bearer token on every request', () => {
    let sessionId: string;
    beforeAll(async () => {
      const r = await raw(port, { headers: { ...JSON_HEADERS, ...host(), ...auth() }, body: INIT });
      expect(r.status).toBe(200);
      sessionId = String(r.headers['mcp-session-id']);
    });

    const hostile: [string, () => Record<string, string>][] = [
      ['no Authorization header', () => ({})],
      ['an empty bearer', () => ({ authorization: 'Bearer ' })],
      ['a wrong token', () => ({ authorization: 'Bearer wrong-token-0123456789abcdef' })],
      ['a token prefix', () => ({ authorization: `Bearer ${TOKEN.slice(0, -1)}` })],
      ['the token with a suffix', () => ({ authorization: `Bearer ${TOKEN}x` })],
      ['lower-case scheme with a wrong token', () => ({ authorization: 'bearer nope' })],
      ['Basic auth carrying the token', () => ({ authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` })],
      ['the token without a scheme', () => ({ authorization: TOKEN })],
      ['the token in a query-like header', () => ({ 'x-api-key': TOKEN })],
    ];
    it.each(hostile)('initialize with %s → 401', async (_l, h) => {
      const r = await raw(port, { headers: { ...JSON_HEADERS, ...host(), ...h() }, body: INIT });
      expect(r.status).toBe(401);
      expect(r.headers['mcp-session-id']).toBeUndefined();
    });

    it.each([
      ['POST tools/list', 'POST', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })],
      ['GET (SSE stream)', 'GET', undefined],
      ['DELETE (end session)', 'DELETE', undefined],
    ])('%s on an existing session without the token → 401', async (_l, method, body) => {
      const r = await raw(port, {
        method,
        headers: { ...JSON_HEADERS, ...host(), 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
        ...(body ? { body } : {}),
      });
      expect(r.status).toBe(401);
    });

    it('the session still works with the token (DELETE without it did nothing)', async () => {
      const r = await raw(port, {
        headers: { ...JSON_HEADERS, ...host(), ...auth(), 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
      });
      expect(r.status).toBe(200);
      expect(r.body).toContain('video_generate');
    });

    it('an unknown session id is refused even with the token', async () => {
      const r = await raw(port, {
        headers: { ...JSON_HEADERS, ...host(), ...auth(), 'mcp-session-id': '00000000-0000-4000-8000-000000000000' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/list' }),
      });
      expect(r.status).toBe(404);
    });
  });

  describe('Host and Origin (DNS rebinding)', () => {
    const badHosts = (p: number): string[] => [
      `evil.example:${p}`,
      'evil.example',
      `localhost.evil.example:${p}`,
      `127.0.0.1.nip.io:${p}`,
      `127.0.0.1:${p + 1}`,
      `127.0.0.1`,
      `localhost`,
      `[::ffff:127.0.0.1]:${p}`,
      `0.0.0.0:${p}`,
      `127.0.0.2:${p}`,
      `2130706433:${p}`,
      `127.0.0.1:${p}@evil.example`,
      `evil.example:${p}, 127.0.0.1:${p}`,
      '',
    ];
    it('refuses every rebinding Host with 403 (and never creates a session)', async () => {
      const statuses: Record<string, number> = {};
      for (const h of badHosts(port)) {
        const r = await raw(port, { headers: { ...JSON_HEADERS, host: h, ...auth() }, body: INIT });
        statuses[h] = r.status;
        expect(r.headers['mcp-session-id']).toBeUndefined();
      }
      expect(Object.values(statuses).every((s) => s === 403)).toBe(true);
    });

    it('refuses a request without a Host header (node answers 400 before the handler, which would say 403)', async () => {
      // setHost:false and no host header sends none.
      const r = await raw(port, { headers: { ...JSON_HEADERS, ...auth() }, body: INIT });
      expect([400, 403]).toContain(r.status);
      expect(r.headers['mcp-session-id']).toBeUndefined();
    });

    it('accepts the loopback names on the right port', async () => {
      for (const h of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
        const r = await raw(port, { headers: { ...JSON_HEADERS, host: h, ...auth() }, body: INIT });
        expect(r.status).toBe(200);
      }
    });

    it.each([
      'http://evil.example',
      'https://evil.example:443',
      'http://127.0.0.1.evil.example',
      'http://localhost.evil.example:3917',
      'http://evil.example/http://127.0.0.1',
      'null',
      'file://',
      'chrome-extension://abcdefghijklmnop',
      'http://127.0.0.1:80@evil.example',
      'http://[::ffff:7f00:1]',
    ])('refuses Origin %s with 403', async (origin) => {
      const r = await raw(port, { headers: { ...JSON_HEADERS, ...host(), origin, ...auth() }, body: INIT });
      expect(r.status).toBe(403);
    });

    it('accepts a loopback Origin', async () => {
      const r = await raw(port, { headers: { ...JSON_HEADERS, ...host(), origin: `http://localhost:${port}`, ...auth() }, body: INIT });
      expect(r.status).toBe(200);
    });
  });

  describe('request size limit', () => {
    it('refuses a body over the limit with 413 (Content-Length)', async () => {
      const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { pad: 'x'.repeat(300 * 1024) } });
      const r = await raw(port, { headers: { ...JSON_HEADERS, ...host(), ...auth() }, body: big });
      expect(r.status).toBe(413);
    });

    it('refuses a chunked body over the limit with 413', async () => {
      const chunks = Array.from({ length: 40 }, () => Buffer.alloc(16 * 1024, 0x20));
      const r = await raw(port, { headers: { ...JSON_HEADERS, ...host(), ...auth(), 'transfer-encoding': 'chunked' }, chunks });
      expect(r.status).toBe(413);
    });

    it('refuses an oversized tool call inside a session with 413, and the session lives on', async () => {
      const c = await client(port, TOKEN);
      const err = await c.client.callTool({ name: 'film_create', arguments: { title: 'x'.repeat(400 * 1024) } }).catch((e: unknown) => e);
      expect(String(err)).toMatch(/413|too large/);
      const ok = await c.client.callTool({ name: 'film_create', arguments: { title: 'small' } });
      expect(ok.isError).toBeFalsy();
      await c.client.close();
    });

    it('a body under the limit is fine; a non-JSON body is 400', async () => {
      const r = await raw(port, { headers: { ...JSON_HEADERS, ...host(), ...auth() }, body: '{not json' });
      expect(r.status).toBe(400);
    });

    it('only /mcp is served', async () => {
      for (const p of ['/', '/admin', '/mcp/../etc/passwd', '/MCP', '/mcpx']) {
        const r = await raw(port, { path: p, headers: { ...JSON_HEADERS, ...host(), ...auth() }, body: INIT });
        expect(r.status).toBe(404);
      }
    });
  });

  describe('2026-07-28 requests (no session, per-request envelope) pass the same guards', () => {
    const modern = (method: string, extra: Record<string, unknown> = {}): { headers: Record<string, string>; body: string } => ({
      headers: modernHeaders(method),
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: { ...extra, _meta: modernEnvelope() } }),
    });

    it('answers tools/list with the token, and without a session id', async () => {
      const m = modern('tools/list');
      const r = await raw(port, { headers: { ...m.headers, ...host(), ...auth() }, body: m.body });
      expect(r.status).toBe(200);
      expect(r.headers['mcp-session-id']).toBeUndefined();
      const body = JSON.parse(r.body) as { result: { tools: { name: string }[]; ttlMs: number } };
      expect(body.result.tools.map((t) => t.name)).toContain('video_generate');
      expect(body.result.ttlMs).toBe(300_000);
    });

    it('refuses a missing or wrong token with 401, a rebinding Host or a foreign Origin with 403, a big body with 413', async () => {
      const m = modern('tools/list');
      expect((await raw(port, { headers: { ...m.headers, ...host() }, body: m.body })).status).toBe(401);
      expect((await raw(port, { headers: { ...m.headers, ...host(), authorization: 'Bearer nope' }, body: m.body })).status).toBe(401);
      expect((await raw(port, { headers: { ...m.headers, host: `evil.example:${port}`, ...auth() }, body: m.body })).status).toBe(403);
      expect((await raw(port, { headers: { ...m.headers, ...host(), ...auth(), origin: 'https://evil.example' }, body: m.body })).status).toBe(403);
      const big = modern('tools/call', { name: 'film_create', arguments: { title: 'x'.repeat(300 * 1024) } });
      const r = await raw(port, { headers: { ...big.headers, ...host(), ...auth() }, body: big.body });
      expect(r.status).toBe(413);
      expect(r.headers.connection).toBe('close');
    });

    it('a tool call runs per request: the film it creates is there for the next request', async () => {
      const create = modern('tools/call', { name: 'film_create', arguments: { title: 'Per request' } });
      const r = await raw(port, { headers: { ...create.headers, 'mcp-name': 'film_create', ...host(), ...auth() }, body: create.body });
      expect(r.status).toBe(200);
      const made = JSON.parse(r.body) as { result: { structuredContent: { film: { film_id: string } } } };
      const id = made.result.structuredContent.film.film_id;
      expect((await studio.store.films.get(id))?.title).toBe('Per request');
    });
  });

  describe('sessions are isolated', () => {
    it('every session gets the same tools/list; a lookup in one changes no list and notifies nobody', async () => {
      const notesA: { method: string; params?: unknown }[] = [];
      const notesB: { method: string; params?: unknown }[] = [];
      const a = await client(port, TOKEN, (n) => void notesA.push(n));
      const b = await client(port, TOKEN, (n) => void notesB.push(n));
      try {
        const listOf = async (c: Client): Promise<string> => JSON.stringify((await c.listTools()).tools);
        const before = await listOf(a.client);
        expect(await listOf(b.client)).toBe(before);

        const veo = await a.client.callTool({ name: 'video_get_capabilities', arguments: { model: 'vertex/veo-3.1-generate-001' } });
        expect(veo.isError).toBeFalsy();
        const img = await a.client.callTool({ name: 'image_get_capabilities', arguments: { model: 'local/still' } });
        expect(img.isError).toBeFalsy();
        await new Promise((r) => setTimeout(r, 300));

        expect(await listOf(a.client)).toBe(before);
        expect(await listOf(b.client)).toBe(before);
        expect(notesA.filter((n) => n.method === 'notifications/tools/list_changed')).toEqual([]);
        expect(notesB.filter((n) => n.method === 'notifications/tools/list_changed')).toEqual([]);

        // Progress and resource updates go to the session that asked for them only.
        const scene = (await a.client.callTool({ name: 'scene_create', arguments: { title: 'iso' } })).structuredContent as { scene: { scene_id: string } };
        await a.client.subscribeResource({ uri: `studio://scenes/${scene.scene.scene_id}` });
        const shot = (await a.client.callTool({ name: 'shot_create', arguments: { scene_id: scene.scene.scene_id, prompt: 'p', duration: 1 } }))
          .structuredContent as { shot: { shot_id: string } };
        const progressA: number[] = [];
        const gen = await a.client.callTool(
          { name: 'video_generate', arguments: { model: 'local/animatic', shot_id: shot.shot.shot_id, resolution: '360p', fps: 12, duration: 1 } },
          undefined,
          { onprogress: (p) => void progressA.push(p.progress) },
        );
        expect(gen.isError).toBeFalsy();
        await new Promise((r) => setTimeout(r, 300));
        expect(progressA.length).toBeGreaterThan(0);
        expect(notesA.some((n) => n.method === 'notifications/resources/updated')).toBe(true);
        expect(
          notesB.filter(
            (n) => n.method === 'notifications/progress' || n.method === 'notifications/resources/updated' || n.method === 'notifications/tools/list_changed',
          ),
        ).toEqual([]);
      } finally {
        await a.client.close();
        await b.client.close();
      }
    });

    it("a session cannot be driven with another session's id unless it holds the token (ids are per client)", async () => {
      const a = await client(port, TOKEN);
      const b = await client(port, TOKEN);
      expect(a.transport.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
      await a.client.close();
      await b.client.close();
    });
  });
});

describe('HTTP transport without a token configured', () => {
  it('still checks Host and Origin', async () => {
    const studio = new Studio({ config: loadConfig({ STUDIO_HOME: tempDir('studio-http-open-') }), log: () => undefined });
    const server = await serveHttp(studio, { port: 0, host: '127.0.0.1' });
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect((await raw(port, { headers: { ...JSON_HEADERS, host: `evil.example:${port}` }, body: INIT })).status).toBe(403);
      expect((await raw(port, { headers: { ...JSON_HEADERS, host: `127.0.0.1:${port}`, origin: 'http://evil.example' }, body: INIT })).status).toBe(403);
      expect((await raw(port, { headers: { ...JSON_HEADERS, host: `127.0.0.1:${port}` }, body: INIT })).status).toBe(200);
      // The default limit is 4 MiB.
      expect((await raw(port, { headers: { ...JSON_HEADERS, host: `127.0.0.1:${port}` }, body: 'x'.repeat(4 * 1024 * 1024 + 1) })).status).toBe(413);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await studio.close();
    }
  });
});

describe('HTTP transport behind a load balancer (STUDIO_HTTP_ALLOWED_HOSTS, --host)', () => {
  let child: ChildProcess;
  let port = 0;
  beforeAll(async () => {
    child = spawn(process.execPath, [path.resolve('dist/src/cli.js'), '--http', '--port', '0'], {
      env: {
        PATH: process.env.PATH ?? '',
        STUDIO_HOME: tempDir('studio-http-lb-'),
        STUDIO_HTTP_TOKEN: TOKEN,
        STUDIO_HTTP_ALLOWED_HOSTS: 'studio.example.com, lb.local:8080',
        STUDIO_REPLICA_NAME: 'replica-a',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no port announced: ${stderr}`)), 15_000);
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
        const m = /http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(stderr);
        if (m) resolve((clearTimeout(t), Number(m[1])));
      });
    });
  });
  afterAll(() => {
    child.kill('SIGTERM');
  });

  it('accepts the configured public names (any port for a bare name, the given port otherwise) and says which replica answered', async () => {
    for (const h of ['studio.example.com', 'studio.example.com:443', 'STUDIO.example.com:8443', 'lb.local:8080', `127.0.0.1:${port}`]) {
      const r = await raw(port, { headers: { ...JSON_HEADERS, host: h, ...auth() }, body: INIT });
      expect([h, r.status]).toEqual([h, 200]);
      expect(r.headers['x-studio-replica']).toBe('replica-a');
    }
    const r = await raw(port, { headers: { ...JSON_HEADERS, host: 'studio.example.com', origin: 'https://studio.example.com', ...auth() }, body: INIT });
    expect(r.status).toBe(200);
  });

  it('refuses every other Host and Origin with 403 exactly as before, and still wants the token', async () => {
    for (const h of [
      'lb.local',
      'lb.local:8081',
      'evil.example',
      'studio.example.com.evil.example',
      'evil.studio.example.com',
      'studio.example.com@evil.example',
      'studio.example.com:443, evil.example',
      `127.0.0.1:${port + 1}`,
      '',
    ]) {
      const r = await raw(port, { headers: { ...JSON_HEADERS, host: h, ...auth() }, body: INIT });
      expect([h, r.status]).toEqual([h, 403]);
      expect(r.body).toContain('forbidden host');
      expect(r.headers['mcp-session-id']).toBeUndefined();
    }
    for (const origin of ['https://evil.example', 'https://studio.example.com.evil.example', 'http://lb.local:9090', 'https://x@studio.example.com']) {
      const r = await raw(port, { headers: { ...JSON_HEADERS, host: 'studio.example.com', origin, ...auth() }, body: INIT });
      expect([origin, r.status]).toEqual([origin, 403]);
      expect(r.body).toContain('forbidden origin');
    }
    expect((await raw(port, { headers: { ...JSON_HEADERS, host: 'studio.example.com' }, body: INIT })).status).toBe(401);
  });

  it('refuses to bind a non-loopback address without STUDIO_HTTP_TOKEN, naming the fix (flag and variable)', async () => {
    const run = (args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const c = spawn(process.execPath, [path.resolve('dist/src/cli.js'), ...args], {
          env: { PATH: process.env.PATH ?? '', STUDIO_HOME: tempDir('studio-http-bind-'), ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        c.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString('utf8');
        });
        c.on('exit', (code) => resolve({ code, stderr }));
      });
    const flag = await run(['--http', '--port', '0', '--host', '0.0.0.0'], {});
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('binding 0.0.0.0 is not loopback: set STUDIO_HTTP_TOKEN');
    const variable = await run(['--http', '--port', '0'], { STUDIO_HTTP_HOST: '0.0.0.0' });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toContain('binding 0.0.0.0 is not loopback: set STUDIO_HTTP_TOKEN');
    expect((await run(['--host', '0.0.0.0'], { STUDIO_HTTP_TOKEN: TOKEN })).stderr).toContain('--host goes with --http');
    const publicUrl = await run(['--http', '--port', '0'], { STUDIO_PUBLIC_URL: 'https://films.example.org/studio' });
    expect(publicUrl.code).toBe(2);
    expect(publicUrl.stderr).toContain("STUDIO_PUBLIC_URL 'https://films.example.org/studio' must be an http(s) origin with no path");
  });

  it('links to the storyboard page through STUDIO_PUBLIC_URL, whose name passes the Host check; a wildcard bind links to loopback', () => {
    const cfg = loadConfig({
      STUDIO_HOME: tempDir('studio-http-public-'),
      STUDIO_PUBLIC_URL: 'https://films.example.org',
      STUDIO_HTTP_ALLOWED_HOSTS: 'lb.local:8080',
    });
    expect(cfg.http.allowedHosts).toEqual(['lb.local:8080', 'films.example.org']);
    const rules = { port: 8787, bindHost: '0.0.0.0', allowed: cfg.http.allowedHosts };
    expect([hostAllowed('films.example.org', rules), originAllowed('https://films.example.org', rules), hostAllowed('films.example.org.evil', rules)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(webBase('0.0.0.0', 8787, cfg.http.publicUrl)).toBe('https://films.example.org');
    expect(webBase('0.0.0.0', 8787, undefined)).toBe('http://127.0.0.1:8787');
    expect(webBase('::', 8787, undefined)).toBe('http://[::1]:8787');
    expect(webBase('10.0.0.5', 8787, undefined)).toBe('http://10.0.0.5:8787');
    expect(webBase('127.0.0.1', 9000, 'http://lb.local:8080/')).toBe('http://lb.local:8080');
    expect(loadConfig({ STUDIO_HOME: tempDir('studio-http-public-'), STUDIO_PUBLIC_URL: 'http://lb.local:8080' }).http.allowedHosts).toEqual(['lb.local:8080']);
    for (const bad of ['not a url', 'ftp://films.example.org', 'https://user:pw@films.example.org', 'https://films.example.org/?a=1'])
      expect([bad, publicUrlRefusal(bad)]).toEqual([bad, expect.stringContaining('STUDIO_PUBLIC_URL')]);
    expect(publicUrlRefusal('https://films.example.org/')).toBeUndefined();
  });

  it('binds a non-loopback address when the token is set (and still answers only with it)', async () => {
    const c = spawn(process.execPath, [path.resolve('dist/src/cli.js'), '--http', '--port', '0', '--host', '0.0.0.0'], {
      env: { PATH: process.env.PATH ?? '', STUDIO_HOME: tempDir('studio-http-any-'), STUDIO_HTTP_TOKEN: TOKEN },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let stderr = '';
      const p = await new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no port announced: ${stderr}`)), 15_000);
        c.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString('utf8');
          const m = /http:\/\/0\.0\.0\.0:(\d+)\/mcp/.exec(stderr);
          if (m) resolve((clearTimeout(t), Number(m[1])));
        });
      });
      expect((await raw(p, { headers: { ...JSON_HEADERS, host: `127.0.0.1:${p}`, ...auth() }, body: INIT })).status).toBe(200);
      expect((await raw(p, { headers: { ...JSON_HEADERS, host: `127.0.0.1:${p}` }, body: INIT })).status).toBe(401);
      // The wildcard is an address to bind, not a name a client sends.
      expect((await raw(p, { headers: { ...JSON_HEADERS, host: `0.0.0.0:${p}`, ...auth() }, body: INIT })).status).toBe(403);
    } finally {
      c.kill('SIGTERM');
    }
  });
});
