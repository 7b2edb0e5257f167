import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storyboard } from '../../src/storyboard/types.js';
import { cookieValue } from '../../src/transports/studio-web-auth.js';
import { cli } from '../cli/spawn.js';
import { startHarness, tempDir } from '../helpers/harness.js';
import { spawnHttpServer, type SpawnedHttpServer } from '../helpers/http-server.js';

/**
 * Issue 13 part 4: the storyboard web page under --http (/studio/), against the built server in its own process.
 * Requests are raw node:http requests so Host, Origin, Cookie and the body are exactly what each test says.
 */

const TOKEN = 'web-token-0123456789abcdef';
const HTML = '<!doctype html><title>storyboard test page</title><script>document.title = "ran";</script>\n';
const SCRIPT_HASH = 'sha256-Ow3xGJ3V1hq4XmbzTOzQ0V0DScbHC1Ix4AHUF0x9b+4=';
const STYLE_HASH = 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
const CSP =
  `default-src 'none'; script-src '${SCRIPT_HASH}'; style-src '${STYLE_HASH}'; img-src 'self' data: blob:; media-src 'self' data: blob:; ` +
  `connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
const CSP_UNBUILT = CSP.replace(`'${SCRIPT_HASH}'`, "'none'").replace(`'${STYLE_HASH}'`, "'self'");

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

function request(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { host: `127.0.0.1:${port}`, ...opts.headers },
        setHost: false,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const portOf = (s: SpawnedHttpServer): number => Number(new URL(s.url).port);
const bearer = { authorization: `Bearer ${TOKEN}` };

function expectPageHeaders(r: Reply, csp: string): void {
  expect(r.headers['content-security-policy']).toBe(csp);
  expect(r.headers['x-content-type-options']).toBe('nosniff');
  expect(r.headers['referrer-policy']).toBe('no-referrer');
  expect(r.headers['cache-control']).toBe('no-store');
  expect(r.headers['cross-origin-resource-policy']).toBe('same-origin');
}

describe('storyboard web page (/studio/) over --http', () => {
  let home: string;
  let guarded: SpawnedHttpServer;
  let open: SpawnedHttpServer;
  let port: number;
  let ids: { film: string; scene: string; loose: string; shot: string; media: string };

  beforeAll(async () => {
    home = tempDir('studio-web-');
    const h = await startHarness({ home });
    try {
      const { film } = (await h.call('film_create', { title: 'Harbour Film' })) as { film: { film_id: string } };
      const { scene } = (await h.call('scene_create', { film_id: film.film_id, title: 'Dawn at the quay' })) as { scene: { scene_id: string } };
      const { scene: loose } = (await h.call('scene_create', { title: 'Loose sketch' })) as { scene: { scene_id: string } };
      const { shot } = (await h.call('shot_create', { scene_id: scene.scene_id, prompt: 'boats at dawn' })) as { shot: { shot_id: string } };
      const clip = (await h.call('video_generate', {
        model: 'local/animatic',
        prompt: 'boats at dawn',
        duration: 2,
        resolution: '720p',
        shot_id: shot.shot_id,
      })) as { media_id: string };
      ids = { film: film.film_id, scene: scene.scene_id, loose: loose.scene_id, shot: shot.shot_id, media: clip.media_id };
    } finally {
      await h.close();
    }
    const ui = tempDir('studio-web-ui-');
    fs.writeFileSync(path.join(ui, 'storyboard.html'), HTML);
    // The build's hash list; junk beside the hashes ('unsafe-inline', a host) must never reach the header.
    fs.writeFileSync(
      path.join(ui, 'storyboard.csp.json'),
      JSON.stringify({ 'script-src': [`'${SCRIPT_HASH}'`, "'unsafe-inline'"], 'style-src': [STYLE_HASH, 'https://evil.example'] }),
    );
    [guarded, open] = await Promise.all([
      spawnHttpServer({ STUDIO_HOME: home, STUDIO_HTTP_TOKEN: TOKEN, STUDIO_UI_DIR: ui }),
      spawnHttpServer({ STUDIO_HOME: home, STUDIO_UI_DIR: tempDir('studio-web-unbuilt-') }),
    ]);
    port = portOf(guarded);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([guarded?.stop(), open?.stop()]);
  });

  it('refuses every /studio/ request without the token with 401, and the reply names nothing behind it', async () => {
    const paths = [
      '/studio/',
      `/studio/scene/${ids.scene}`,
      '/studio/api/index',
      `/studio/api/storyboard/scene/${ids.scene}`,
      `/studio/api/resource?uri=${encodeURIComponent(`studio://media/${ids.media}/preview`)}`,
    ];
    const replies = [
      ...(await Promise.all(paths.map((p) => request(port, { path: p })))),
      await request(port, { path: '/studio/api/index', headers: { authorization: 'Bearer wrong-token' } }),
      await request(port, { path: '/studio/api/index', headers: { cookie: `studio_token=${cookieValue('wrong-token')}` } }),
      await request(port, { path: '/studio/api/index', headers: { cookie: `studio_token=${TOKEN}` } }),
      await request(port, { method: 'POST', path: '/studio/api/tool', headers: { 'content-type': 'application/json' }, body: '{"name":"shot_reorder"}' }),
    ];
    for (const r of replies) {
      expect(r.status).toBe(401);
      expect(JSON.parse(r.text)).toEqual({
        error: {
          code: 'unauthorized',
          message: 'this page needs the token (STUDIO_HTTP_TOKEN): open it once with ?token=… or send Authorization: Bearer …',
        },
      });
      expect(r.headers['set-cookie']).toBeUndefined();
      expect(r.headers['www-authenticate']).toBe('Bearer realm="studio-mcp"');
      expectPageHeaders(r, CSP);
      for (const secret of [ids.film, ids.scene, ids.media, 'Harbour', 'Dawn', 'Loose']) expect(r.text).not.toContain(secret);
    }
    // A wrong ?token= gets no cookie.
    const wrong = await request(port, { path: '/studio/?token=nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('`open --with-token` gives the link that trades the token for a cookie (303 to the clean URL), and the cookie opens the page', async () => {
    const printed = await cli(['open', ids.scene, '--port', String(port), '--with-token'], { STUDIO_HOME: home, STUDIO_HTTP_TOKEN: TOKEN });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(`http://127.0.0.1:${port}/studio/scene/${ids.scene}?token=${TOKEN}\n`);
    const link = new URL(printed.stdout.trim());
    const first = await request(port, { path: `${link.pathname}${link.search}&view=takes` });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe(`/studio/scene/${ids.scene}?view=takes`);
    const cookie = `studio_token=${cookieValue(TOKEN)}`;
    expect(first.headers['set-cookie']).toEqual([`${cookie}; Path=/studio/; HttpOnly; SameSite=Strict`]);
    // The cookie holds a value derived from the token, never the token itself.
    expect(first.headers['set-cookie']?.[0]).not.toContain(TOKEN);
    expectPageHeaders(first, CSP);
    const page = await request(port, { path: first.headers.location ?? '', headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toBe(HTML);
    expectPageHeaders(page, CSP);
    const film = await request(port, { path: `/studio/film/${ids.film}`, headers: { cookie } });
    expect(film.text).toBe(HTML);
    // The bare /studio would not get the cookie back (its path is /studio/): the sign-in lands on /studio/.
    expect((await request(port, { path: `/studio?token=${TOKEN}` })).headers.location).toBe('/studio/');
  });

  it('a bearer token works too: the index lists films with their scenes and the scenes in no film', async () => {
    const r = await request(port, { path: '/studio/api/index', headers: bearer });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expectPageHeaders(r, CSP);
    expect(JSON.parse(r.text)).toEqual({
      films: [{ film_id: ids.film, title: 'Harbour Film', scenes: [{ scene_id: ids.scene, title: 'Dawn at the quay' }] }],
      scenes: [{ scene_id: ids.loose, title: 'Loose sketch' }],
    });
  });

  it("serves the storyboard the tool builds, naming this server's page, and its frames through the resource endpoint", async () => {
    const r = await request(port, { path: `/studio/api/storyboard/scene/${ids.scene}`, headers: bearer });
    expect(r.status).toBe(200);
    expectPageHeaders(r, CSP);
    const board = JSON.parse(r.text) as Storyboard;
    expect(board).toMatchObject({ kind: 'scene', id: ids.scene, title: 'Dawn at the quay', web_url: `http://127.0.0.1:${port}/studio/scene/${ids.scene}` });
    const shot = board.scenes[0]?.shots[0];
    expect(shot?.shot_id).toBe(ids.shot);
    expect(shot?.takes.map((t) => t.preview_uri)).toEqual([`studio://media/${ids.media}/preview`]);
    const thumb = await request(port, { path: `/studio/api/resource?uri=${encodeURIComponent(shot?.first_frame?.thumb_uri ?? '')}`, headers: bearer });
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect(thumb.body.subarray(0, 2).toString('hex')).toBe('ffd8');
    const film = JSON.parse((await request(port, { path: `/studio/api/storyboard/film/${ids.film}`, headers: bearer })).text) as Storyboard;
    expect(film).toMatchObject({ kind: 'film', id: ids.film, web_url: `http://127.0.0.1:${port}/studio/film/${ids.film}` });
    expect(film.scenes.map((s) => s.scene_id)).toEqual([ids.scene]);
    const missing = await request(port, { path: '/studio/api/storyboard/scene/scn_nope', headers: bearer });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { code: 'not_found', field: 'scene_id' } });
  });

  it('a wrong Host or a foreign Origin gets 403 as /mcp does, before the token is even looked at', async () => {
    const wrong: Record<string, string>[] = [{ host: `evil.example:${port}` }, { origin: 'https://evil.example' }];
    for (const headers of wrong) {
      const page = await request(port, { path: '/studio/api/index', headers: { ...bearer, ...headers } });
      const mcp = await request(port, { method: 'POST', path: '/mcp', headers: { ...bearer, ...headers, 'content-type': 'application/json' }, body: '{}' });
      expect(mcp.status).toBe(403);
      expect(page.status).toBe(403);
      const reason = 'host' in headers ? 'forbidden host' : 'forbidden origin';
      expect(JSON.parse(page.text)).toEqual({ error: { code: 'forbidden', message: reason } });
      expect(mcp.text).toContain(reason);
      expectPageHeaders(page, CSP);
    }
  });

  it('the resource endpoint returns a preview as its bytes with its MIME type, JSON resources as JSON, and only studio:// URIs', async () => {
    const get = (uri: string): Promise<Reply> => request(port, { path: `/studio/api/resource?uri=${encodeURIComponent(uri)}`, headers: bearer });
    const preview = await get(`studio://media/${ids.media}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toBe('video/mp4');
    expectPageHeaders(preview, CSP);
    expect(preview.body.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(Number(preview.headers['content-length'])).toBe(preview.body.length);
    // The same bytes the server's resources/read made and cached.
    expect(preview.body.equals(fs.readFileSync(path.join(home, 'previews', `${ids.media}.mp4`)))).toBe(true);
    const scene = await get(`studio://scenes/${ids.scene}`);
    expect(scene.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((JSON.parse(scene.text) as { scene_id: string; title: string }).title).toBe('Dawn at the quay');
    const missing = await get('studio://media/med_nope/preview');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { code: 'not_found', field: 'uri' } });
    expect((JSON.parse(missing.text) as { error: { message: string } }).error.message).toContain("'med_nope'");
    for (const uri of ['file:///etc/passwd', 'ui://studio/storyboard', 'https://example.com/x.mp4']) {
      const r = await get(uri);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toEqual({
        error: { code: 'invalid_input', message: "'uri' must be a studio:// resource URI", field: 'uri', accepts: 'studio://…' },
      });
    }
    const none = await request(port, { path: '/studio/api/resource', headers: bearer });
    expect(JSON.parse(none.text)).toMatchObject({ error: { field: 'uri' } });
  });

  const tool = (body: string, headers: Record<string, string> = {}): Promise<Reply> =>
    request(port, { method: 'POST', path: '/studio/api/tool', headers: { ...bearer, 'content-type': 'application/json', ...headers }, body });
  const errorOf = (r: Reply): { code: string; message: string; field?: string; accepts?: string } =>
    (JSON.parse(r.text) as { error: { code: string; message: string; field?: string } }).error;

  it('runs only the app-visible tools: anything else is 403 naming the ones it may call', async () => {
    const r = await tool(JSON.stringify({ name: 'video_generate', arguments: { model: 'local/animatic', prompt: 'x' } }));
    expect(r.status).toBe(403);
    expectPageHeaders(r, CSP);
    expect(errorOf(r)).toEqual({
      code: 'forbidden',
      message: "tool 'video_generate' cannot be called from the page; it may call storyboard_get, shot_select_take, take_approve, shot_reorder",
      field: 'name',
      accepts: 'storyboard_get, shot_select_take, take_approve, shot_reorder',
    });
  });

  it('names the field that is wrong, in the envelope and in the tool arguments (the real server validates them)', async () => {
    expect(errorOf(await tool('{not json'))).toEqual({ code: 'invalid_input', message: 'request body is not JSON', field: 'body' });
    expect(errorOf(await tool('[1]'))).toMatchObject({ field: 'body' });
    const noName = await tool(JSON.stringify({ arguments: {} }));
    expect(noName.status).toBe(400);
    expect(errorOf(noName)).toMatchObject({ code: 'invalid_input', field: 'name' });
    expect(errorOf(await tool(JSON.stringify({ name: 'shot_reorder', arguments: [1] })))).toMatchObject({ field: 'arguments' });
    const big = await tool(JSON.stringify({ name: 'shot_reorder', arguments: { pad: 'x'.repeat(4 * 1024 * 1024) } }));
    expect(big.status).toBe(413);
    expect(errorOf(big)).toEqual({ code: 'invalid_input', message: 'request body too large', field: 'body' });
    const plain = await tool('{}', { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect(errorOf(plain).field).toBe('content-type');
    // The tool's own validation, through MCP: the argument's name comes back.
    const bad = await tool(JSON.stringify({ name: 'shot_select_take', arguments: { shot_id: ids.shot, take_number: 0 } }));
    expect(bad.status).toBe(200);
    const result = JSON.parse(bad.text) as { isError: boolean; structuredContent: { error: { code: string; field: string } } };
    expect(result.isError).toBe(true);
    expect(result.structuredContent.error).toMatchObject({ code: 'invalid_input', field: 'take_number' });
  });

  it('a valid call runs and answers {structuredContent, content, isError}; another local port may not post (Origin)', async () => {
    const ok = await tool(JSON.stringify({ name: 'shot_select_take', arguments: { shot_id: ids.shot, take_number: 1 } }), {
      origin: `http://127.0.0.1:${port}`,
    });
    expect(ok.status).toBe(200);
    const body = JSON.parse(ok.text) as { isError: boolean; structuredContent: Record<string, unknown>; content: unknown[] };
    expect(body.isError).toBe(false);
    expect(body.structuredContent).toMatchObject({ shot: { shot_id: ids.shot } });
    expect(body.content.length).toBeGreaterThan(0);
    const foreign = await tool(JSON.stringify({ name: 'shot_select_take', arguments: { shot_id: ids.shot, take_number: 1 } }), {
      origin: `http://127.0.0.1:${port + 1}`,
    });
    expect(foreign.status).toBe(403);
    expect(errorOf(foreign).code).toBe('forbidden');
    // An approval made on the page is what the storyboard then shows.
    const before = JSON.parse((await request(port, { path: `/studio/api/storyboard/scene/${ids.scene}`, headers: bearer })).text) as Storyboard;
    const take = before.scenes[0]?.shots[0]?.takes[0]?.take_id ?? '';
    const approved = await tool(JSON.stringify({ name: 'take_approve', arguments: { shot_id: ids.shot, take_id: take, approved: true } }));
    expect((JSON.parse(approved.text) as { isError: boolean }).isError).toBe(false);
    const after = JSON.parse((await request(port, { path: `/studio/api/storyboard/scene/${ids.scene}`, headers: bearer })).text) as Storyboard;
    expect(after.scenes[0]?.shots[0]?.approved_take_id).toBe(take);
    expect(after.version).not.toBe(before.version);
  });

  it('without a configured token the page is read-only: reads work, POST /studio/api/tool is 403', async () => {
    const p = portOf(open);
    const index = await request(p, { path: '/studio/api/index' });
    expect(index.status).toBe(200);
    expect(index.headers['set-cookie']).toBeUndefined();
    const post = await request(p, {
      method: 'POST',
      path: '/studio/api/tool',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shot_select_take', arguments: { shot_id: ids.shot, take_number: 1 } }),
    });
    expect(post.status).toBe(403);
    expect(errorOf(post).code).toBe('read_only');
    expectPageHeaders(post, CSP_UNBUILT);
  });

  it('before `npm run build` the page is a clear 503, and no script may run (script-src none)', async () => {
    const r = await request(portOf(open), { path: `/studio/scene/${ids.scene}` });
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.text).toBe('studio-mcp: the storyboard page is not built (dist/ui/storyboard.html is missing); run `npm run build` and reload.\n');
    expectPageHeaders(r, CSP_UNBUILT);
  });

  it('unknown paths and wrong methods are refused with the page headers', async () => {
    const nf = await request(port, { path: '/studio/api/nothing', headers: bearer });
    expect(nf.status).toBe(404);
    expectPageHeaders(nf, CSP);
    const get = await request(port, { path: '/studio/api/tool', headers: bearer });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const bare = await request(port, { path: '/studio', headers: bearer });
    expect(bare.status).toBe(308);
    expect(bare.headers.location).toBe('/studio/');
  });
});
