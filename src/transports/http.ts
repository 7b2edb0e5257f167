import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer } from '../server.js';
import type { Studio } from '../studio/studio.js';

export interface HttpOptions {
  port: number;
  host: string;
  /** Largest request body accepted (bytes). */
  maxBodyBytes?: number;
  /** Most sessions open at once (STUDIO_HTTP_MAX_SESSIONS, default 100); more initialize requests get 503. */
  maxSessions?: number;
  /** A session with no request for this long is closed (STUDIO_HTTP_IDLE_MINUTES, default 30). */
  idleMs?: number;
}

function envNumber(name: string): number | undefined {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function send(res: http.ServerResponse, status: number, message: string): void {
  // Refusals are sent before the request body is read (or after reading part of it, for 413): close the
  // connection so a client never reuses a socket with an unread body on it, and so the rest is never read.
  res
    .writeHead(status, { 'content-type': 'application/json', connection: 'close' })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/** Constant-time check of `Authorization: Bearer <token>` (a plain !== leaks how much of a guess was right). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const digest = (v: string): Buffer => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(header ?? ''), digest(`Bearer ${token}`));
}

async function readBody(req: http.IncomingMessage, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  if (!size) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw Object.assign(new Error('request body is not JSON'), { status: 400 });
  }
}

/**
 * Streamable HTTP on loopback, one MCP server per session (never a shared singleton, so selections and
 * notifications stay per client). Host and Origin are checked against DNS rebinding; STUDIO_HTTP_TOKEN, when set,
 * is required as a bearer token on every request.
 */
export async function serveHttp(studio: Studio, opts: HttpOptions): Promise<http.Server> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  /** Last request time per session, for idle expiry: an abandoned client must not hold a server forever. */
  const lastSeen = new Map<string, number>();
  const token = studio.config.secrets.httpToken;
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxSessions = opts.maxSessions ?? envNumber('STUDIO_HTTP_MAX_SESSIONS') ?? 100;
  const idleMs = opts.idleMs ?? (envNumber('STUDIO_HTTP_IDLE_MINUTES') ?? 30) * 60_000;
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [id, seen] of lastSeen) {
        if (now - seen > idleMs) {
          lastSeen.delete(id);
          void sessions
            .get(id)
            ?.close()
            .catch(() => undefined);
        }
      }
    },
    Math.min(60_000, idleMs),
  );
  sweep.unref();
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/mcp') return send(res, 404, 'not found; the MCP endpoint is /mcp');
      const port = (server.address() as { port: number } | null)?.port ?? opts.port;
      const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${opts.host}:${port}`]);
      if (!hosts.has(req.headers.host ?? '')) return send(res, 403, 'forbidden host');
      const origin = req.headers.origin;
      if (origin && !/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin)) return send(res, 403, 'forbidden origin');
      if (token && !bearerMatches(req.headers.authorization, token)) return send(res, 401, 'missing or wrong bearer token');
      let body: unknown;
      try {
        body = req.method === 'POST' ? await readBody(req, maxBody) : undefined;
      } catch (err) {
        return send(res, (err as { status?: number }).status ?? 400, (err as Error).message);
      }
      const sid = req.headers['mcp-session-id'];
      let transport = typeof sid === 'string' ? sessions.get(sid) : undefined;
      if (transport && typeof sid === 'string') lastSeen.set(sid, Date.now());
      if (!transport) {
        if (typeof sid === 'string') return send(res, 404, 'unknown session');
        if (req.method !== 'POST' || !isInitializeRequest(body)) return send(res, 400, 'no session: send an initialize request first');
        if (sessions.size >= maxSessions) return send(res, 503, `too many sessions (${maxSessions}); close one or raise STUDIO_HTTP_MAX_SESSIONS`);
        const { server: mcp } = createMcpServer(studio);
        const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            sessions.set(id, t);
            lastSeen.set(id, Date.now());
          },
        });
        t.onclose = () => {
          if (t.sessionId) {
            sessions.delete(t.sessionId);
            lastSeen.delete(t.sessionId);
          }
          void mcp.close().catch(() => undefined);
        };
        await mcp.connect(t);
        transport = t;
      }
      await transport.handleRequest(req, res, body);
    })().catch((err: unknown) => {
      studio.log(`http request failed: ${String(err)}`);
      if (!res.headersSent) send(res, 500, 'internal error');
    });
  });
  server.on('close', () => clearInterval(sweep));
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  return server;
}
