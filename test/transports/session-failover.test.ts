import http from 'node:http';
import { Server, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type SessionRecord, sessionKey } from '../../src/store/sessions.js';
import { Studio } from '../../src/studio/studio.js';
import { serveHttp } from '../../src/transports/http.js';
import { replaySession } from '../../src/transports/legacy-sessions.js';
import { type Harness, startHarness, tempDir } from '../helpers/harness.js';
import { freshDatabase, postgresSkipReason } from '../helpers/pg-test-db.js';
import { withStudioDb } from '../helpers/studio-db.js';

/**
 * Issue 12 item 5: a 2025-era session (SDK 1.x client) outlives the process that holds it. Its record in the store
 * (handshake, log level, subscriptions) lets another replica — or the same studio restarted — resume it under the
 * same Mcp-Session-Id: the client neither re-initializes nor loses its subscriptions.
 */

type HttpServer = Awaited<ReturnType<typeof serveHttp>>;

/** A replica: a studio of its own and `studio-mcp --http` over it. */
interface Replica {
  studio: Studio;
  server: HttpServer;
  port: number;
}

async function replica(home: string, env: Record<string, string> = {}, idleMs?: number): Promise<Replica> {
  const studio = new Studio({ config: loadConfig({ STUDIO_HOME: home, ...env }), log: () => undefined });
  const server = await serveHttp(studio, { port: 0, host: '127.0.0.1', ...(idleMs ? { idleMs } : {}) });
  return { studio, server, port: (server.address() as { port: number }).port };
}

/** Kill a replica hard: every socket destroyed mid-stream, then its studio closed (nothing it held is kept). */
async function kill(r: Replica): Promise<void> {
  r.server.closeAllConnections();
  await new Promise((done) => r.server.close(done));
  await r.studio.close();
}

/** The load balancer in front: forwards to one upstream port, switchable; an upstream that dies drops the client. */
function proxy(): { url: URL; to: (port: number) => void; close: () => Promise<void> } {
  let upstream = 0;
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers, host: `127.0.0.1:${upstream}` };
    const up = http.request({ host: '127.0.0.1', port: upstream, path: req.url, method: req.method, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
      ur.on('error', () => res.destroy());
      ur.on('aborted', () => res.destroy());
    });
    up.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.listen(0, '127.0.0.1');
  return {
    get url() {
      return new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`);
    },
    to: (port) => {
      upstream = port;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

/** A 2025-era client that reopens a dropped notification stream quickly (the SDK default waits a second). */
async function legacyClient(url: URL): Promise<{ client: Client; transport: StreamableHTTPClientTransport; heard: string[] }> {
  const transport = new StreamableHTTPClientTransport(url, {
    reconnectionOptions: { initialReconnectionDelay: 100, maxReconnectionDelay: 300, reconnectionDelayGrowFactor: 1.5, maxRetries: 40 },
  });
  const client = new Client({ name: 'failover-test', version: '1.2.3' }, { capabilities: { roots: { listChanged: true } } });
  const heard: string[] = [];
  client.fallbackNotificationHandler = async (n) => {
    if (n.method === 'notifications/resources/updated') heard.push(String((n.params as { uri?: string } | undefined)?.uri));
  };
  client.onerror = () => undefined;
  await client.connect(transport);
  return { client, transport, heard };
}

type Json = Record<string, unknown>;
async function call(client: Client, name: string, args: Json): Promise<Json> {
  const r = (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent?: Json; content?: unknown };
  if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
  return r.structuredContent as Json;
}

/** Repeat `act` until `done` holds (a notification stream reopens on its own schedule), at most `ms`. */
async function until(done: () => boolean | Promise<boolean>, ms: number, act: () => Promise<unknown> = async () => undefined): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done()) && Date.now() < deadline) {
    await act();
    await new Promise((r) => setTimeout(r, 150));
  }
}

const rawPost = (url: URL, sid: string, body: Json): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify(body),
  });

const pgSkip = postgresSkipReason();

describe.skipIf(pgSkip !== undefined)(`a 2025-era session survives its replica (Postgres)${pgSkip ? ` (skipped: ${pgSkip})` : ''}`, () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let writer: Harness;
  const lb = proxy();
  beforeAll(async () => {
    db = await freshDatabase();
    // A third studio on the same database: it changes the scene while A is dead (the change reaches B through the relay).
    writer = await startHarness({ env: { STUDIO_DATABASE_URL: db.url } });
  });
  afterAll(async () => {
    await lb.close();
    await writer?.close();
    await db?.drop();
  });

  it('continues on replica B after A dies: same session id, a tool call without initialize, subscriptions delivered through B', async () => {
    const env = { STUDIO_DATABASE_URL: db.url };
    const a = await replica(tempDir('studio-failover-a-'), env);
    const b = await replica(tempDir('studio-failover-b-'), env);
    lb.to(a.port);
    const { client, transport, heard } = await legacyClient(lb.url);
    try {
      const sid = transport.sessionId ?? '';
      expect(sid).toMatch(/^[0-9a-f-]{36}$/);
      const made = (await call(client, 'scene_create', { title: 'Before the fall' })) as { scene: { scene_id: string } };
      const sceneId = made.scene.scene_id;
      const uri = `studio://scenes/${sceneId}`;
      await client.subscribeResource({ uri });
      await client.setLoggingLevel('warning');
      const stored = (await b.studio.store.sessions.get(sid)) as SessionRecord;
      expect(transport.protocolVersion).toMatch(/^2025-/);
      expect(stored).toMatchObject({
        session_id: sid,
        protocol_version: transport.protocolVersion,
        client_info: { name: 'failover-test', version: '1.2.3' },
        client_capabilities: { roots: { listChanged: true } },
        log_level: 'warning',
        subscriptions: [uri],
      });
      // Nothing a client sent as a credential or header is kept.
      expect(Object.keys(stored).sort()).toEqual([
        'client_capabilities',
        'client_info',
        'created_at',
        'last_seen',
        'log_level',
        'protocol_version',
        'session_id',
        'subscriptions',
      ]);

      lb.to(b.port);
      await kill(a);

      // The same session answers on B: no initialize (the id is unchanged and B never saw one for it).
      const scene = (await call(client, 'scene_get', { scene_id: sceneId })) as { title: string };
      expect(scene.title).toBe('Before the fall');
      expect(transport.sessionId).toBe(sid);

      // A change made by another studio reaches the client through B's notification stream (once the client has
      // reopened it on B), because B resumed the subscription.
      let n = 0;
      await until(
        () => heard.includes(uri),
        10_000,
        () => writer.call('scene_update', { scene_id: sceneId, title: `After the fall ${++n}` }),
      );
      expect(heard).toContain(uri);
      expect(n).toBeGreaterThan(0);
      // The session's record still says what it did.
      expect((await b.studio.store.sessions.get(sid))?.subscriptions).toEqual([uri]);
    } finally {
      await client.close().catch(() => undefined);
      await kill(b);
    }
  }, 30_000);

  it('a session moved while its first replica lives: B resumes it, A lets go of its copy, notifications come through B', async () => {
    const env = { STUDIO_DATABASE_URL: db.url };
    const a = await replica(tempDir('studio-moved-a-'), env);
    const b = await replica(tempDir('studio-moved-b-'), env);
    lb.to(a.port);
    const { client, transport, heard } = await legacyClient(lb.url);
    try {
      const made = (await call(client, 'scene_create', { title: 'Moved' })) as { scene: { scene_id: string } };
      const uri = `studio://scenes/${made.scene.scene_id}`;
      await client.subscribeResource({ uri });
      expect([a.server.sessions.size, b.server.sessions.size]).toEqual([1, 0]);

      lb.to(b.port);
      await call(client, 'scene_get', { scene_id: made.scene.scene_id });
      expect(b.server.sessions.size).toBe(1);
      // A hears (Postgres NOTIFY) that B took the session and closes its copy, which ends the client's notification
      // stream there; the client reopens it, now on B.
      await until(() => a.server.sessions.size === 0, 5_000);
      expect(a.server.sessions.size).toBe(0);
      let n = 0;
      await until(
        () => heard.includes(uri),
        10_000,
        () => writer.call('scene_update', { scene_id: made.scene.scene_id, title: `Moved ${++n}` }),
      );
      expect(heard).toContain(uri);
      expect([a.server.sessions.size, b.server.sessions.size]).toEqual([0, 1]);
      expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await client.close().catch(() => undefined);
      await Promise.all([kill(a), kill(b)]);
    }
  }, 30_000);
});

describe('2025-era sessions in the embedded studio (SQLite, one process)', () => {
  const lb = proxy();
  afterAll(() => lb.close());

  it('a restarted server keeps its sessions: the same client goes on, subscribed, without initializing again', async () => {
    const home = tempDir('studio-restart-');
    const first = await replica(home);
    lb.to(first.port);
    const { client, transport, heard } = await legacyClient(lb.url);
    try {
      const sid = transport.sessionId ?? '';
      const made = (await call(client, 'scene_create', { title: 'Before the restart' })) as { scene: { scene_id: string } };
      const uri = `studio://scenes/${made.scene.scene_id}`;
      await client.subscribeResource({ uri });
      await client.subscribeResource({ uri: 'studio://scenes/scn_gone' });
      await client.unsubscribeResource({ uri: 'studio://scenes/scn_gone' });

      await kill(first);
      const second = await replica(home);
      lb.to(second.port);
      try {
        const scene = (await call(client, 'scene_get', { scene_id: made.scene.scene_id })) as { title: string };
        expect(scene.title).toBe('Before the restart');
        expect(transport.sessionId).toBe(sid);
        expect((await second.studio.store.sessions.get(sid))?.subscriptions).toEqual([uri]);
        let n = 0;
        await until(
          () => heard.includes(uri),
          10_000,
          () => call(client, 'scene_update', { scene_id: made.scene.scene_id, title: `After the restart ${++n}` }),
        );
        expect(heard).toContain(uri);
      } finally {
        await client.close().catch(() => undefined);
        await kill(second);
      }
    } finally {
      await client.close().catch(() => undefined);
    }
  }, 30_000);

  it('writes the store only when session state changes, not per request; DELETE forgets the session; an unknown id is 404', async () => {
    const home = tempDir('studio-sessions-');
    const r = await replica(home);
    const url = new URL(`http://127.0.0.1:${r.port}/mcp`);
    const repo = r.studio.store.sessions;
    const writes = (['create', 'touch', 'subscribe', 'unsubscribe', 'setLogLevel', 'setProtocolVersion', 'delete'] as const).map((m) => vi.spyOn(repo, m));
    const counts = (): number[] => writes.map((w) => w.mock.calls.length);
    try {
      const { client, transport } = await legacyClient(url);
      const sid = transport.sessionId ?? '';
      expect(counts()).toEqual([1, 0, 0, 0, 0, 0, 0]);
      for (let i = 0; i < 25; i++) await client.ping();
      await client.listTools();
      await client.listResources();
      // 27 requests, no write (last_seen is written at most every idleMs/4, ≤ 60 s).
      expect(counts()).toEqual([1, 0, 0, 0, 0, 0, 0]);
      await client.subscribeResource({ uri: 'studio://films' });
      expect(counts()).toEqual([1, 0, 1, 0, 0, 0, 0]);
      // The database holds the session under a hash of its id: a reader of the rows cannot present the session.
      const rows = withStudioDb(home, (d) => d.prepare('SELECT id FROM mcp_sessions').all() as { id: string }[]);
      expect(rows).toEqual([{ id: sessionKey(sid) }]);
      expect(sessionKey(sid)).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(withStudioDb(home, (d) => d.prepare('SELECT * FROM mcp_sessions, mcp_session_subscriptions').all()))).not.toContain(sid);

      await transport.terminateSession();
      expect(counts()).toEqual([1, 0, 1, 0, 0, 0, 1]);
      expect(await repo.get(sid)).toBeUndefined();
      // The client forgot its id too; the old id is unknown everywhere now.
      const after = await rawPost(url, sid, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
      expect(after.status).toBe(404);
      expect(((await after.json()) as { error: { message: string } }).error.message).toBe('unknown session');
      const unknown = await rawPost(url, '00000000-0000-4000-8000-000000000000', { jsonrpc: '2.0', id: 1, method: 'ping' });
      expect(unknown.status).toBe(404);
      // A stored session whose handshake no longer takes (a version this build does not serve) is 404 too, not a 500
      // the client would retry forever.
      const old = '11111111-1111-4111-8111-111111111111';
      await repo.create({ session_id: old, protocol_version: '1999-01-01', client_info: { name: 'x', version: '0' }, client_capabilities: {} });
      expect((await rawPost(url, old, { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(404);
      await client.close();
    } finally {
      await kill(r);
    }
  }, 30_000);

  it('forgets a session that stays idle: closed here, its record removed, then 404', async () => {
    const r = await replica(tempDir('studio-idle-'), {}, 300);
    const url = new URL(`http://127.0.0.1:${r.port}/mcp`);
    try {
      const { client, transport } = await legacyClient(url);
      const sid = transport.sessionId ?? '';
      expect((await r.studio.store.sessions.get(sid))?.session_id).toBe(sid);
      await until(async () => (await r.studio.store.sessions.get(sid)) === undefined, 5_000);
      expect(await r.studio.store.sessions.get(sid)).toBeUndefined();
      expect((await rawPost(url, sid, { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(404);
      await client.close().catch(() => undefined);
    } finally {
      await kill(r);
    }
  }, 30_000);

  it('resuming replays the handshake through the SDK transport: stored id, version, client info and capabilities', async () => {
    // The guard for SDK upgrades: resumption uses only the transport's public request entry, and fails loudly if the
    // replayed handshake stops producing the stored state.
    const record: SessionRecord = {
      session_id: '6f1c1e1a-2b3c-4d5e-8f90-123456789abc',
      protocol_version: '2025-06-18',
      client_info: { name: 'resumed', version: '9.9.9' },
      client_capabilities: { roots: { listChanged: true }, sampling: {} },
      log_level: 'error',
      subscriptions: ['studio://films'],
      created_at: new Date().toISOString(),
      last_seen: Date.now(),
    };
    const server = new Server({ name: 's', version: '1' }, { capabilities: { resources: { subscribe: true }, logging: {} } });
    const subscribed: string[] = [];
    server.setRequestHandler('resources/subscribe', async (req) => {
      subscribed.push(req.params.uri);
      return {};
    });
    const t = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => record.session_id });
    await server.connect(t);
    await replaySession(t, record);
    expect(t.sessionId).toBe(record.session_id);
    expect(server.getNegotiatedProtocolVersion()).toBe('2025-06-18');
    expect(server.getClientVersion()).toEqual({ name: 'resumed', version: '9.9.9' });
    expect(server.getClientCapabilities()).toEqual({ roots: { listChanged: true }, sampling: {} });
    expect(subscribed).toEqual(['studio://films']);
    // A request under the session id is served as on the original transport.
    const res = await t.handleRequest(
      new Request('http://x/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': record.session_id },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }),
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('"id":7');
    // A version the server no longer speaks is refused by name, not half-resumed.
    const t2 = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => 'x' });
    const s2 = new Server({ name: 's', version: '1' }, { capabilities: {} });
    await s2.connect(t2);
    await expect(replaySession(t2, { ...record, session_id: 'x', protocol_version: '1999-01-01', subscriptions: [], log_level: null })).rejects.toThrow(
      /stored protocol version 1999-01-01 is no longer served/,
    );
    await Promise.all([t.close(), t2.close()]);
  });
});
