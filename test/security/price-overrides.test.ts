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
 * Issue 15: five late-2026 Replicate models ship without a price (none is published in our sources), so a budget
 * refuses them as unpriced. STUDIO_PRICES lets the user state the price from the provider's model page; the budget
 * then admits and counts them like any priced model.
 */

const TOKEN = 'r8_SECRETCANARY_prices_0123456789';
const MODEL = 'replicate/bytedance/seedream-4.5';

let fake: ReplicateFake;
let fx: Fixtures;

function priceFile(dir: string, content: unknown): string {
  const file = path.join(dir, 'prices.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function harness(env: Record<string, string>): Promise<Harness> {
  const home = tempDir('studio-prices-');
  const full = { STUDIO_HOME: home, REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: fake.url, ...env };
  return startHarness({ home, env: full, studio: { adapters: fastAdapters(loadConfig(full)) } });
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

describe('STUDIO_PRICES: user-stated prices for models without a published one', () => {
  it('without it, a budget refuses the unpriced model before any request', async () => {
    const h = await harness({ STUDIO_BUDGET_USD: '1' });
    try {
      const err = await h.callError('image_generate', { model: MODEL, prompt: 'a red door' });
      expect(err.code).toBe('budget_exceeded');
      expect(err.message).toMatch(/price .* unknown/);
      expect(fake.requests).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('with it, the budget admits the model, counts its price and refuses the call that would cross it', async () => {
    const dir = tempDir('studio-prices-file-');
    const file = priceFile(dir, { [MODEL]: { usd: 0.04, per: 'image' } });
    const h = await harness({ STUDIO_BUDGET_USD: '0.05', STUDIO_PRICES: file });
    try {
      const ok = await h.call('image_generate', { model: MODEL, prompt: 'a red door' });
      expect(ok.status).toBe('succeeded');
      expect(ok.cost_estimate_usd).toBeCloseTo(0.04);
      const caps = await h.call('image_get_capabilities', { model: MODEL });
      expect(JSON.stringify(caps)).toContain('STUDIO_PRICES (prices.json)');
      const err = await h.callError('image_generate', { model: MODEL, prompt: 'a blue door' });
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
      const badField = priceFile(dir, { [MODEL]: { usd: -1, per: 'frame' } });
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
