import { createHash, randomUUID } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The shared machinery of the provider fakes: a node:http server on 127.0.0.1:0 that records every request
 * (multipart parsed into parts), routes by method + regex, serves output files (optionally expiring), and applies
 * one-shot faults per route (a status with a body and headers, a hang, a malformed JSON reply, a socket destroyed
 * before or half way through the body, a delay).
 */

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
  /** `data` as UTF-8, for asserting on text parts. */
  text: string;
}

export interface RecordedRequest {
  /** The route name the request matched (`create`, `poll`, `output`, ...) or `unmatched`. */
  route: string;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** Parsed JSON body, when the body was JSON. */
  json?: unknown;
  /** Parsed multipart parts, when the body was multipart/form-data. */
  parts?: MultipartPart[];
  /** Milliseconds since the epoch when the request finished arriving. */
  at: number;
}

export type Fault =
  /** Answer with this status; an object body is sent as JSON, a string body as text/html. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answer (until the server closes). */
  | { kind: 'hang' }
  /** 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** Destroy the socket without answering. */
  | { kind: 'destroy' }
  /** Answer normally but send only half the body, then destroy the socket. */
  | { kind: 'break' }
  /** Wait, then answer normally. */
  | { kind: 'delay'; ms: number };

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: Buffer | string;
}

export interface RouteRequest {
  rec: RecordedRequest;
  match: RegExpExecArray;
  req: IncomingMessage;
}

export interface Route {
  name: string;
  method: string;
  pattern: RegExp;
  handle: (r: RouteRequest) => Reply | Promise<Reply>;
}

export interface FakeServer {
  /** Origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  port: number;
  requests: RecordedRequest[];
  /** Queue a fault for the next `times` requests of `route`. */
  fail(route: string, fault: Fault, times?: number): void;
  /** Drop queued faults and recorded requests. */
  reset(): void;
  /**
   * Set by each provider fake: applies a scenario object. Exposed over HTTP as `POST /__fake/scenario` so a
   * server process under test (or a standalone `node test/fakes/serve.mjs`) can be steered from outside.
   */
  applyScenario?: (s: Record<string, unknown>) => void;
  /** Register an output file, returning its URL (expiring after `ttlMs` when given). */
  addOutput(name: string, data: Buffer, mime: string, ttlMs?: number): string;
  close(): Promise<void>;
}

/** Requests for a route, in order. */
export function byRoute(requests: RecordedRequest[], route: string): RecordedRequest[] {
  return requests.filter((r) => r.route === route);
}

/** Deterministic bytes for a fake output file. */
export function fakeBytes(label: string, size = 64 * 1024): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(label).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export function parseMultipart(raw: Buffer, contentType: string): MultipartPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return [];
  const delim = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = raw.indexOf(delim);
  while (pos !== -1) {
    const start = pos + delim.length;
    if (raw.subarray(start, start + 2).toString() === '--') break;
    const next = raw.indexOf(delim, start);
    if (next === -1) break;
    const chunk = raw.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next
    const headEnd = chunk.indexOf('\r\n\r\n');
    if (headEnd !== -1) {
      const head = chunk.subarray(0, headEnd).toString();
      const data = chunk.subarray(headEnd + 4);
      const disp = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disp)?.[1] ?? '';
      const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1];
      const ct = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim();
      parts.push({ name, filename, contentType: ct, data: Buffer.from(data), text: data.toString('utf8') });
    }
    pos = next;
  }
  return parts;
}

export interface StartOptions {
  /** Host name written into URLs (the server always listens on 127.0.0.1). */
  urlHost?: string;
}

/** Start a fake with the given routes. Routes see the recorded request; `/outputs/*` is served by the base. */
export async function startFake(makeRoutes: (server: FakeServer) => Route[], opts: StartOptions = {}): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const outputs = new Map<string, { data: Buffer; mime: string; expiresAt?: number }>();
  let routes: Route[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `fake crashed: ${String(err)}` }));
        }
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname.startsWith('/__fake/')) {
      control(req.method ?? 'GET', url.pathname, raw, res);
      return;
    }
    const ct = req.headers['content-type'] ?? '';
    const rec: RecordedRequest = {
      route: 'unmatched',
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      raw,
      at: Date.now(),
    };
    if (ct.includes('application/json') && raw.length > 0) {
      try {
        rec.json = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        rec.json = undefined;
      }
    }
    if (ct.includes('multipart/form-data')) rec.parts = parseMultipart(raw, ct);
    requests.push(rec);

    let route: Route | undefined;
    let match: RegExpExecArray | null = null;
    for (const r of routes) {
      if (r.method !== rec.method) continue;
      match = r.pattern.exec(url.pathname);
      if (match) {
        route = r;
        break;
      }
    }
    if (!route || !match) {
      send(res, { status: 404, json: { message: `no fake route for ${rec.method} ${url.pathname}` } });
      return;
    }
    rec.route = route.name;
    const queue = faults.get(route.name);
    const fault = queue?.shift();
    if (fault) {
      switch (fault.kind) {
        case 'status':
          if (typeof fault.body === 'string') send(res, { status: fault.status, headers: { 'content-type': 'text/html', ...fault.headers }, body: fault.body });
          else send(res, { status: fault.status, headers: fault.headers, json: fault.body ?? { message: `fault ${fault.status}` } });
          return;
        case 'hang':
          return; // the socket stays open until close() destroys it
        case 'malformed':
          send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id": "x", "status": ' });
          return;
        case 'destroy':
          req.socket.destroy();
          return;
        case 'delay':
          await new Promise((r) => setTimeout(r, fault.ms));
          break;
        case 'break': {
          const reply = await route.handle({ rec, match, req });
          const body = replyBody(reply);
          res.writeHead(reply.status ?? 200, { ...replyHeaders(reply), 'content-length': String(body.length) });
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => req.socket.destroy(), 20));
          return;
        }
      }
    }
    send(res, await route.handle({ rec, match, req }));
  }

  /** The control API (not recorded): requests, reset, fail, scenario. */
  function control(method: string, pathname: string, raw: Buffer, res: ServerResponse): void {
    let body: Record<string, unknown> = {};
    try {
      body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      send(res, { status: 400, json: { message: 'control body must be JSON' } });
      return;
    }
    if (method === 'GET' && pathname === '/__fake/requests') {
      send(res, {
        json: requests.map((r) => ({
          route: r.route,
          method: r.method,
          path: r.path,
          query: r.query,
          headers: r.headers,
          json: r.json,
          parts: r.parts?.map((p) => ({
            name: p.name,
            filename: p.filename,
            contentType: p.contentType,
            size: p.data.length,
            text: p.filename ? undefined : p.text,
          })),
          at: r.at,
        })),
      });
    } else if (method === 'POST' && pathname === '/__fake/reset') {
      fake.reset();
      fake.applyScenario?.({});
      send(res, { json: { ok: true } });
    } else if (method === 'POST' && pathname === '/__fake/fail' && typeof body.route === 'string') {
      fake.fail(body.route, body.fault as Fault, typeof body.times === 'number' ? body.times : 1);
      send(res, { json: { ok: true } });
    } else if (method === 'POST' && pathname === '/__fake/scenario') {
      fake.applyScenario?.(body);
      send(res, { json: { ok: true } });
    } else {
      send(res, { status: 404, json: { message: 'unknown control call' } });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${opts.urlHost ?? '127.0.0.1'}:${port}`;

  const fake: FakeServer = {
    origin,
    port,
    requests,
    fail(route, fault, times = 1) {
      const q = faults.get(route) ?? [];
      for (let i = 0; i < times; i++) q.push(fault);
      faults.set(route, q);
    },
    reset() {
      requests.length = 0;
      faults.clear();
    },
    addOutput(name, data, mime, ttlMs) {
      const id = `${randomUUID().slice(0, 8)}-${name}`;
      outputs.set(id, { data, mime, expiresAt: ttlMs === undefined ? undefined : Date.now() + ttlMs });
      return `${origin}/outputs/${id}${ttlMs === undefined ? '' : `?expires=${Date.now() + ttlMs}&signature=fake-sig`}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const outputRoute: Route = {
    name: 'output',
    method: 'GET',
    pattern: /^\/outputs\/([^/]+)$/,
    handle: ({ match }) => {
      const o = outputs.get(match[1] ?? '');
      if (!o) return { status: 404, json: { message: 'no such output' } };
      if (o.expiresAt !== undefined && Date.now() > o.expiresAt) return { status: 403, json: { message: 'Request has expired' } };
      return { status: 200, headers: { 'content-type': o.mime }, body: o.data };
    },
  };
  routes = [outputRoute, ...makeRoutes(fake)];
  return fake;
}

function replyBody(reply: Reply): Buffer {
  if (reply.body !== undefined) return Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body);
  if (reply.json !== undefined) return Buffer.from(JSON.stringify(reply.json));
  return Buffer.alloc(0);
}

function replyHeaders(reply: Reply): Record<string, string> {
  const h: Record<string, string> = { ...reply.headers };
  if (reply.json !== undefined && reply.body === undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
    h['content-type'] = 'application/json';
  }
  return h;
}

function send(res: ServerResponse, reply: Reply): void {
  const body = replyBody(reply);
  res.writeHead(reply.status ?? 200, { ...replyHeaders(reply), 'content-length': String(body.length) });
  res.end(body);
}

/** The bearer token of a request, if any. */
export function bearer(headers: IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : undefined;
}
