import { randomUUID } from 'node:crypto';
import { isInitializeRequest, type Server, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { createMcpServer } from '../server.js';
import { type SessionRecord, sessionKey } from '../store/sessions.js';
import type { Studio } from '../studio/studio.js';

export interface LegacySessionOptions {
  /** Most sessions this process holds at once; more initialize (or resume) requests get 503. */
  maxSessions: number;
  /** A session with no request for this long is closed here and forgotten in the store. */
  idleMs: number;
}

/** The JSON-RPC error body of every refusal the HTTP endpoint sends itself. */
export function errorJson(message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

function refuse(status: number, message: string): Response {
  // Like every refusal of the endpoint (http.ts send), the connection is closed after it.
  return new Response(errorJson(message), { status, headers: { 'content-type': 'application/json', connection: 'close' } });
}

/** Levels `logging/setLevel` accepts (the server ignores any other value, so the record does too). */
const LOG_LEVELS = new Set(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']);

interface Live {
  transport: WebStandardStreamableHTTPServerTransport;
  /** Last request here (epoch ms). */
  seen: number;
  /** The last_seen this process last wrote (or read) for the session. */
  written: number;
  /** When this process began or resumed the session: a later resumption elsewhere makes this copy stale. */
  since: number;
  /** The session's key in the store and in "taken" notices. */
  key: string;
}

/**
 * 2025-era MCP sessions over Streamable HTTP, one server instance and transport per session in this process, with
 * what a session needs to go on kept in the store (src/store/sessions.ts): the handshake, the log level, the
 * resource subscriptions. A request for a session this process does not hold but the store knows (the replica that
 * held it died and HAProxy sent the client here, or this process restarted) resumes it here; an id the store does
 * not know gets 404, which tells the client to initialize again.
 *
 * Cost on the hot path: a map lookup; the store is written only when state changes (initialize, subscribe,
 * unsubscribe, setLevel, DELETE) and last_seen at most once per `idleMs / 4` (≤ 60 s) per session.
 */
export class LegacySessions {
  private readonly live = new Map<string, Live>();
  private readonly resuming = new Map<string, Promise<Live | 'unknown' | 'full'>>();
  private readonly sweep: NodeJS.Timeout;
  private readonly touchEveryMs: number;
  /** This process among those sharing the store (in "session taken" notices). */
  private readonly holder = randomUUID();
  private readonly unlisten: Promise<(() => Promise<void>) | undefined>;

  constructor(
    private readonly studio: Studio,
    private readonly opts: LegacySessionOptions,
  ) {
    this.touchEveryMs = Math.min(60_000, opts.idleMs / 4);
    this.sweep = setInterval(() => void this.expire(), Math.min(60_000, opts.idleMs));
    this.sweep.unref();
    // A session resumed by another process (HAProxy moved it) is served there from now on: the copy here would
    // go stale (a subscription made there is unknown here), so it is let go; its record stays.
    this.unlisten = studio.store.sessions
      .hear((t) => {
        if (t.holder === this.holder) return;
        for (const [id, live] of this.live) {
          if (live.key !== t.session_key || t.at < live.since) continue;
          this.live.delete(id);
          void live.transport.close().catch(() => undefined);
        }
      })
      .catch((err: unknown) => {
        this.studio.log(`http: not hearing which replica serves a session: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      });
  }

  /** Sessions held by this process. */
  get size(): number {
    return this.live.size;
  }

  /** Serve one 2025-era request (`body` already parsed for POST). */
  async fetch(request: Request, body: unknown): Promise<Response> {
    const sid = request.headers.get('mcp-session-id');
    if (sid === null) {
      if (request.method !== 'POST' || !isInitializeRequest(body)) return refuse(400, 'no session: send an initialize request first');
      if (this.live.size >= this.opts.maxSessions) return this.full();
      return this.open(request, body);
    }
    let live = this.live.get(sid);
    if (!live) {
      const resumed = await this.resume(sid);
      if (resumed === 'unknown') return refuse(404, 'unknown session');
      if (resumed === 'full') return this.full();
      live = resumed;
    }
    this.touch(sid, live);
    if (request.method === 'POST') await this.recordChanges(sid, body);
    return live.transport.handleRequest(request, { parsedBody: body });
  }

  /** Close this process's sessions; their records stay, so a restart or another replica goes on with them. */
  async close(): Promise<void> {
    clearInterval(this.sweep);
    await (await this.unlisten)?.().catch(() => undefined);
    await Promise.all([...this.live.values()].map((l) => l.transport.close().catch(() => undefined)));
    this.live.clear();
  }

  private full(): Response {
    return refuse(503, `too many sessions (${this.opts.maxSessions}); close one or raise STUDIO_HTTP_MAX_SESSIONS`);
  }

  private get repo() {
    return this.studio.store.sessions;
  }

  /** A new session: its record is written before the client learns its id, so any replica can go on with it. */
  private async open(request: Request, body: { params: { protocolVersion: string; capabilities: object; clientInfo: object } }): Promise<Response> {
    const { server: mcp } = createMcpServer(this.studio, { forwardEvents: true });
    const requested = body.params.protocolVersion;
    const t: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: async (id) => {
        const record = {
          session_id: id,
          protocol_version: requested,
          client_info: body.params.clientInfo as Record<string, unknown>,
          client_capabilities: body.params.capabilities as Record<string, unknown>,
        };
        const at = Date.now();
        await this.write('initialize', () => this.repo.create(record));
        this.live.set(id, { transport: t, seen: at, written: at, since: at, key: sessionKey(id) });
      },
      onsessionclosed: (id) => this.write('DELETE', () => this.repo.delete(id).then(() => undefined)),
    });
    // The record holds the requested version; when the server settled on another one, the negotiated one replaces it.
    mcp.oninitialized = () => {
      const negotiated = mcp.getNegotiatedProtocolVersion();
      const id = t.sessionId;
      if (id && negotiated && negotiated !== requested) void this.write('initialized', () => this.repo.setProtocolVersion(id, negotiated));
    };
    await this.attach(mcp, t);
    return t.handleRequest(request, { parsedBody: body });
  }

  /** The session `sid` from the store, resumed in this process (once, however many requests ask at the same time). */
  private resume(sid: string): Promise<Live | 'unknown' | 'full'> {
    const pending = this.resuming.get(sid);
    if (pending) return pending;
    const p = (async (): Promise<Live | 'unknown' | 'full'> => {
      const record = await this.repo.get(sid);
      if (!record) return 'unknown';
      if (this.live.size >= this.opts.maxSessions) return 'full';
      const { server: mcp } = createMcpServer(this.studio, { forwardEvents: true });
      const t = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => record.session_id,
        onsessionclosed: (id) => this.write('DELETE', () => this.repo.delete(id).then(() => undefined)),
      });
      await this.attach(mcp, t);
      try {
        await replaySession(t, record);
      } catch (err) {
        // The stored handshake no longer takes (a version this build stopped serving): 404 makes the client start a
        // new session rather than retry this one forever.
        await t.close().catch(() => undefined);
        this.studio.log(`http: 2025-era session not resumed: ${err instanceof Error ? err.message : String(err)}`);
        return 'unknown';
      }
      const now = Date.now();
      const live = { transport: t, seen: now, written: record.last_seen, since: now, key: sessionKey(sid) };
      this.live.set(sid, live);
      await this.write('announce', () => this.repo.announce(sid, this.holder, now));
      this.studio.log(`http: resumed 2025-era session ${sid.slice(0, 8)}… from the store`);
      return live;
    })().finally(() => this.resuming.delete(sid));
    this.resuming.set(sid, p);
    return p;
  }

  private async attach(mcp: Server, t: WebStandardStreamableHTTPServerTransport): Promise<void> {
    t.onclose = () => {
      const id = t.sessionId;
      if (id && this.live.get(id)?.transport === t) this.live.delete(id);
      void mcp.close().catch(() => undefined);
    };
    await mcp.connect(t);
  }

  private touch(sid: string, live: Live): void {
    const now = Date.now();
    live.seen = now;
    if (now - live.written < this.touchEveryMs) return;
    live.written = now;
    void this.write('last-seen', () => this.repo.touch(sid, now));
  }

  /** Store the state a request changes before the server acts on it, so an answered request is never lost. */
  private async recordChanges(sid: string, body: unknown): Promise<void> {
    for (const m of Array.isArray(body) ? body : [body]) {
      const msg = m as { method?: unknown; params?: { uri?: unknown; level?: unknown } } | null;
      const method = msg?.method;
      if (method === 'resources/subscribe' && typeof msg?.params?.uri === 'string') {
        const uri = msg.params.uri;
        await this.write('subscribe', () => this.repo.subscribe(sid, uri));
      } else if (method === 'resources/unsubscribe' && typeof msg?.params?.uri === 'string') {
        const uri = msg.params.uri;
        await this.write('unsubscribe', () => this.repo.unsubscribe(sid, uri));
      } else if (method === 'logging/setLevel' && typeof msg?.params?.level === 'string' && LOG_LEVELS.has(msg.params.level)) {
        const level = msg.params.level;
        await this.write('setLevel', () => this.repo.setLogLevel(sid, level));
      }
    }
  }

  /**
   * A store write for a session. A failure is logged and the request still served: the session goes on in this
   * process, only its resumption elsewhere would miss the change.
   */
  private async write(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!this.studio.store.closed) this.studio.log(`http: session ${what} not stored: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Idle sessions: closed here and forgotten in the store, with any whose process died (no one touched them since). */
  private async expire(): Promise<void> {
    const now = Date.now();
    for (const [id, live] of this.live) {
      if (now - live.seen <= this.opts.idleMs) continue;
      this.live.delete(id);
      void live.transport.close().catch(() => undefined);
      // Unless a request reached the session on another replica meanwhile (it wrote a newer last_seen).
      await this.write('idle expiry', () => this.repo.deleteIdle(id, live.written).then(() => undefined));
    }
    // A record's last_seen may trail its last request by up to touchEveryMs.
    await this.write('expiry', () => this.repo.expire(now - this.opts.idleMs - this.touchEveryMs).then(() => undefined));
  }
}

const REPLAY_URL = 'http://studio.invalid/mcp';

/** One JSON-RPC message posted to the transport as the client would post it; resolves to its reply, if any. */
async function post(
  t: WebStandardStreamableHTTPServerTransport,
  record: SessionRecord,
  message: Record<string, unknown>,
  initialize = false,
): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (!initialize) {
    headers['mcp-session-id'] = record.session_id;
    headers['mcp-protocol-version'] = record.protocol_version;
  }
  const res = await t.handleRequest(new Request(REPLAY_URL, { method: 'POST', headers, body: JSON.stringify(message) }), { parsedBody: message });
  const text = await res.text();
  if (res.status === 202) return undefined;
  // An SSE reply: the message is on a `data:` line.
  const data = text
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter((l) => l.startsWith('{'));
  const reply = JSON.parse(data.at(-1) ?? (text || 'null')) as { result?: unknown; error?: { message?: string } } | null;
  if (res.status !== 200 || !reply || reply.error || reply.result === undefined) {
    throw new Error(
      `resuming session ${record.session_id.slice(0, 8)}…: the transport answered ${String(message.method)} with ${res.status} ${text.slice(0, 200)}`,
    );
  }
  return reply.result;
}

/**
 * Bring a fresh server and transport to the state of a stored session by replaying, through the transport's
 * public request entry, what the client sent: initialize (with the stored version, info and capabilities; the
 * transport takes the stored id from its generator), notifications/initialized, each resources/subscribe and
 * logging/setLevel. The SDK has no option to construct a transport as already initialized; this uses no internal
 * field, so an SDK upgrade that changes the handshake fails here loudly (test/transports/session-failover.test.ts).
 */
export async function replaySession(t: WebStandardStreamableHTTPServerTransport, record: SessionRecord): Promise<void> {
  const init = await post(
    t,
    record,
    {
      jsonrpc: '2.0',
      id: 'resume-initialize',
      method: 'initialize',
      params: { protocolVersion: record.protocol_version, capabilities: record.client_capabilities, clientInfo: record.client_info },
    },
    true,
  );
  const version = (init as { protocolVersion?: unknown }).protocolVersion;
  if (version !== record.protocol_version) {
    throw new Error(
      `resuming session ${record.session_id.slice(0, 8)}…: stored protocol version ${record.protocol_version} is no longer served (got ${String(version)})`,
    );
  }
  if (t.sessionId !== record.session_id) throw new Error(`resuming session ${record.session_id.slice(0, 8)}…: the transport did not take the stored id`);
  await post(t, record, { jsonrpc: '2.0', method: 'notifications/initialized' });
  let n = 0;
  for (const uri of record.subscriptions) await post(t, record, { jsonrpc: '2.0', id: `resume-${++n}`, method: 'resources/subscribe', params: { uri } });
  if (record.log_level) await post(t, record, { jsonrpc: '2.0', id: `resume-${++n}`, method: 'logging/setLevel', params: { level: record.log_level } });
}
