import fs from 'node:fs';
import path from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { HOSTILE_LINE, HOSTILE_NAME, HOSTILE_PROMPT, HOSTILE_TITLE } from './payloads.js';

/**
 * The checks the App and the page share: the same view, reached two ways. `frame` is where the view runs (the App's
 * iframe, or the page's main frame). Browser-side code is passed as strings: test/ is type-checked without DOM types.
 */

export const ARTIFACTS = path.resolve('test-artifacts');

/**
 * Wait until `expr` is truthy in `frame`. Not Playwright's waitForFunction: that evaluates its predicate with eval
 * inside the page, which the view's CSP (rightly) refuses; evaluate goes through the debugger protocol instead.
 */
export async function until(frame: Frame, expr: string, timeout = 20_000): Promise<void> {
  await waitFor(() => frame.evaluate<boolean>(`Boolean(${expr})`), `${expr} in ${frame.url()}`, timeout);
}

/** Poll `check` every 100 ms until it is true (usable in hooks, unlike expect.poll); the error names what never came. */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeout = 20_000): Promise<void> {
  const end = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Wait until the view shows `shots` shot cards of the storyboard `version` (or any version). */
export async function waitForBoard(frame: Frame, shots: number): Promise<void> {
  await until(frame, `document.body.dataset.version && document.querySelectorAll('.shot').length === ${shots}`, 20_000);
}

/** Every thumbnail decoded (natural size > 0); returns how many there are. */
export async function thumbnailsDecoded(frame: Frame): Promise<number> {
  await until(
    frame,
    `[...document.querySelectorAll('.frame img')].length > 0 && [...document.querySelectorAll('.frame img')].every((i) => i.complete && i.naturalWidth > 0)`,
    20_000,
  );
  return frame.evaluate<number>(`[...document.querySelectorAll('.frame img')].filter((i) => i.naturalWidth > 0 && i.src.startsWith('data:image/jpeg')).length`);
}

/** Open the first shot's first frame full size: the dialog's PNG decodes; then close it. */
export async function fullFrameDecoded(frame: Frame): Promise<{ width: number; height: number }> {
  await frame.locator('.shot').first().locator('button.frame').first().click();
  await until(frame, `(() => { const i = document.querySelector('dialog[open] img'); return i && i.complete && i.naturalWidth > 0; })()`, 20_000);
  const size = await frame.evaluate<{ width: number; height: number }>(
    `(() => { const i = document.querySelector('dialog[open] img'); return { width: i.naturalWidth, height: i.naturalHeight, png: ` +
      `i.src.startsWith('data:image/png') }; })()`,
  );
  await frame.locator('dialog[open] .close-frame').click();
  return size;
}

/** The render's preview plays inline: a data: mp4 whose currentTime advances. */
export async function previewPlays(frame: Frame): Promise<{ src: string; currentTime: number; error: number | null }> {
  await until(frame, `document.querySelector('video.render-video')?.src.startsWith('data:video/mp4;base64,')`, 30_000);
  await frame.evaluate(`(async () => { const v = document.querySelector('video.render-video'); v.muted = true; await v.play(); })()`);
  await until(frame, `(() => { const v = document.querySelector('video.render-video'); return v.error || v.currentTime > 0.25; })()`, 20_000);
  return frame.evaluate(
    `(() => { const v = document.querySelector('video.render-video'); return { src: v.src.slice(0, 22), currentTime: v.currentTime, error: v.error ? ` +
      `v.error.code : null }; })()`,
  );
}

/** Whether the take button of `takeId` is marked current (aria-pressed) in the view. */
export function takeMarkedCurrent(frame: Frame, takeId: string): Promise<boolean> {
  return frame.evaluate<boolean>(`document.querySelector('.pick[data-take-id=${JSON.stringify(takeId)}]')?.getAttribute('aria-pressed') === 'true'`);
}

export function takeCount(frame: Frame, shotId: string): Promise<number> {
  return frame.evaluate<number>(`document.querySelectorAll('.shot[data-shot-id=${JSON.stringify(shotId)}] .pick').length`);
}

/** The hostile scene shows every payload as text, no payload ran, and the page did not grow wider than its viewport. */
export async function hostileStaysText(frame: Frame, page: Page): Promise<void> {
  await waitForBoard(frame, 1);
  const seen = await frame.evaluate<{
    prompt: string;
    who: string;
    said: string;
    heading: string;
    title: string;
    imgs: number;
    scripts: number;
    anchors: number;
  }>(
    `({
      prompt: document.querySelector('.prompt')?.textContent ?? '',
      who: document.querySelector('.who')?.textContent ?? '',
      said: document.querySelector('.said')?.textContent ?? '',
      heading: document.querySelector('.shot h3')?.textContent ?? '',
      title: document.querySelector('h2')?.textContent ?? '',
      imgs: [...document.querySelectorAll('img')].filter((i) => i.hasAttribute('src') && !i.src.startsWith('data:')).length,
      scripts: document.querySelectorAll('script').length,
      anchors: document.querySelectorAll('a[href^="javascript"]').length,
    })`,
  );
  expect(seen.prompt).toBe(HOSTILE_PROMPT);
  expect(seen.who).toBe(HOSTILE_NAME);
  expect(seen.said).toBe(HOSTILE_LINE);
  expect(seen.heading).toBe(`Shot 1: ${HOSTILE_TITLE}`);
  expect(seen.title).toBe(HOSTILE_TITLE);
  expect(seen.imgs).toBe(0);
  expect(seen.scripts).toBe(1);
  expect(seen.anchors).toBe(0);
  // Give an onerror/onload a chance to fire had the markup been parsed; then the canary must still be unset.
  await until(frame, `document.querySelectorAll('.frame img').length === 0 || [...document.querySelectorAll('.frame img')].every((i) => i.complete)`);
  expect(await frame.evaluate('typeof window.__pwned')).toBe('undefined');
  expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
  const layout = await frame.evaluate<{ scroll: number; client: number; promptWidth: number; promptHeight: number }>(
    `({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
        promptWidth: document.querySelector('.prompt').getBoundingClientRect().width,
        promptHeight: document.querySelector('.prompt').scrollHeight })`,
  );
  expect(layout.scroll).toBeLessThanOrEqual(layout.client);
  expect(layout.promptWidth).toBeLessThanOrEqual(layout.client);
  // The 10,000-character word wrapped onto many lines instead of running off to the side.
  expect(layout.promptHeight).toBeGreaterThan(200);
}

/**
 * Save a screenshot under test-artifacts/ and measure it: the standard deviation of its luma, decoded by the browser
 * itself (a blank or single-colour capture has ~0).
 */
export async function screenshotWithVariance(page: Page, name: string, element?: Locator): Promise<{ file: string; bytes: number; stddev: number }> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  const png = element ? await element.screenshot({ path: file }) : await page.screenshot({ path: file, fullPage: true });
  const probe = await page.context().newPage();
  try {
    const stddev = await probe.evaluate<number>(`(async () => {
      const img = new Image();
      img.src = 'data:image/png;base64,${png.toString('base64')}';
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.naturalWidth; c.height = img.naturalHeight;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let n = 0, sum = 0, sq = 0;
      for (let i = 0; i < d.length; i += 4) { const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]; n++; sum += y; sq += y * y; }
      const mean = sum / n;
      return Math.sqrt(Math.max(0, sq / n - mean * mean));
    })()`);
    return { file, bytes: png.length, stddev };
  } finally {
    await probe.close();
  }
}
