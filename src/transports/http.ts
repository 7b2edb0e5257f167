import http from 'node:http';
import { Readable } from 'node:stream';
import { createMcpHandler, isLegacyRequest, type McpHttpHandler } from '@modelcontextprotocol/server';
import { createMcpServer } from '../server.js';
import type { Studio } from '../studio/studio.js';
import { bindRefusal, webBase, hostAllowed, originAllowed } from './http-host.js';
import { errorJson, LegacySessions } from './legacy-sessions.js';
import { createStudioWeb, isStudioPath } from './studio-web.js';
import { bearerMatches } from './studio-web-auth.js';

export interface HttpOptions {
  port: number;
  host: string;
  /** Largest request body accepted (bytes). */
  maxBodyBytes?: number;
  /** Most sessions open at once (STUDIO_HTTP_MAX_SESSIONS, default 100); more initialize requests get 503. */
  maxSessions?: number;
  /** A session with no request for this long is closed and forgotten (STUDIO_HTTP_IDLE_MINUTES, default 30). */
  idleMs?: number;
}

function envNumber(name: string): number | undefined {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function send(res: http.ServerResponse, status: number, message: string): void {
  // Refusals are sent before the request body is read (or after reading part of it, for 413): close the
  // connection so a client never reuses a socket with an unread body on it, and so the rest is never read.
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(errorJson(message));
}

async function readBody(req: http.IncomingMessage, max: number): Promise<{ json: unknown; text: string } | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  if (!size) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return { json: JSON.parse(text) as unknown, text };
  } catch {
    throw Object.assign(new Error('request body is not JSON'), { status: 400 });
  }
}

/** A web Response written to a Node response, streamed (SSE stays open until either side ends it). */
async function writeResponse(response: Response, res: http.ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  res.on('close', () => body.destroy());
  body.on('error', () => res.destroy());
  body.pipe(res);
}

/** The request as the SDK's web-standard entry reads it: method, URL, headers and the body already read. */
function webRequest(req: http.IncomingMessage, url: URL, text: string | undefined, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(key, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(key, v);
  }
  return new Request(url, { method: req.method ?? 'GET', headers, signal, ...(text !== undefined ? { body: text } : {}) });
}

/**
 * Streamable HTTP for both protocol eras behind one endpoint and one set of guards (Host and Origin against DNS
 * rebinding: loopback or the configured public names, src/transports/http-host.ts; STUDIO_HTTP_TOKEN, when set, as
 * a bearer token on every request; a body limit).
 * 2026-07-28 requests carry their era in a per-request envelope and are served statelessly by the SDK's handler, a
 * fresh instance per request (nothing to pin a client to one replica). 2025-era clients keep their sessions (one
 * instance per session: resource subscriptions, the GET notification stream, server-to-client requests), kept in the
 * store too so another replica or a restart goes on with them (legacy-sessions.ts).
 */
export async function serveHttp(studio: Studio, opts: HttpOptions): Promise<http.Server & { mcp: McpHttpHandler; sessions: LegacySessions }> {
  const token = studio.config.secrets.httpToken;
  const refusal = bindRefusal(opts.host, token);
  if (refusal) throw new Error(refusal);
  const replica = studio.config.http.replicaName;
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxSessions = opts.maxSessions ?? envNumber('STUDIO_HTTP_MAX_SESSIONS') ?? 100;
  const idleMs = opts.idleMs ?? (envNumber('STUDIO_HTTP_IDLE_MINUTES') ?? 30) * 60_000;
  // An abandoned client must not hold a server (or a record) forever: idle sessions are closed and forgotten.
  const legacy = new LegacySessions(studio, { maxSessions, idleMs });
  const modern = createMcpHandler(() => createMcpServer(studio).server, {
    legacy: 'reject',
    maxRequestBodySize: maxBody,
    maxSubscriptions: maxSessions,
    onerror: (err) => studio.log(`http: ${err.message}`),
  });
  // 2026-07-28 clients hear about changes on their subscriptions/listen streams.
  const onUpdated = (uri: string): void => modern.notify.resourceUpdated(uri);
  const onListChanged = (): void => modern.notify.resourcesChanged();
  const onToolsChanged = (): void => modern.notify.toolsChanged();
  studio.events.on('updated', onUpdated);
  studio.events.on('listChanged', onListChanged);
  studio.events.on('toolsChanged', onToolsChanged);
  // The storyboard page (/studio/) sits behind the same Host and Origin checks; its token check is its own (cookie too).
  const web = createStudioWeb(studio);
  const server = http.createServer((req, res) => {
    void (async () => {
      if (replica) res.setHeader('x-studio-replica', replica);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const page = isStudioPath(url.pathname);
      if (url.pathname !== '/mcp' && !page) return send(res, 404, 'not found; the MCP endpoint is /mcp, the storyboard page /studio/');
      const refuse = (status: number, message: string): void => (page ? web.refuse(req, res, status, message) : send(res, status, message));
      const port = (server.address() as { port: number } | null)?.port ?? opts.port;
      const rules = { port, bindHost: opts.host, allowed: studio.config.http.allowedHosts };
      if (!hostAllowed(req.headers.host, rules)) return refuse(403, 'forbidden host');
      const origin = req.headers.origin;
      if (origin && !originAllowed(origin, rules)) return refuse(403, 'forbidden origin');
      if (page) return web.handle(req, res, url, () => readBody(req, maxBody));
      if (token && !bearerMatches(req.headers.authorization, token)) return send(res, 401, 'missing or wrong bearer token');
      let read: { json: unknown; text: string } | undefined;
      try {
        read = req.method === 'POST' ? await readBody(req, maxBody) : undefined;
      } catch (err) {
        return send(res, (err as { status?: number }).status ?? 400, (err as Error).message);
      }
      const body = read?.json;
      const aborted = new AbortController();
      // A client that goes away mid-call cancels it (the 2026-07-28 cancellation signal is closing the stream).
      res.on('close', () => {
        if (!res.writableFinished) aborted.abort();
      });
      const request = webRequest(req, url, read?.text, aborted.signal);
      // The body was read above, so the predicate classifies from it (it clones the request itself only when it must read).
      if (req.method === 'POST' && !(await isLegacyRequest(request, body, { maxRequestBodySize: maxBody }))) {
        return writeResponse(await modern.fetch(request, { parsedBody: body }), res);
      }
      return writeResponse(await legacy.fetch(request, body), res);
    })().catch((err: unknown) => {
      studio.log(`http request failed: ${String(err)}`);
      if (!res.headersSent) send(res, 500, 'internal error');
    });
  });
  server.on('close', () => {
    void legacy.close();
    studio.events.off('updated', onUpdated);
    studio.events.off('listChanged', onListChanged);
    studio.events.off('toolsChanged', onToolsChanged);
    void modern.close().catch(() => undefined);
    void web.close().catch(() => undefined);
    studio.setWebBase(null);
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  // Storyboards name their web page from here on (Storyboard.web_url).
  const bound = (server.address() as { port: number }).port;
  studio.setWebBase(webBase(opts.host, bound, studio.config.http.publicUrl));
  return Object.assign(server, { mcp: modern, sessions: legacy });
}
