import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';
import { withStudioDb } from '../helpers/studio-db.js';

type Schema = { properties: Record<string, { enum?: unknown[]; type?: string }>; required?: string[] };

/** A model the server has never seen, as Replicate's GET /v1/models/{owner}/{name} returns it (Cog-style enums). */
const NEW_MODEL = {
  url: 'https://replicate.com/acme/dreamclip',
  owner: 'acme',
  name: 'dreamclip',
  description: 'Image-to-video model with first and last frame control',
  visibility: 'public',
  is_official: false,
  run_count: 12,
  latest_version: {
    id: 'a'.repeat(64),
    created_at: '2026-10-01T00:00:00Z',
    cog_version: '0.10.0',
    openapi_schema: {
      components: {
        schemas: {
          Input: {
            type: 'object',
            title: 'Input',
            required: ['prompt'],
            properties: {
              prompt: { type: 'string', title: 'Prompt', 'x-order': 0, description: 'Text prompt' },
              first_frame_image: { type: 'string', format: 'uri', 'x-order': 1, description: 'First frame image' },
              motion: { allOf: [{ $ref: '#/components/schemas/motion' }], default: 'calm', 'x-order': 2, description: 'Motion amount' },
              duration: { allOf: [{ $ref: '#/components/schemas/duration' }], default: 5, 'x-order': 3, description: 'Video duration in seconds' },
              seed: { type: 'integer', nullable: true, 'x-order': 4, description: 'Random seed' },
            },
          },
          motion: { title: 'motion', description: 'An enumeration.', enum: ['calm', 'wild'], type: 'string' },
          duration: { title: 'duration', description: 'An enumeration.', enum: [5, 10], type: 'integer' },
          Output: { type: 'string', format: 'uri' },
        },
      },
    },
  },
};

describe('one tool list from the offered models; lookups show a model and change nothing', () => {
  let h: Harness;
  let fake: ReplicateFake;
  const changes: number[] = [];
  let clipUrl = '';
  beforeAll(async () => {
    fake = await startReplicateFake();
    const dir = tempDir();
    const clip = path.join(dir, 'clip.mp4');
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=24:duration=1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', clip]);
    clipUrl = fake.addOutput('clip.mp4', fs.readFileSync(clip), 'video/mp4');
    fake.setScenario({ models: { 'acme/dreamclip': NEW_MODEL }, outputUrls: [clipUrl], pollsBeforeDone: 1 });
    h = await startHarness({ env: { REPLICATE_API_TOKEN: 'r8_TESTTOKEN_abc123', REPLICATE_BASE_URL: fake.url, STUDIO_POLL_INTERVAL_MS: '20' } });
    h.client.setNotificationHandler('notifications/tools/list_changed', () => void changes.push(Date.now()));
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  const toolSchema = async (name: string): Promise<Schema> => {
    const { tools } = await h.client.listTools();
    return tools.find((t) => t.name === name)?.inputSchema as unknown as Schema;
  };
  const settle = () => new Promise((r) => setTimeout(r, 50));

  it("video_get_capabilities shows Veo 3.1's own schema (frames, references, durations, aspect ratios) and changes no tool", async () => {
    const before = changes.length;
    const listBefore = JSON.stringify(await h.client.listTools());
    const caps = await h.call('video_get_capabilities', { model: 'vertex/veo-3.1-generate-001' });
    expect([caps.tool, caps.available, caps.offered]).toEqual(['video_generate', false, false]);
    expect(caps.warnings).toEqual([expect.stringMatching(/^vertex\/veo-3\.1-generate-001 is not offered here: its provider vertex is not configured/)]);
    const own = caps.input_schema as Schema;
    for (const f of ['start_frame', 'end_frame', 'reference_images', 'prompt', 'duration', 'aspect_ratio', 'resolution', 'generateAudio'])
      expect(own.properties).toHaveProperty(f);
    expect(own.properties.duration?.enum).toEqual([4, 6, 8]);
    expect(own.properties.aspect_ratio?.enum).toEqual(['16:9', '9:16']);
    expect(own.properties.model?.enum).toEqual(['vertex/veo-3.1-generate-001']);
    await settle();
    expect(changes.length).toBe(before);
    expect(JSON.stringify(await h.client.listTools())).toBe(listBefore);
    // Vertex is not configured here, so the published tool offers local and Replicate models only.
    const s = await toolSchema('video_generate');
    expect(s.properties.model?.enum).toContain('local/animatic');
    expect(s.properties.model?.enum).toContain('replicate/google/veo-3.1');
    expect(s.properties.model?.enum).not.toContain('vertex/veo-3.1-generate-001');
    expect(s.properties).not.toHaveProperty('generateAudio');
  });

  it('image_get_capabilities shows Seedream 4 with reference images and no start frame', async () => {
    const before = changes.length;
    const caps = await h.call('image_get_capabilities', { model: 'replicate/bytedance/seedream-4' });
    await settle();
    expect(changes.length).toBe(before);
    const s = caps.input_schema as Schema;
    expect(s.properties).toHaveProperty('reference_images');
    expect(s.properties).not.toHaveProperty('start_frame');
    expect(s.properties).not.toHaveProperty('end_frame');
    expect(caps.offered).toBe(true);
  });

  it('every call is validated against the model it names; a valid call to a model not offered is refused after the checks', async () => {
    const img = (await h.call('image_generate', { model: 'local/still', prompt: 'a frame' })) as { media_id: string };
    const err = await h.callError('video_generate', {
      model: 'vertex/veo-3.1-generate-001',
      prompt: 'x',
      start_frame: img.media_id,
      reference_images: [img.media_id],
    });
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/veo-3\.1-generate-001: reference_images cannot be combined with start_frame/);
    // A valid Veo call without credentials is refused naming the field, the model, the offered ids and what to set, never sent.
    const noKey = await h.callError('video_generate', { model: 'vertex/veo-3.1-generate-001', prompt: 'x', start_frame: img.media_id });
    expect([noKey.code, noKey.field, noKey.model]).toEqual(['invalid_input', 'model', 'vertex/veo-3.1-generate-001']);
    expect(noKey.message).toMatch(/^vertex\/veo-3\.1-generate-001 is not offered here: its provider vertex is not configured \(set GOOGLE_CLOUD_PROJECT/);
    expect(noKey.message).toMatch(/; offered video_generate models: local\/animatic, replicate\/bytedance\/seedance-1-lite, /);
    // The same tool with the local model: naming a Veo-only field is an error for local.
    const wrong = await h.callError('video_generate', { model: 'local/animatic', prompt: 'x', generateAudio: true });
    expect(wrong.message).toMatch(/local\/animatic does not take generateAudio/);
  });

  it('a Replicate model the server has never seen becomes callable with its own fields', async () => {
    const before = changes.length;
    const caps = await h.call('video_get_capabilities', { model: 'replicate/acme/dreamclip' });
    expect(caps.model).toBe('replicate/acme/dreamclip');
    expect(caps.version).toBe('a'.repeat(64));
    await settle();
    // It joined the offered models: every client is told once, and the tool lists it with its own fields.
    expect(changes.length).toBe(before + 1);
    const s = await toolSchema('video_generate');
    expect(s.properties.model?.enum).toContain('replicate/acme/dreamclip');
    expect(s.properties.motion?.enum).toEqual(['calm', 'wild']);
    expect((s.properties.motion as { description?: string }).description).toMatch(/Only dreamclip/);
    expect((s.properties.duration as { description?: string }).description).toMatch(/dreamclip: 5\|10 =5/);
    expect(s.properties).toHaveProperty('start_frame');
    // Looking it up again reads the same schema: nothing changes, nobody is told.
    await h.call('video_get_capabilities', { model: 'replicate/acme/dreamclip' });
    await settle();
    expect(changes.length).toBe(before + 1);
    const frame = (await h.call('image_generate', { model: 'local/still', prompt: 'first frame' })) as { media_id: string };
    const r = await h.call('video_generate', {
      model: 'replicate/acme/dreamclip',
      prompt: 'a boat',
      motion: 'wild',
      duration: 10,
      start_frame: frame.media_id,
    });
    expect(r.status).toBe('succeeded');
    const create = fake.requests.filter((q) => q.method === 'POST' && q.path === '/v1/predictions');
    expect(create).toHaveLength(1);
    const body = create[0]?.json as { version: string; input: Record<string, unknown> };
    expect(body.version).toBe('a'.repeat(64));
    expect(body.input).toMatchObject({ prompt: 'a boat', motion: 'wild', duration: 10 });
    expect(String(body.input.first_frame_image)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/files\//);
    const m = await h.studio.library.get(String(r.media_id));
    expect(m).toMatchObject({ provider: 'replicate', model: 'replicate/acme/dreamclip', start_frame_used: frame.media_id });
    // The prediction the fake created for this call (the only one made through POST /v1/predictions).
    const prediction = [...fake.predictions.values()].filter((p) => p.version === 'a'.repeat(64));
    expect(prediction).toHaveLength(1);
    expect(m.provider_request_id).toBe(prediction[0]?.id);
    // The live schema is cached with its version and survives a restart of the studio.
    const row = withStudioDb(h.studio.config.home, (db) => db.prepare(`SELECT version FROM model_cache WHERE id = ?`).get('replicate/acme/dreamclip')) as {
      version: string;
    };
    expect(row.version).toBe('a'.repeat(64));
  });
});
