import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { callTool, connectInProcess } from '../cli/in-process.js';
import { storyboardHtmlPath } from '../storyboard/app-resource.js';
import type { Studio } from '../studio/studio.js';
import { sameOrigin, secretMatches, setCookieHeader, webRequestAuthorized } from './studio-web-auth.js';
import { contentSecurityPolicy, loadCspSources, type CspSources } from './studio-web-csp.js';

/** The tools the page may run: the app-visible ones (the contract of issue 13); anything else is refused. */
export const WEB_TOOLS: readonly string[] = ['storyboard_get', 'shot_select_take', 'take_approve', 'shot_reorder'];

/** MIME types served as given from a resource; anything else goes out as bytes no browser renders (no HTML, no SVG). */
const SERVED_MIME = /^(application\/json|text\/plain|image\/(jpeg|png|webp|gif)|video\/(mp4|webm)|audio\/(mp4|mpeg|wav|aac|ogg))$/;

export interface StudioWeb {
  /** Serve a request under /studio/ that already passed the Host and Origin checks. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL, readBody: () => Promise<{ json: unknown } | undefined>): Promise<void>;
  /** A refusal with the page's headers (for the shared Host/Origin checks in front of it). */
  refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, message: string): void;
  close(): Promise<void>;
}

export function isStudioPath(pathname: string): boolean {
  return pathname === '/studio' || pathname.startsWith('/studio/');
}

interface ErrorBody {
  code: string;
  message: string;
  field?: string;
  accepts?: string;
}

/** A reply that ends the exchange: status, body and the headers every /studio/ response carries. */
class Reply {
  constructor(
    readonly status: number,
    readonly body: string | Buffer,
    readonly contentType: string,
    readonly extra: Record<string, string> = {},
  ) {}
}

const json = (status: number, value: unknown, extra: Record<string, string> = {}): Reply =>
  new Reply(status, JSON.stringify(value), 'application/json; charset=utf-8', extra);
const fail = (status: number, error: ErrorBody, extra: Record<string, string> = {}): Reply => json(status, { error }, extra);

/** HTTP status for a tool's error code (the tool's own error body goes out unchanged). */
const STATUS_OF: Record<string, number> = { invalid_input: 400, not_found: 404, conflict: 409 };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The storyboard web page of `--http` (issue 13): the built view under /studio/, and the small JSON API it reads —
 * the index of films and scenes, storyboards, `studio://` resources and the four app-visible tools. Storyboards,
 * resources and tools go through an in-process MCP client of the real server, so the page gets exactly the
 * validation, errors and redaction an MCP client gets. STUDIO_HTTP_TOKEN, when set, guards every request (bearer
 * header or the cookie `?token=` sets); without it the page is read-only.
 */
export function createStudioWeb(studio: Studio): StudioWeb {
  const token = studio.config.secrets.httpToken;
  // The same built file the App resource serves (STUDIO_UI_DIR, else dist/ui/), with the build's hash list beside it.
  const htmlFile = storyboardHtmlPath(studio);
  const uiDir = path.dirname(htmlFile);
  let csp: CspSources = loadCspSources(uiDir);
  let connection: Promise<{ client: Client; close: () => Promise<void> }> | undefined;
  /** One in-process MCP client for the page, connected on first use and closed with the server. */
  const client = async (): Promise<Client> => {
    // A failed connect is not kept: the next request tries again.
    connection ??= connectInProcess(studio).catch((err: unknown) => {
      connection = undefined;
      throw err;
    });
    return (await connection).client;
  };

  const headers = (contentType: string, length: number, extra: Record<string, string>): Record<string, string> => ({
    'content-type': contentType,
    'content-length': String(length),
    'content-security-policy': contentSecurityPolicy(csp),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    // Frames and previews answer only to this origin: another local site cannot embed them with the page's cookie.
    'cross-origin-resource-policy': 'same-origin',
    ...extra,
  });

  const write = (req: http.IncomingMessage, res: http.ServerResponse, r: Reply): void => {
    const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
    // A POST refused before its body was read closes the connection, as /mcp does, so the body is never read.
    const extra = r.status >= 400 && req.method === 'POST' ? { connection: 'close', ...r.extra } : r.extra;
    res.writeHead(r.status, headers(r.contentType, body.length, extra)).end(body);
  };

  const page = async (): Promise<Reply> => {
    csp = loadCspSources(uiDir);
    try {
      const html = await fs.promises.readFile(htmlFile);
      return new Reply(200, html, 'text/html; charset=utf-8');
    } catch {
      return new Reply(
        503,
        'studio-mcp: the storyboard page is not built (dist/ui/storyboard.html is missing); run `npm run build` and reload.\n',
        'text/plain; charset=utf-8',
      );
    }
  };

  const index = async (): Promise<Reply> => {
    const scenes = await studio.store.scenes.list();
    const brief = (s: { scene_id: string; title: string }) => ({ scene_id: s.scene_id, title: s.title });
    return json(200, {
      films: (await studio.store.films.list()).map((f) => ({
        film_id: f.film_id,
        title: f.title,
        scenes: scenes.filter((s) => s.film_id === f.film_id).map(brief),
      })),
      scenes: scenes.filter((s) => s.film_id === null).map(brief),
    });
  };

  /** A tool's result as the API answers it: its structured error with a fitting status, or its structured content. */
  const toolReply = (r: CallToolResult): Reply => {
    if (!r.isError) return json(200, r.structuredContent ?? {});
    const error = (r.structuredContent as { error?: ErrorBody } | undefined)?.error;
    if (!error) return fail(500, { code: 'internal', message: 'the storyboard could not be built' });
    return fail(STATUS_OF[error.code] ?? 500, error);
  };

  const resource = async (url: URL): Promise<Reply> => {
    const uri = url.searchParams.get('uri');
    if (!uri) return fail(400, { code: 'invalid_input', message: "'uri' is required: a studio:// resource URI", field: 'uri', accepts: 'studio://…' });
    if (!uri.startsWith('studio://'))
      return fail(400, { code: 'invalid_input', message: "'uri' must be a studio:// resource URI", field: 'uri', accepts: 'studio://…' });
    let contents;
    try {
      ({ contents } = await (await client()).readResource({ uri }));
    } catch (err) {
      const e = err as { code?: number; message?: string };
      // The server's resource errors carry safe messages (toSafeError); anything else stays generic.
      if (e.code === -32602 || e.code === -32002) {
        return fail(404, { code: 'not_found', message: (e.message ?? 'no such resource').replace(/^MCP error -?\d+: /, ''), field: 'uri' });
      }
      return fail(500, { code: 'internal', message: 'the resource could not be read' });
    }
    const c = contents[0];
    if (!c) return fail(404, { code: 'not_found', message: `resource '${uri}' has no contents`, field: 'uri' });
    const mime = c.mimeType && SERVED_MIME.test(c.mimeType) ? c.mimeType : 'application/octet-stream';
    return 'blob' in c
      ? new Reply(200, Buffer.from(c.blob, 'base64'), mime)
      : new Reply(200, c.text, mime === 'application/octet-stream' ? mime : `${mime}; charset=utf-8`);
  };

  const tool = async (req: http.IncomingMessage, readBody: () => Promise<{ json: unknown } | undefined>): Promise<Reply> => {
    if (!token) {
      return fail(403, {
        code: 'read_only',
        message: 'the page is read-only: start the server with STUDIO_HTTP_TOKEN set, and open the page with that token, to make changes',
      });
    }
    if (!sameOrigin(req)) return fail(403, { code: 'forbidden', message: 'changes are accepted only from this server’s own page (Origin)' });
    // A JSON content type makes a cross-origin browser ask first (CORS preflight), which this server never grants.
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      return fail(415, { code: 'invalid_input', message: "send the body as 'content-type: application/json'", field: 'content-type' });
    }
    let body;
    try {
      body = (await readBody())?.json;
    } catch (err) {
      return fail((err as { status?: number }).status ?? 400, { code: 'invalid_input', message: (err as Error).message, field: 'body' });
    }
    const accepts = WEB_TOOLS.join(', ');
    if (!isPlainObject(body)) return fail(400, { code: 'invalid_input', message: 'the body must be a JSON object {"name", "arguments"}', field: 'body' });
    if (typeof body.name !== 'string')
      return fail(400, { code: 'invalid_input', message: `'name' must be a string: one of ${accepts}`, field: 'name', accepts });
    if (!WEB_TOOLS.includes(body.name)) {
      return fail(403, { code: 'forbidden', message: `tool '${body.name}' cannot be called from the page; it may call ${accepts}`, field: 'name', accepts });
    }
    if (body.arguments !== undefined && !isPlainObject(body.arguments)) {
      return fail(400, { code: 'invalid_input', message: "'arguments' must be a JSON object of the tool's arguments", field: 'arguments' });
    }
    const r = await callTool(await client(), body.name, body.arguments ?? {});
    return json(200, { ...(r.structuredContent ? { structuredContent: r.structuredContent } : {}), content: r.content, isError: r.isError === true });
  };

  const route = async (req: http.IncomingMessage, url: URL, readBody: () => Promise<{ json: unknown } | undefined>): Promise<Reply> => {
    const rest = url.pathname === '/studio' ? undefined : url.pathname.slice('/studio/'.length);
    if (rest === undefined) return new Reply(308, '', 'text/plain; charset=utf-8', { location: `/studio/${url.search}` });
    const method = req.method ?? 'GET';
    const get = method === 'GET' || method === 'HEAD';
    const onlyGet = (): Reply => fail(405, { code: 'method_not_allowed', message: `${url.pathname} answers GET` }, { allow: 'GET, HEAD' });
    if (rest === 'api/tool') {
      return method === 'POST' ? tool(req, readBody) : fail(405, { code: 'method_not_allowed', message: '/studio/api/tool answers POST' }, { allow: 'POST' });
    }
    if (rest === '' || /^(scene|film)\/[^/]+$/.test(rest)) return get ? page() : onlyGet();
    if (rest === 'api/index') return get ? index() : onlyGet();
    if (rest === 'api/resource') return get ? resource(url) : onlyGet();
    const m = /^api\/storyboard\/(scene|film)\/([^/]+)$/.exec(rest);
    if (m) {
      if (!get) return onlyGet();
      const field = `${m[1]}_id`;
      let id: string;
      try {
        id = decodeURIComponent(m[2] ?? '');
      } catch {
        return fail(400, { code: 'invalid_input', message: `'${field}' is not a valid URL path segment`, field });
      }
      return toolReply(await callTool(await client(), 'storyboard_get', { [field]: id }));
    }
    return fail(404, { code: 'not_found', message: `no page at ${url.pathname}; the storyboard is at /studio/` });
  };

  return {
    refuse: (req, res, status, message) => write(req, res, fail(status, { code: 'forbidden', message })),
    async handle(req, res, url, readBody) {
      if (token) {
        const presented = url.searchParams.get('token');
        if (presented !== null && req.method === 'GET') {
          // The link `studio-mcp open` gives: trade the token for the cookie, then drop it from the address bar.
          if (!secretMatches(presented, token)) return write(req, res, unauthorized());
          url.searchParams.delete('token');
          // To /studio/ rather than /studio: the cookie's path is /studio/, and the bare path would not send it.
          const clean = (url.pathname === '/studio' ? '/studio/' : url.pathname) + url.search;
          return write(req, res, new Reply(303, '', 'text/plain; charset=utf-8', { location: clean, 'set-cookie': setCookieHeader(token) }));
        }
        if (!webRequestAuthorized(req, token)) return write(req, res, unauthorized());
      }
      let reply: Reply;
      try {
        reply = await route(req, url, readBody);
      } catch (err) {
        studio.log(`studio web: ${req.method ?? 'GET'} ${url.pathname} failed: ${String(err)}`);
        reply = fail(500, { code: 'internal', message: 'internal error in studio-mcp (see the server log for details)' });
      }
      if (!res.headersSent) write(req, res, reply);
    },
    async close() {
      const c = connection;
      connection = undefined;
      if (c) await (await c).close();
    },
  };
}

/** 401 says what to present and nothing about what is behind it (no ids, no titles). */
function unauthorized(): Reply {
  return fail(
    401,
    { code: 'unauthorized', message: 'this page needs the token (STUDIO_HTTP_TOKEN): open it once with ?token=… or send Authorization: Bearer …' },
    { 'www-authenticate': 'Bearer realm="studio-mcp"' },
  );
}
