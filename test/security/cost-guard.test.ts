import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Studio } from '../../src/studio/studio.js';
import { byRoute } from '../fakes/base.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';
import { fastAdapters, makeFixtures, type Fixtures } from './helpers.js';

/**
 * Issue 6 item 9: STUDIO_BUDGET_USD is checked against the capability's price before any provider call; a call that
 * would exceed it is refused with the estimate, and the provider never hears of it (no upload, no create).
 * replicate/bytedance/seedream-4 costs $0.03 per image (max_images is the upper bound).
 */

const TOKEN = 'r8_SECRETCANARY_budget_0123456789';
const MODEL = 'replicate/bytedance/seedream-4';

let fake: ReplicateFake;
let fx: Fixtures;

async function harness(budget: string | undefined, more: Record<string, string> = {}): Promise<Harness> {
  const home = tempDir('studio-budget-');
  const env: Record<string, string> = {
    STUDIO_HOME: home,
    REPLICATE_API_TOKEN: TOKEN,
    REPLICATE_BASE_URL: fake.url,
    ...(budget !== undefined ? { STUDIO_BUDGET_USD: budget } : {}),
    ...more,
  };
  const config = loadConfig(env);
  return startHarness({ home, env, studio: { adapters: fastAdapters(config) } });
}

const creates = (): number => byRoute(fake.requests, 'create').length + byRoute(fake.requests, 'create-version').length;

beforeAll(async () => {
  fx = await makeFixtures();
  fake = await startReplicateFake();
});
afterAll(async () => {
  await fake.close();
  fs.rmSync(fx.dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.reset();
  fake.setScenario({ pollsBeforeDone: 1, outputMime: 'image/jpeg', outputUrls: [fake.addOutput('out.jpg', fs.readFileSync(fx.jpg), 'image/jpeg')] });
});

describe('cost guard (STUDIO_BUDGET_USD)', () => {
  it('a call within the budget runs and reports its estimate; the next one that would exceed it is refused before the provider is called', async () => {
    const h = await harness('0.05');
    try {
      const ok = await h.call('image_generate', { model: MODEL, prompt: 'a red door' });
      expect(ok.status).toBe('succeeded');
      expect(ok.cost_estimate_usd).toBeCloseTo(0.03);
      expect(creates()).toBe(1);

      const err = await h.callError('image_generate', { model: MODEL, prompt: 'a blue door' });
      expect(err.code).toBe('budget_exceeded');
      expect(err.model).toBe(MODEL);
      expect(err.message).toContain('$0.03'); // the estimate
      expect(err.message).toContain('STUDIO_BUDGET_USD=$0.05');
      expect(creates()).toBe(1); // the provider never saw the refused call
    } finally {
      await h.close();
    }
  });

  it('a single call whose estimate alone exceeds the budget is refused: no upload, no create', async () => {
    const h = await harness('0.05');
    try {
      fs.copyFileSync(fx.png, `${h.home}/ref.png`);
      const ref = (await h.call('media_import', { path: 'ref.png' })) as { media_id: string };
      const err = await h.callError('image_generate', { model: MODEL, prompt: 'four doors', max_images: 4, reference_images: [ref.media_id] });
      expect(err.code).toBe('budget_exceeded');
      expect(err.message).toContain('$0.12');
      expect(fake.requests).toHaveLength(0); // not even the reference image was uploaded
    } finally {
      await h.close();
    }
  });

  it('concurrent calls cannot overrun the budget together', async () => {
    const h = await harness('0.10');
    try {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => h.raw('image_generate', { model: MODEL, prompt: `door ${i}`, wait: false })));
      const refused = results.filter((r) => r.isError && (r.structuredContent as { error: { code: string } }).error.code === 'budget_exceeded');
      const accepted = results.filter((r) => !r.isError);
      expect(accepted).toHaveLength(3); // 3 × $0.03 = $0.09 ≤ $0.10 < 4 × $0.03
      expect(refused).toHaveLength(5);
      for (const r of accepted) await h.call('job_wait', { job_id: (r.structuredContent as { job_id: string }).job_id, timeout_seconds: 20 });
      expect(creates()).toBe(3);
    } finally {
      await h.close();
    }
  });

  it('the budget survives a restart: spending is read from the jobs table', async () => {
    const h = await harness('0.05');
    const home = h.home;
    await h.call('image_generate', { model: MODEL, prompt: 'first' });
    await h.close();
    const config = loadConfig({ STUDIO_HOME: home, REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: fake.url, STUDIO_BUDGET_USD: '0.05' });
    const again = await startHarness({
      home,
      env: { REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: fake.url, STUDIO_BUDGET_USD: '0.05' },
      studio: { adapters: fastAdapters(config) },
    });
    try {
      const err = await again.callError('image_generate', { model: MODEL, prompt: 'second' });
      expect(err.code).toBe('budget_exceeded');
      expect(err.message).toContain('$0.03 already spent');
      expect(creates()).toBe(1);
    } finally {
      await again.close();
    }
  });

  it('without a budget the same calls run (the guard is opt-in)', async () => {
    const h = await harness(undefined);
    try {
      const ok = await h.call('image_generate', { model: MODEL, prompt: 'many doors', max_images: 4 });
      expect(ok.status).toBe('succeeded');
      expect(ok.cost_estimate_usd).toBeCloseTo(0.12);
    } finally {
      await h.close();
    }
  });

  it('with a budget set, a paid model without a known price is refused rather than let through unchecked', async () => {
    const h = await harness('100');
    try {
      // seedance-1-pro ships without pricing: its cost cannot be checked against the budget.
      const err = await h.callError('video_generate', { model: 'replicate/bytedance/seedance-1-pro', prompt: 'a harbour', duration: 5 });
      expect(err.code).toBe('budget_exceeded');
      expect(err.message).toMatch(/price .* unknown/);
      expect(fake.requests).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('local models cost nothing and are never refused, even with a zero budget', async () => {
    const h = await harness('0');
    try {
      const ok = await h.call('image_generate', { model: 'local/still', prompt: 'free' });
      expect(ok.status).toBe('succeeded');
    } finally {
      await h.close();
    }
  });
});

/**
 * Issue 15: five late-2026 Replicate models ship without a price (none is published in our sources), so a budget
 * refuses them as unpriced. STUDIO_PRICES lets the user state the price from the provider's model page; the budget
 * then admits and counts them like any priced model.
 */
const LATE = 'replicate/bytedance/seedream-4.5';

function priceFile(dir: string, content: unknown): string {
  const file = path.join(dir, 'prices.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('STUDIO_PRICES: user-stated prices for models without a published one', () => {
  it('without it, a budget refuses the unpriced model before any request', async () => {
    const h = await harness('1');
    try {
      const err = await h.callError('image_generate', { model: LATE, prompt: 'a red door' });
      expect(err.code).toBe('budget_exceeded');
      expect(err.message).toMatch(/price .* unknown/);
      expect(fake.requests).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('with it, the budget admits the model, counts its price and refuses the call that would cross it', async () => {
    const dir = tempDir('studio-prices-file-');
    const file = priceFile(dir, { [LATE]: { usd: 0.04, per: 'image' } });
    const h = await harness('0.05', { STUDIO_PRICES: file });
    try {
      const ok = await h.call('image_generate', { model: LATE, prompt: 'a red door' });
      expect(ok.status).toBe('succeeded');
      expect(ok.cost_estimate_usd).toBeCloseTo(0.04);
      const caps = await h.call('image_get_capabilities', { model: LATE });
      expect(JSON.stringify(caps)).toContain('STUDIO_PRICES (prices.json)');
      const err = await h.callError('image_generate', { model: LATE, prompt: 'a blue door' });
      expect(err.code).toBe('budget_exceeded');
      expect(err.message).toContain('$0.04');
      expect(creates()).toBe(1);
    } finally {
      await h.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad file stops the start with the file, the model and the field named', () => {
    const dir = tempDir('studio-prices-bad-');
    const home = path.join(dir, 'home');
    try {
      const unknown = priceFile(dir, { 'replicate/bytedance/seedream-9': { usd: 0.04, per: 'image' } });
      expect(() => new Studio({ config: loadConfig({ STUDIO_HOME: home, STUDIO_PRICES: unknown }) })).toThrow(
        /STUDIO_PRICES \(.*prices\.json\): unknown model 'replicate\/bytedance\/seedream-9'; known replicate models: .*replicate\/bytedance\/seedream-4\.5/,
      );
      const badField = priceFile(dir, { [LATE]: { usd: -1, per: 'frame' } });
      expect(() => new Studio({ config: loadConfig({ STUDIO_HOME: home, STUDIO_PRICES: badField }) })).toThrow(
        /replicate\/bytedance\/seedream-4\.5\.usd: .*replicate\/bytedance\/seedream-4\.5\.per/s,
      );
      const notJson = priceFile(dir, '{ nope');
      expect(() => new Studio({ config: loadConfig({ STUDIO_HOME: home, STUDIO_PRICES: notJson }) })).toThrow(/cannot read it as JSON/);
      // Refused before the store was opened: nothing was created in the home.
      expect(fs.existsSync(home)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
