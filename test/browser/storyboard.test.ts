import { type CallToolResult, Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalAdapter } from '../../src/providers/local.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { createMcpServer } from '../../src/server.js';
import type { Storyboard } from '../../src/storyboard/types.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { type SpawnedHttpServer, spawnHttpServer } from '../helpers/http-server.js';
import {
  fullFrameDecoded,
  hostileStaysText,
  previewPlays,
  screenshotWithVariance,
  takeCount,
  takeMarkedCurrent,
  thumbnailsDecoded,
  until,
  waitFor,
  waitForBoard,
} from './lib/checks.js';
import { haveChromium, launchChromium, skipReason } from './lib/chromium.js';
import { type BoardFixture, makeBoardFixture } from './lib/fixture.js';
import { type HostServer, startHostServer } from './lib/host-server.js';
import { HOSTILE_TITLE } from './lib/payloads.js';

/**
 * Issue 13, "done when": the storyboard view in headless Debian Chromium, first as an MCP App inside a test host
 * (ext-apps' AppBridge; its tool calls and resource reads go to a real MCP client of the real server), then as the
 * `--http` web page of the built server, on the same studio folder. Both: thumbnails and full frames decode, the
 * render's preview plays, a click makes another take current (checked over MCP), a take added by another client shows
 * up, hostile text stays text, and a 12-shot screenshot is not blank.
 */

const TOKEN = 'view-test-token-0123456789';
type Json = Record<string, unknown>;

const suite = haveChromium ? describe : describe.skip;

suite(`storyboard view in Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let h: Harness;
  let fx: BoardFixture;
  let browser: Browser;
  let board: Storyboard;
  const errors: string[] = [];

  const currentTake = async (call: (n: string, a: Json) => Promise<Json>, shotId: string): Promise<number> => {
    const scene = (await call('scene_get', { scene_id: fx.scene_id })) as { shots: { shot_id: string; current_take: { take_number: number } | null }[] };
    return scene.shots.find((s) => s.shot_id === shotId)?.current_take?.take_number ?? -1;
  };

  const watch = (page: Page): void => {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content.Security.Policy|Refused/i.test(m.text())) errors.push(`csp: ${m.text()}`);
    });
  };

  // The local provider, held when a test asks (at 40 %), so a generation is running for as long as that test needs.
  let hold: Promise<void> | null = null;
  let started: () => void = () => undefined;

  beforeAll(async () => {
    const local = createLocalAdapter();
    const held: ProviderAdapter = {
      ...local,
      start: async (req, ctx) => {
        if (hold) {
          ctx.onProgress?.(0.4, 'rendering animatic');
          const wait = hold;
          hold = null;
          started();
          await wait;
        }
        return local.start(req, ctx);
      },
    };
    h = await startHarness({ studio: { adapters: new Map([['local', held]]) } });
    fx = await makeBoardFixture(h.call, h.studio);
    board = (await h.call('storyboard_get', { scene_id: fx.scene_id })) as unknown as Storyboard;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close().catch(() => undefined);
  });

  describe('as an MCP App in a host', () => {
    let host: HostServer;
    let context: BrowserContext;
    let page: Page;
    let app: Frame;
    let other: Client;
    let shown: { arguments: Json; result: CallToolResult };
    const messages: string[] = [];
    const modelContext: string[] = [];

    const textOf = (p: Json): string => JSON.stringify(p.content ?? '');

    /** Load the host page showing storyboard_show's result for `args`; resolves with the view's frame. */
    const openApp = async (args: Json, size = { width: 1280, height: 720 }): Promise<Frame> => {
      shown = { arguments: args, result: await h.raw('storyboard_show', args) };
      await page.setViewportSize(size);
      await page.goto(host.url);
      await waitFor(() => page.frames().some((f) => f.url().endsWith('/app.html')), 'the view frame to load');
      const frame = page.frames().find((f) => f.url().endsWith('/app.html')) as Frame;
      await until(frame, `document.body.dataset.mode === 'app'`);
      return frame;
    };

    beforeAll(async () => {
      host = await startHostServer();
      context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      await context.exposeFunction('hostCallTool', (p: Json) => h.client.callTool(p as { name: string; arguments?: Json }));
      await context.exposeFunction('hostReadResource', (p: Json) => h.client.readResource(p as { uri: string }));
      await context.exposeFunction('hostMessage', (p: Json) => void messages.push(textOf(p)));
      await context.exposeFunction('hostModelContext', (p: Json) => void modelContext.push(textOf(p)));
      await context.exposeFunction('hostToolCall', () => shown);
      page = await context.newPage();
      watch(page);
      // Another client of the same studio, as a second agent session would be.
      const { server } = createMcpServer(h.studio);
      const [a, b] = InMemoryTransport.createLinkedPair();
      other = new Client({ name: 'other-client', version: '1.0.0' });
      await server.connect(a);
      await other.connect(b);
      app = await openApp({ scene_id: fx.scene_id });
    }, 60_000);

    afterAll(async () => {
      await other?.close();
      await context?.close();
      await host?.close();
    });

    it('shows the 12 shots with decoded thumbnails and full-size frames', async () => {
      await waitForBoard(app, 12);
      expect(await thumbnailsDecoded(app)).toBe(24);
      const full = await fullFrameDecoded(app);
      expect(full.width).toBe(640);
      expect(full.height).toBe(360);
      // Shot 2 continues from shot 1, whose second take came after: the cut is stale, and the view says how to mend it.
      const cuts = await app.evaluate<string[]>(`[...document.querySelectorAll('.cut')].map((c) => c.className)`);
      expect(cuts).toEqual(['cut cut-first', 'cut cut-stale', ...Array(10).fill('cut cut-cut')]);
      const detail = board.scenes[0]?.shots[1]?.continuity.detail ?? '';
      expect(detail).toContain('use_last_frame: true');
      expect(await app.locator('.cut-stale').textContent()).toBe(`Stale cut — ${detail}`);
      expect(await app.locator('.shot').first().locator('.who').textContent()).toBe('Mara');
      // Alt text from the shot's prompt, as the storyboard gives it.
      const firstFrame = board.scenes[0]?.shots[0]?.first_frame;
      expect(firstFrame?.alt).toContain('Mara climbs');
      expect(await app.locator('.frame img').first().getAttribute('alt')).toBe(`First frame: ${firstFrame?.alt}`);
    });

    it("plays the scene render's preview inline", async () => {
      const v = await previewPlays(app);
      expect(v.error).toBeNull();
      expect(v.src).toBe('data:video/mp4;base64,');
      expect(v.currentTime).toBeGreaterThan(0.25);
    });

    it('a click makes another take current (scene_get agrees); approving tells the model', async () => {
      const shot = board.scenes[0]?.shots.find((s) => s.shot_id === fx.two_take_shot_id);
      const take1 = shot?.takes.find((t) => t.take_number === 1);
      if (!shot || !take1) throw new Error('fixture: shot 1 has no take 1');
      expect(await currentTake(h.call, shot.shot_id)).toBe(2);
      await app.locator(`.pick[data-take-id="${take1.take_id}"]`).click();
      await expect.poll(() => currentTake(h.call, shot.shot_id), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => takeMarkedCurrent(app, take1.take_id), { timeout: 10_000 }).toBe(true);

      await app.locator(`.approve[data-key="approve:${take1.take_id}"]`).click();
      await expect.poll(() => modelContext.length, { timeout: 10_000 }).toBe(1);
      expect(modelContext[0]).toContain(take1.take_id);
      const scene = (await h.call('scene_get', { scene_id: fx.scene_id })) as { shots: { shot_id: string; approved_take_id: string | null }[] };
      expect(scene.shots.find((s) => s.shot_id === shot.shot_id)?.approved_take_id).toBe(take1.take_id);
    });

    it('updates when another client adds a take', async () => {
      const shotId = fx.two_take_shot_id;
      expect(await takeCount(app, shotId)).toBe(2);
      const r = (await other.callTool({ name: 'shot_add_take', arguments: { shot_id: shotId, media_id: fx.spare_video_id } })) as CallToolResult;
      expect(r.isError).not.toBe(true);
      await expect.poll(() => takeCount(app, shotId), { timeout: 10_000 }).toBe(3);
      const added = (await h.call('storyboard_get', { scene_id: fx.scene_id })) as unknown as Storyboard;
      const take3 = added.scenes[0]?.shots.find((s) => s.shot_id === shotId)?.takes.find((t) => t.take_number === 3);
      expect(take3?.current).toBe(true);
      await expect.poll(() => takeMarkedCurrent(app, take3?.take_id ?? ''), { timeout: 10_000 }).toBe(true);
    });

    it('shows a generation while it runs (state and progress), then the take it made', async () => {
      const shotId = fx.shot_ids[5] as string;
      const card = `.shot[data-shot-id="${shotId}"]`;
      let release: () => void = () => undefined;
      hold = new Promise<void>((r) => {
        release = r;
      });
      const running = new Promise<void>((r) => {
        started = r;
      });
      const generation = h.call('video_generate', { shot_id: shotId });
      try {
        await running;
        await until(app, `document.querySelector('${card} .job')`);
        expect(await app.locator(`${card} .job`).textContent()).toMatch(/^Generating: (submitting|running) \(40% rendering animatic\)$/);
      } finally {
        release();
      }
      await generation;
      await until(app, `!document.querySelector('${card} .job') && document.querySelectorAll('${card} .pick').length === 2`);
    });

    it('reorders shots with the move buttons and sends paid work to the agent as a message', async () => {
      const [s1, s2] = fx.shot_ids;
      await app.locator(`[data-key="down:${s1}"]`).click();
      await expect
        .poll(async () => ((await h.call('scene_get', { scene_id: fx.scene_id })) as { shots: { shot_id: string }[] }).shots.slice(0, 2).map((s) => s.shot_id))
        .toEqual([s2, s1]);
      await until(app, `document.querySelector('.shot')?.dataset.shotId === ${JSON.stringify(s2)}`);
      await app.locator(`[data-key="up:${s1}"]`).click();
      await until(app, `document.querySelector('.shot')?.dataset.shotId === ${JSON.stringify(s1)}`);

      await app.locator(`[data-key="regen:${s1}"]`).click();
      await expect.poll(() => messages.length, { timeout: 10_000 }).toBe(1);
      expect(messages[0]).toContain(`video_generate with shot_id \\"${s1}\\"`);
    });

    it('moves between shots with the arrow keys and between takes with Left/Right; Enter picks a take', async () => {
      await app.locator('.shot').first().focus();
      await page.keyboard.press('ArrowDown');
      expect(await app.evaluate('document.activeElement.dataset.shotId')).toBe(fx.shot_ids[1]);
      await page.keyboard.press('End');
      expect(await app.evaluate('document.activeElement.dataset.shotId')).toBe(fx.shot_ids[11]);
      // Shot 6 has two takes since the generation test, the second current: Left from it, then Enter.
      const shotId = fx.shot_ids[5] as string;
      expect(await currentTake(h.call, shotId)).toBe(2);
      await app.locator(`.shot[data-shot-id="${shotId}"] .pick`).nth(1).focus();
      await page.keyboard.press('ArrowLeft');
      expect(await app.evaluate('document.activeElement.textContent')).toMatch(/^Take 1 /);
      await page.keyboard.press('Enter');
      await expect.poll(() => currentTake(h.call, shotId), { timeout: 10_000 }).toBe(1);
      // The redraw keeps the focus on the same take's button.
      await until(app, `document.activeElement?.classList.contains('pick') && document.activeElement.getAttribute('aria-pressed') === 'true'`);
    });

    it('writes a screenshot of the 12-shot scene that is not blank', async () => {
      await thumbnailsDecoded(app);
      // A still picture: the preview stopped at its start. The page as tall as the view (the host sized the frame to
      // it), so the whole App is painted on screen: Chromium leaves an out-of-process frame's off-screen part blank.
      await app.evaluate(`document.querySelectorAll('video').forEach((v) => { v.pause(); v.currentTime = 0; })`);
      await app.evaluate(`document.activeElement?.blur(); window.scrollTo(0, 0)`);
      const height = await page.evaluate<number>(`Math.ceil(document.getElementById('app').getBoundingClientRect().height)`);
      await page.setViewportSize({ width: 1280, height });
      await app.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))`);
      const shot = await screenshotWithVariance(page, 'storyboard-app.png');
      expect(shot.stddev).toBeGreaterThan(10);
      await page.setViewportSize({ width: 1280, height: 720 });
    });

    it('shows hostile prompts, names and lines as text', async () => {
      const frame = await openApp({ scene_id: fx.hostile_scene_id }, { width: 390, height: 844 });
      await hostileStaysText(frame, page);
    });

    it('raised no page error and no CSP violation', () => {
      expect(errors).toEqual([]);
    });
  });

  describe('as the --http web page', () => {
    let server: SpawnedHttpServer;
    let base: string;
    let context: BrowserContext;
    let page: Page;
    let other: Client;
    const otherCall = async (name: string, args: Json): Promise<Json> => {
      const r = (await other.callTool({ name, arguments: args })) as CallToolResult;
      if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
      return r.structuredContent as Json;
    };

    beforeAll(async () => {
      // The same studio folder, now served by the built server in its own process, as `studio-mcp --http` runs.
      await h.close();
      server = await spawnHttpServer({ STUDIO_HOME: h.home, STUDIO_HTTP_TOKEN: TOKEN });
      base = server.url.replace(/\/mcp$/, '');
      other = new Client({ name: 'other-http-client', version: '1.0.0' });
      await other.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
      context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      page = await context.newPage();
      watch(page);
    }, 60_000);

    afterAll(async () => {
      await other?.close();
      await context?.close();
      await server?.stop();
    });

    it('refuses the page without the token (401, nothing of the studio in the answer)', async () => {
      const anon = await browser.newContext();
      try {
        const p = await anon.newPage();
        const res = await p.goto(`${base}/studio/scene/${fx.scene_id}`);
        expect(res?.status()).toBe(401);
        const body = (await res?.text()) ?? '';
        expect(body).not.toContain('Night watch');
        expect(body).not.toContain('<script');
        const api = await p.request.get(`${base}/studio/api/storyboard/scene/${fx.scene_id}`);
        expect(api.status()).toBe(401);
        expect(await api.text()).not.toContain(fx.scene_id);
      } finally {
        await anon.close();
      }
    });

    it('signs in with ?token= and lists the film and its scenes on the index', async () => {
      const res = await page.goto(`${base}/studio/?token=${TOKEN}`);
      expect(res?.status()).toBe(200);
      expect(page.url()).toBe(`${base}/studio/`);
      await page.waitForSelector('.index a');
      const links = await page.evaluate<string[]>(`[...document.querySelectorAll('.index a')].map((a) => a.textContent)`);
      expect(links).toEqual(['The Lighthouse', 'Night watch', HOSTILE_TITLE]);
      // Links are built from ids on a fixed path, never taken from the data.
      const hrefs = await page.evaluate<string[]>(`[...document.querySelectorAll('.index a')].map((a) => a.getAttribute('href'))`);
      expect(hrefs).toEqual([`/studio/film/${fx.film_id}`, `/studio/scene/${fx.scene_id}`, `/studio/scene/${fx.hostile_scene_id}`]);
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    });

    it('shows the 12 shots with decoded thumbnails and full-size frames, and plays the preview', async () => {
      await page.goto(`${base}/studio/scene/${fx.scene_id}`);
      const frame = page.mainFrame();
      await waitForBoard(frame, 12);
      expect(await page.evaluate('document.body.dataset.mode')).toBe('web');
      expect(await thumbnailsDecoded(frame)).toBe(24);
      const full = await fullFrameDecoded(frame);
      expect([full.width, full.height]).toEqual([640, 360]);
      const v = await previewPlays(frame);
      expect(v.error).toBeNull();
      expect(v.currentTime).toBeGreaterThan(0.25);
    });

    it('a click makes another take current (scene_get agrees); a take added elsewhere shows up', async () => {
      const frame = page.mainFrame();
      const shotId = fx.two_take_shot_id;
      const sb = (await otherCall('storyboard_get', { scene_id: fx.scene_id })) as unknown as Storyboard;
      const takes = sb.scenes[0]?.shots.find((s) => s.shot_id === shotId)?.takes ?? [];
      // Take 2 unless it is current already (it is not after the App's tests, which leave take 3 current).
      const pick = takes.find((t) => t.take_number === 2 && !t.current) ?? takes.find((t) => !t.current);
      if (!pick) throw new Error('fixture: shot 1 has no take that is not current');
      expect(await currentTake(otherCall, shotId)).not.toBe(pick.take_number);
      await frame.locator(`.pick[data-take-id="${pick.take_id}"]`).click();
      await expect.poll(() => currentTake(otherCall, shotId), { timeout: 10_000 }).toBe(pick.take_number);
      await expect.poll(() => takeMarkedCurrent(frame, pick.take_id), { timeout: 10_000 }).toBe(true);

      await otherCall('shot_add_take', { shot_id: shotId, media_id: fx.spare_video_id_2 });
      await expect.poll(() => takeCount(frame, shotId), { timeout: 10_000 }).toBe(takes.length + 1);
    });

    it('shows the whole film: its scenes in order, each with its shots', async () => {
      await page.goto(`${base}/studio/film/${fx.film_id}`);
      await waitForBoard(page.mainFrame(), 13);
      expect(await page.locator('h1').textContent()).toBe('Film: The Lighthouse');
      expect(await page.locator('section.scene h2').allTextContents()).toEqual(['Night watch', HOSTILE_TITLE]);
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      await page.goto(`${base}/studio/scene/${fx.scene_id}`);
      await waitForBoard(page.mainFrame(), 12);
    });

    it('offers paid work as a request to copy (there is no agent on a web page)', async () => {
      await page.locator(`[data-key="regen:${fx.shot_ids[3]}"]`).click();
      await page.waitForSelector('.request:not([hidden])');
      expect(await page.locator('.request-text').inputValue()).toContain(`video_generate with shot_id "${fx.shot_ids[3]}"`);
    });

    it('writes screenshots of the 12-shot scene (1280 and 390 px wide) that are not blank', async () => {
      await page.locator('.close-request').click();
      // A fresh load, as a person opening the link sees it (no status line from the clicks above).
      await page.reload();
      await waitForBoard(page.mainFrame(), 12);
      await thumbnailsDecoded(page.mainFrame());
      await until(page.mainFrame(), `document.querySelector('video.render-video')?.readyState === 4`);
      const wide = await screenshotWithVariance(page, 'storyboard-page.png');
      expect(wide.stddev).toBeGreaterThan(10);
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= 390')).toBe(true);
      const narrow = await screenshotWithVariance(page, 'storyboard-page-390.png');
      expect(narrow.stddev).toBeGreaterThan(10);
      await page.setViewportSize({ width: 1280, height: 720 });
    });

    it('shows hostile prompts, names and lines as text', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${base}/studio/scene/${fx.hostile_scene_id}`);
      await hostileStaysText(page.mainFrame(), page);
    });

    it('raised no page error and no CSP violation', () => {
      expect(errors).toEqual([]);
    });
  });
});
