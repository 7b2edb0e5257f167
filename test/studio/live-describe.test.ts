import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { capabilityFromReplicateModel } from '../../src/capabilities/replicate-openapi.js';
import { defaultSchemaDir } from '../../src/capabilities/registry.js';
import type { Capability } from '../../src/capabilities/types.js';
import { loadConfig } from '../../src/config.js';
import { Studio } from '../../src/studio/studio.js';
import { SEEDREAM4_MODEL, startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { tempDir } from '../helpers/harness.js';
import { withStudioDb } from '../helpers/studio-db.js';

/**
 * A live Replicate lookup (issue 11, defects 1 and 4): the live schema replaces the shipped file's fields, never
 * its price and rules, and a lookup for the wrong task changes nothing.
 */

const SEEDREAM = 'replicate/bytedance/seedream-4';
const shippedFile = JSON.parse(fs.readFileSync(path.join(defaultSchemaDir(), 'replicate/bytedance/seedream-4.json'), 'utf8')) as Capability;
// The shipped rules are what must survive: at least the reference-image count (issue 11's example).
if (!shippedFile.rules.some((r) => r.kind === 'max_items')) throw new Error('seedream-4.json lost its max_items rule');
const TEXT2VID = {
  url: 'https://replicate.com/acme/text2vid',
  owner: 'acme',
  name: 'text2vid',
  description: 'Text-to-video model',
  is_official: false,
  latest_version: {
    id: 'b'.repeat(64),
    openapi_schema: {
      components: {
        schemas: {
          Input: {
            type: 'object',
            required: ['prompt'],
            properties: { prompt: { type: 'string', 'x-order': 0 }, duration: { type: 'integer', minimum: 2, maximum: 10, 'x-order': 1 } },
          },
        },
      },
    },
  },
};

describe('ModelCatalog.describe with a Replicate token', () => {
  let fake: ReplicateFake;
  const open: Studio[] = [];
  const studioAt = (home: string, env: Record<string, string> = {}): Studio => {
    const config = loadConfig({ STUDIO_HOME: home, REPLICATE_API_TOKEN: 'r8_test_describe', REPLICATE_BASE_URL: fake.url, ...env });
    const s = new Studio({ config, log: () => undefined, resume: false });
    open.push(s);
    return s;
  };
  const signal = new AbortController().signal;
  const modelReads = (providerModel: string) => fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/models/${providerModel}`).length;
  const cachedIds = async (s: Studio) => {
    await s.ready();
    return withStudioDb(s.config.home, (db) => db.prepare(`SELECT id FROM model_cache ORDER BY id`).all() as { id: string }[]).map((r) => r.id);
  };

  beforeAll(async () => {
    fake = await startReplicateFake();
    fake.setScenario({ models: { 'bytedance/seedream-4': SEEDREAM4_MODEL, 'acme/text2vid': TEXT2VID } });
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    fake.reset();
  });
  afterAll(async () => {
    await fake.close();
  });

  it("keeps the shipped file's price and rules through a live lookup and a restart", async () => {
    const home = tempDir();
    const first = studioAt(home);
    expect(first.registry.require(SEEDREAM).pricing).toEqual(shippedFile.pricing);
    expect(first.registry.require(SEEDREAM).rules).toEqual(shippedFile.rules);

    const { cap, warnings } = await first.models.describe(SEEDREAM, undefined, signal);
    expect(modelReads('bytedance/seedream-4')).toBe(1);
    expect(warnings).toEqual([]);
    expect(cap.status).toBe('live');
    expect(cap.pricing).toEqual({ usd: 0.03, per: 'image', note: shippedFile.pricing?.note, source: shippedFile.pricing?.source });
    expect(cap.rules).toEqual(shippedFile.rules);
    expect(first.registry.require(SEEDREAM).pricing).toEqual(shippedFile.pricing);
    expect(await cachedIds(first)).toEqual([SEEDREAM]);
    await first.close();

    // A restart reads the cached live capability back: the price and the rule are still there.
    const second = studioAt(home, { STUDIO_BUDGET_USD: '5' });
    await second.ready();
    const after = second.registry.require(SEEDREAM);
    expect(after.status).toBe('live');
    expect(after.pricing).toEqual(shippedFile.pricing);
    expect(after.rules).toEqual(shippedFile.rules);
    // With a budget, the call is priced (one image at $0.03), not refused as unpriced.
    const prepared = await second.planner.prepare({ tool: 'image_generate', task: 'image_generate', args: { model: SEEDREAM, prompt: 'a lighthouse' } });
    expect(prepared.costUsd).toBe(0.03);
  });

  it('repairs a cached live capability written without the shipped file (by an older version) on start-up', async () => {
    const home = tempDir();
    const seed = studioAt(home);
    const stripped = capabilityFromReplicateModel(SEEDREAM4_MODEL);
    expect(stripped.pricing).toBeUndefined();
    expect(stripped.rules).toEqual([]);
    await seed.ready();
    withStudioDb(home, (db) =>
      db
        .prepare(`INSERT INTO model_cache (id, version, capability, fetched_at) VALUES (?, NULL, ?, '2026-11-01T00:00:00.000Z')`)
        .run(SEEDREAM, JSON.stringify(stripped)),
    );
    await seed.close();

    const s = studioAt(home, { STUDIO_BUDGET_USD: '5' });
    await s.ready();
    const cap = s.registry.require(SEEDREAM);
    expect(cap.status).toBe('live');
    expect(Object.keys(cap.fields).sort()).toEqual(Object.keys(stripped.fields).sort());
    expect(cap.pricing).toEqual(shippedFile.pricing);
    expect(cap.rules).toEqual(shippedFile.rules);
    expect((await s.planner.prepare({ tool: 'image_generate', task: 'image_generate', args: { model: SEEDREAM, prompt: 'x' } })).costUsd).toBe(0.03);
  });

  it('a wrong-task lookup of a shipped model is refused before anything is read, registered or cached', async () => {
    const s = studioAt(tempDir());
    const before = s.registry.require(SEEDREAM);
    const updated: string[] = [];
    s.events.on('updated', (uri) => updated.push(uri));
    const err = await s.models.describe(SEEDREAM, 'video_generate', signal).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; details: { field?: string } },
    );
    expect(err?.code).toBe('invalid_input');
    expect(err?.details.field).toBe('model');
    expect(err?.message).toMatch(/^'replicate\/bytedance\/seedream-4' is a image_generate model, not a video_generate model/);
    expect(modelReads('bytedance/seedream-4')).toBe(0);
    expect(s.registry.require(SEEDREAM)).toBe(before);
    expect(await cachedIds(s)).toEqual([]);
    expect(updated).toEqual([]);
  });

  it('a wrong-task lookup of a model never seen leaves it unknown and uncached', async () => {
    const s = studioAt(tempDir());
    const updated: string[] = [];
    s.events.on('updated', (uri) => updated.push(uri));
    const err = await s.models.describe('replicate/acme/text2vid', 'image_generate', signal).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('invalid_input');
    expect(err?.message).toBe("'replicate/acme/text2vid' is a video_generate model, not a image_generate model");
    expect(modelReads('acme/text2vid')).toBe(1);
    expect(s.registry.get('replicate/acme/text2vid')).toBeUndefined();
    expect(await cachedIds(s)).toEqual([]);
    expect(updated).toEqual([]);
    // The right task registers and caches it.
    const ok = await s.models.describe('replicate/acme/text2vid', 'video_generate', signal);
    expect(ok.cap.id).toBe('replicate/acme/text2vid');
    expect(s.registry.get('replicate/acme/text2vid')?.version).toBe('b'.repeat(64));
    expect(await cachedIds(s)).toEqual(['replicate/acme/text2vid']);
    expect(updated).toEqual(['studio://models/replicate/acme/text2vid']);
  });
});
