import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STUDIO_ARGS_BY_TASK } from '../../src/capabilities/defaults.js';
import { toolInputSchema } from '../../src/capabilities/tool-schema.js';
import { loadConfig } from '../../src/config.js';
import { createMcpServer } from '../../src/server.js';
import { matchesModelList } from '../../src/studio/offered-models.js';
import { ALL_PROVIDERS_ENV, measureToolList } from '../../bench/tool-list-sizes.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * One tool list for everyone (MCP 2026-07-28 forbids lists that vary per connection or change as a side effect):
 * derived from the offered models, flat at the root, identical on every connection, changed only when the offered
 * models change.
 */

/** Fake keys for all four providers (base URLs on a closed local port): nothing can reach the internet. */
const ALL_PROVIDERS = ALL_PROVIDERS_ENV;

const COMPOSITION = ['oneOf', 'anyOf', 'allOf', 'if', 'then', 'else', 'not', '$ref'];

type Props = Record<string, { enum?: string[]; description?: string } & Record<string, unknown>>;
type Listed = { name: string; inputSchema: { properties?: Props; required?: string[] } & Record<string, unknown> };

/** A second connection to the same studio (another client of the same server process). */
async function connect(h: Harness): Promise<Client> {
  const { server } = createMcpServer(h.studio, { forwardEvents: true });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'second-client', version: '1.0.0' });
  await server.connect(a);
  await client.connect(b);
  return client;
}

const tool = (tools: Listed[], name: string): Listed => {
  const t = tools.find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
};

describe.each([
  ['default configuration', {}],
  ['all four providers configured', ALL_PROVIDERS],
])('tools/list with the %s', (_label, env) => {
  let h: Harness;
  let second: Client;
  beforeAll(async () => {
    h = await startHarness({ env });
    second = await connect(h);
  });
  afterAll(async () => {
    await second.close();
    await h.close();
  });

  it('publishes every inputSchema flat at the root: type object, properties, required, no composition keyword', async () => {
    const { tools } = await h.client.listTools();
    expect(tools.length).toBeGreaterThan(40);
    for (const t of tools) {
      const root = t.inputSchema as Record<string, unknown>;
      expect(root.type, t.name).toBe('object');
      expect(typeof root.properties, t.name).toBe('object');
      for (const k of COMPOSITION) expect(Object.keys(root), `${t.name} has ${k} at its root`).not.toContain(k);
      const required = (root.required ?? []) as string[];
      for (const r of required) expect(Object.keys(root.properties as object), `${t.name} requires ${r}`).toContain(r);
    }
  });

  it('gives two connections byte-identical lists, before and after one of them calls every *_get_capabilities tool', async () => {
    const first = JSON.stringify(await h.client.listTools());
    expect(JSON.stringify(await second.listTools())).toBe(first);
    const lookups: [string, Record<string, unknown>][] = [
      ['video_get_capabilities', {}],
      ['video_get_capabilities', { model: 'vertex/veo-3.1-generate-001' }],
      ['video_get_capabilities', { model: 'local/animatic' }],
      ['image_get_capabilities', {}],
      ['image_get_capabilities', { model: 'local/still' }],
      ['model_get_capabilities', {}],
      ['model_get_capabilities', { model: 'elevenlabs/eleven_v3' }],
      ['model_get_capabilities', { model: 'wavespeed/wavespeed-ai/infinitetalk' }],
    ];
    for (const [name, args] of lookups) await h.call(name, args);
    expect(JSON.stringify(await h.client.listTools())).toBe(first);
    expect(JSON.stringify(await second.listTools())).toBe(first);
  });

  it('returns a model\'s exact own schema, rules, limits and price from a lookup, and lists the models with "offered"', async () => {
    const veo = h.studio.registry.get('vertex/veo-3.1-generate-001');
    if (!veo) throw new Error('Veo is shipped');
    const r = await h.call('video_get_capabilities', { model: veo.id });
    const { tools } = await h.client.listTools();
    const args = tool(tools as Listed[], 'video_generate').inputSchema.properties ?? {};
    const studioArgs = Object.fromEntries(STUDIO_ARGS_BY_TASK.video_generate.map((a) => [a, args[a] as Record<string, unknown>]));
    expect(r.input_schema).toEqual(toolInputSchema('video_generate', veo, studioArgs, [veo.id]));
    expect(r.rules).toEqual(veo.rules);
    expect(r.limits).toEqual(veo.limits);
    expect(r.pricing).toEqual(veo.pricing);
    expect(r.offered).toBe(Object.keys(env).length > 0);
    const list = (await h.call('video_get_capabilities')) as { models: { model: string; offered: boolean }[] };
    expect(list.models.find((m) => m.model === 'local/animatic')?.offered).toBe(true);
    expect(list.models.find((m) => m.model === veo.id)?.offered).toBe(Object.keys(env).length > 0);
  });
});

describe('the offered models', () => {
  it('STUDIO_MODELS entries are ids or prefixes ending at a slash', () => {
    expect(loadConfig({ STUDIO_MODELS: ' vertex, replicate/bytedance/ ,,local/still ' }).studioModels).toEqual([
      'vertex',
      'replicate/bytedance/',
      'local/still',
    ]);
    expect(loadConfig({ STUDIO_MODELS: ' , ' }).studioModels).toBeUndefined();
    expect(matchesModelList('vertex/veo-3.1-generate-001', ['vertex'])).toBe(true);
    expect(matchesModelList('vertexx/m', ['vertex'])).toBe(false);
    expect(matchesModelList('replicate/bytedance/seedream-4', ['replicate/bytedance/'])).toBe(true);
    expect(matchesModelList('replicate/bytedance/seedream-4', ['replicate/bytedance/seedream-4.5'])).toBe(false);
  });

  it('default: local models only without keys; with every key, every model of each task, sorted', async () => {
    const plain = await startHarness();
    const all = await startHarness({ env: ALL_PROVIDERS });
    try {
      expect(plain.studio.offered.ids('video_generate')).toEqual(['local/animatic']);
      const ids = all.studio.offered.ids('video_generate');
      expect(ids).toEqual(all.studio.registry.list({ task: 'video_generate' }).map((c) => c.id));
      expect(ids).toEqual([...ids].sort());
      const { tools } = await all.client.listTools();
      expect(tool(tools as Listed[], 'video_generate').inputSchema.properties?.model?.enum).toEqual(ids);
      // video_smooth_transition offers the video models that take a start and an end frame.
      const bridges = tool(tools as Listed[], 'video_smooth_transition').inputSchema.properties?.model?.enum ?? [];
      expect(bridges).toContain('vertex/veo-3.1-generate-001');
      expect(bridges).not.toContain('replicate/minimax/video-01');
      expect(bridges.every((id) => ids.includes(id))).toBe(true);
      const plainTools = (await plain.client.listTools()).tools as Listed[];
      expect(tool(plainTools, 'video_smooth_transition').inputSchema.properties?.model?.enum).toEqual(['local/animatic']);
    } finally {
      await plain.close();
      await all.close();
    }
  });

  it("STUDIO_MODELS narrows the enum; a task narrowed to one model publishes exactly that model's schema", async () => {
    const h = await startHarness({ env: { ...ALL_PROVIDERS, STUDIO_MODELS: 'vertex/veo-3.1-generate-001,replicate/google/,local/still' } });
    try {
      const { tools } = (await h.client.listTools()) as { tools: Listed[] };
      expect(tool(tools, 'video_generate').inputSchema.properties?.model?.enum).toEqual([
        'replicate/google/veo-3.1',
        'replicate/google/veo-3.1-fast',
        'vertex/veo-3.1-generate-001',
      ]);
      const still = h.studio.registry.get('local/still');
      if (!still) throw new Error('local/still is shipped');
      const image = tool(tools, 'image_generate').inputSchema;
      const own = (await h.call('image_get_capabilities', { model: 'local/still' })).input_schema;
      expect(image).toEqual(own);
      expect(image.properties?.model).toEqual({ type: 'string', enum: ['local/still'], default: 'local/still', description: 'Model for image_generate.' });
      // A task with no offered model still publishes a flat tool, and says why.
      expect(tool(tools, 'voice_tts').inputSchema.properties?.model?.description).toBe(
        'No voice_tts model is offered here (see STUDIO_MODELS and provider keys).',
      );
      // A call without model uses the first offered model when the offline default is not offered.
      expect(h.studio.offered.defaultModel('video_generate')).toBe('replicate/google/veo-3.1');
      expect(h.studio.offered.defaultModel('image_generate')).toBe('local/still');
    } finally {
      await h.close();
    }
  });

  it('refuses a call naming a known model that is not offered, naming the field, the model, the offered ids and STUDIO_MODELS', async () => {
    const h = await startHarness({ env: { STUDIO_MODELS: 'local/still,local/voice' } });
    try {
      const err = await h.callError('video_generate', { model: 'local/animatic', prompt: 'a boat' });
      expect(err).toMatchObject({ code: 'invalid_input', field: 'model', model: 'local/animatic' });
      expect(err.message).toBe(
        'local/animatic is not offered here: STUDIO_MODELS=local/still,local/voice leaves it out; offered video_generate models: (none)',
      );
      const tts = await h.callError('voice_tts', { model: 'local/voice', text: '' });
      // A call to an offered model still gets its model's own specific error.
      expect(tts).toMatchObject({ code: 'invalid_input', field: 'text', model: 'local/voice' });
      const ok = await h.call('image_generate', { prompt: 'a boat' });
      expect(ok.model).toBe('local/still');
    } finally {
      await h.close();
    }
  });
});

describe('a Replicate model described live joins the offered models', () => {
  let fake: ReplicateFake;
  let h: Harness;
  beforeAll(async () => {
    fake = await startReplicateFake();
    fake.setScenario({
      models: {
        'acme/newclip': {
          owner: 'acme',
          name: 'newclip',
          description: 'A text-to-video model',
          visibility: 'public',
          latest_version: {
            id: 'b'.repeat(64),
            openapi_schema: {
              components: {
                schemas: {
                  Input: {
                    type: 'object',
                    required: ['prompt'],
                    properties: { prompt: { type: 'string', 'x-order': 0, description: 'Text prompt' }, fps: { type: 'integer', 'x-order': 1 } },
                  },
                  Output: { type: 'string', format: 'uri' },
                },
              },
            },
          },
        },
      },
    });
    h = await startHarness({ env: { REPLICATE_API_TOKEN: 'r8_test_token_0000', REPLICATE_BASE_URL: fake.url } });
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  it('emits toolsChanged once, every connection is told, and both see the new enum', async () => {
    const second = await connect(h);
    const told: number[] = [];
    second.setNotificationHandler('notifications/tools/list_changed', () => void told.push(1));
    let events = 0;
    h.studio.events.on('toolsChanged', () => void events++);
    await h.call('model_get_capabilities', { model: 'replicate/acme/newclip' });
    expect(events).toBe(1);
    await h.call('model_get_capabilities', { model: 'replicate/acme/newclip' });
    expect(events).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(told).toEqual([1]);
    const a = JSON.stringify(await h.client.listTools());
    expect(JSON.stringify(await second.listTools())).toBe(a);
    const { tools } = (await second.listTools()) as { tools: Listed[] };
    expect(tool(tools, 'video_generate').inputSchema.properties?.model?.enum).toContain('replicate/acme/newclip');
    await second.close();
  });
});

describe('what the tool list costs every agent', () => {
  it('stays within 53,000 bytes with all four providers configured (studio-mcp tools --json, compact), and below the old list by default', async () => {
    const all = await measureToolList(ALL_PROVIDERS_ENV);
    const plain = await measureToolList();
    // The bound: no larger than the 53 KB the per-session list cost. Output schemas are measured beside it
    // (with_output_bytes, in BENCHMARKS.md): hosts use them to check results, they are not what an agent reads.
    expect(all.bytes).toBeLessThanOrEqual(53_000);
    // The storyboard App's app-only tools (storyboard_get, take_approve) are not in `bytes`: the MCP Apps spec has
    // hosts keep `visibility: ["app"]` tools out of the model's list. They are few and small, and stay so.
    expect(all.app_only_bytes).toBeGreaterThan(0);
    expect(all.app_only_bytes).toBeLessThan(1_000);
    // The per-session list of 2026-12-04 measured 51,852 bytes in the default configuration.
    expect(plain.bytes).toBeLessThan(51_852);
    expect(all.tools).toBe(plain.tools);
  });
});
