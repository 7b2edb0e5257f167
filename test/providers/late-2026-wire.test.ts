import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toProviderFields } from '../../src/capabilities/tool-schema.js';
import { createReplicateAdapter } from '../../src/providers/replicate.js';
import type { MediaInput, ProviderAdapter, ProviderRequest } from '../../src/providers/types.js';
import { createVertexAdapter } from '../../src/providers/vertex.js';
import { createWavespeedAdapter } from '../../src/providers/wavespeed.js';
import { cap, runCall } from '../capabilities/helpers.js';
import { byRoute } from '../fakes/base.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { DOCUMENTED_MODELS } from '../fakes/replicate-docs.js';
import { startVertexFake, type VertexFake } from '../fakes/vertex.js';
import { startWavespeedFake, type WavespeedFake } from '../fakes/wavespeed.js';
import { configFor, FAST, failure, makeCtx, makeMedia, runToEnd, SECRETS, type TestDir, tempDir } from './helpers.js';

/**
 * The models of late 2026 on the wire: each call is validated by the studio against the shipped file, sent by the
 * real adapter, and checked by a fake that refuses what the provider's page says it refuses.
 */

function prepared(id: string, args: Record<string, unknown>, media: Record<string, MediaInput> = {}): ProviderRequest {
  const r = runCall(id, args);
  expect(r.errors).toEqual([]);
  const fields = toProviderFields(cap(id), r.values);
  for (const [k, v] of Object.entries(fields)) if (typeof v === 'string' && media[v]) fields[k] = media[v];
  return { jobId: 'job_late', capability: cap(id), fields };
}

const raw = (id: string, fields: Record<string, unknown>): ProviderRequest => ({ jobId: 'job_late', capability: cap(id), fields });

const REPLICATE_NEW = [
  'replicate/bytedance/seedance-1.5-pro',
  'replicate/bytedance/seedream-4.5',
  'replicate/minimax/hailuo-02',
  'replicate/kwaivgi/kling-o1',
  'replicate/google/veo-3.1-fast',
];

describe('Replicate models of late 2026 against the fake', () => {
  let fake: ReplicateFake;
  let tmp: TestDir;
  let adapter: ProviderAdapter;
  beforeAll(async () => {
    fake = await startReplicateFake();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    tmp = await tempDir();
    adapter = createReplicateAdapter(configFor({ REPLICATE_BASE_URL: fake.url, REPLICATE_API_TOKEN: SECRETS.replicate }), FAST);
  });
  afterEach(async () => {
    await tmp.cleanup();
  });
  const lastInput = () => (byRoute(fake.requests, 'create').at(-1)!.json as { input: Record<string, unknown> }).input;

  it('every default in the new files equals the provider default the fake knows', () => {
    for (const id of REPLICATE_NEW) {
      const c = cap(id);
      const documented = DOCUMENTED_MODELS[c.provider_model];
      expect(documented, id).toBeDefined();
      for (const [name, want] of Object.entries(documented?.defaults ?? {})) {
        const f = c.fields[name];
        if (!f) continue;
        expect({ id, name, default: f.schema['default'] }).toEqual({ id, name, default: want });
      }
    }
  });

  it('the fake accepts a minimal studio call to each new model', async () => {
    for (const id of REPLICATE_NEW) {
      await runToEnd(adapter, prepared(id, { prompt: 'a lighthouse at dusk' }), makeCtx(tmp.dir));
      expect(byRoute(fake.requests, 'create').at(-1)!.path).toBe(`/v1/models/${cap(id).provider_model}/predictions`);
    }
  });

  it('Hailuo 02: 10 s at the 1080p default is refused by the fake; the studio sends 768p and always the resolution', async () => {
    const id = 'replicate/minimax/hailuo-02';
    const bad = await failure(() => runToEnd(adapter, raw(id, { prompt: 'p', duration: 10 }), makeCtx(tmp.dir)));
    expect(bad.message).toMatch(/10 seconds is only available for 768p resolution/);
    await runToEnd(adapter, prepared(id, { prompt: 'p' }), makeCtx(tmp.dir));
    expect(lastInput()).toEqual({ prompt: 'p', resolution: '1080p' });
    await runToEnd(adapter, prepared(id, { prompt: 'p', duration: 10, resolution: '768p' }), makeCtx(tmp.dir));
    expect(lastInput()).toEqual({ prompt: 'p', duration: 10, resolution: '768p' });
  });

  it('Seedream 4.5: 10 inputs + 6 outputs are refused by the fake (and by the studio before any request)', async () => {
    const id = 'replicate/bytedance/seedream-4.5';
    const refs = await Promise.all(Array.from({ length: 10 }, () => makeMedia(tmp.dir, 'image', 'image/png')));
    const bad = await failure(() => runToEnd(adapter, raw(id, { prompt: 'p', image_input: refs, max_images: 6 }), makeCtx(tmp.dir)));
    expect(bad.message).toMatch(/Total images \(input \+ generated\) cannot exceed 15; got 10 \+ 6/);
    expect(runCall(id, { prompt: 'p', reference_images: refs.map((_, i) => `r${i}`), max_images: 6 }).ok).toBe(false);
  });

  it('Kling O1 and Seedance 1.5 Pro: an end frame alone is refused by the fake; start + end goes through', async () => {
    const start = await makeMedia(tmp.dir, 'image', 'image/png');
    const end = await makeMedia(tmp.dir, 'image', 'image/jpeg');
    const kling = 'replicate/kwaivgi/kling-o1';
    expect((await failure(() => runToEnd(adapter, raw(kling, { prompt: 'p', end_image: end }), makeCtx(tmp.dir)))).message).toMatch(
      /end_image requires start_image/,
    );
    await runToEnd(adapter, prepared(kling, { prompt: 'p', start_frame: 's', end_frame: 'e' }, { s: start, e: end }), makeCtx(tmp.dir));
    expect(Object.keys(lastInput()).sort()).toEqual(['end_image', 'prompt', 'start_image']);
    const seedance = 'replicate/bytedance/seedance-1.5-pro';
    expect((await failure(() => runToEnd(adapter, raw(seedance, { prompt: 'p', last_frame_image: end }), makeCtx(tmp.dir)))).message).toMatch(
      /last_frame_image only works if an image start frame is given too/,
    );
  });
});

describe('Veo 3.1 video extension against the Vertex fake', () => {
  let fake: VertexFake;
  let tmp: TestDir;
  let adapter: ProviderAdapter;
  beforeAll(async () => {
    fake = await startVertexFake();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    fake.setScenario({ token: SECRETS.googleToken });
    tmp = await tempDir();
    adapter = createVertexAdapter(configFor({ VERTEX_BASE_URL: fake.url, GOOGLE_CLOUD_PROJECT: 'film-project', GOOGLE_CLOUD_LOCATION: 'us-central1' }), {
      ...FAST,
      getAccessToken: async () => SECRETS.googleToken,
      storageBaseUrl: fake.url,
    });
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('an earlier clip reaches the fake as instances[0].video (MP4) at 8 s; 4 s and a start frame are refused', async () => {
    const id = 'vertex/veo-3.1-fast-generate-001';
    const clip = await makeMedia(tmp.dir, 'video', 'video/mp4');
    const still = await makeMedia(tmp.dir, 'image', 'image/png');
    expect((await failure(() => runToEnd(adapter, raw(id, { prompt: 'p', video: clip, durationSeconds: 4 }), makeCtx(tmp.dir)))).message).toMatch(
      /durationSeconds must be 8 when extending a video/,
    );
    expect((await failure(() => runToEnd(adapter, raw(id, { prompt: 'p', video: clip, image: still }), makeCtx(tmp.dir)))).message).toMatch(
      /video \(extension\) cannot be combined with image/,
    );
    await runToEnd(adapter, prepared(id, { prompt: 'the chase goes on', video: 'c' }, { c: clip }), makeCtx(tmp.dir));
    const body = byRoute(fake.requests, 'veo-start').at(-1)!.json as {
      instances: Array<{ prompt: string; video: { mimeType: string; bytesBase64Encoded: string } }>;
      parameters: Record<string, unknown>;
    };
    expect(body.instances[0]?.prompt).toBe('the chase goes on');
    expect(body.instances[0]?.video.mimeType).toBe('video/mp4');
    expect(body.instances[0]?.video.bytesBase64Encoded.length).toBeGreaterThan(0);
    expect(body.parameters['durationSeconds']).toBe(8);
  });
});

describe('InfiniteTalk multi and fast variants against the WaveSpeed fake', () => {
  let fake: WavespeedFake;
  let tmp: TestDir;
  let adapter: ProviderAdapter;
  beforeAll(async () => {
    fake = await startWavespeedFake();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    fake.setScenario({ pollsBeforeDone: 0 });
    tmp = await tempDir();
    adapter = createWavespeedAdapter(configFor({ WAVESPEED_BASE_URL: fake.url, WAVESPEED_API_KEY: SECRETS.wavespeed }), FAST);
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('multi: both lines are uploaded and sent as left_audio / right_audio; a missing side is refused by the fake', async () => {
    const id = 'wavespeed/wavespeed-ai/infinitetalk/multi';
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const left = await makeMedia(tmp.dir, 'audio', 'audio/wav');
    const right = await makeMedia(tmp.dir, 'audio', 'audio/wav');
    expect((await failure(() => runToEnd(adapter, raw(id, { image, left_audio: left }), makeCtx(tmp.dir)))).message).toMatch(
      /missing required field\(s\): right_audio/,
    );
    const outputs = await runToEnd(
      adapter,
      prepared(id, { image: 'i', left_audio: 'l', right_audio: 'r', order: 'meanwhile' }, { i: image, l: left, r: right }),
      makeCtx(tmp.dir),
    );
    expect(outputs).toHaveLength(1);
    const task = [...fake.tasks.values()].at(-1)!;
    expect(task.model).toBe('wavespeed-ai/infinitetalk/multi');
    const input = task.input as Record<string, string>;
    expect(Object.keys(input).sort()).toEqual(['image', 'left_audio', 'order', 'right_audio']);
    expect(input['left_audio']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\//);
    expect(input['left_audio']).not.toBe(input['right_audio']);
  });

  it('fast multi and fast video-to-video refuse a resolution the pages do not list', async () => {
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const a = await makeMedia(tmp.dir, 'audio', 'audio/wav');
    const v = await makeMedia(tmp.dir, 'video', 'video/mp4');
    const multi = 'wavespeed/wavespeed-ai/infinitetalk-fast/multi';
    expect(
      (await failure(() => runToEnd(adapter, raw(multi, { image, left_audio: a, right_audio: a, resolution: '720p' }), makeCtx(tmp.dir)))).message,
    ).toMatch(/unknown field resolution/);
    await runToEnd(adapter, prepared(multi, { image: 'i', left_audio: 'a', right_audio: 'a' }, { i: image, a }), makeCtx(tmp.dir));
    await runToEnd(adapter, prepared('wavespeed/wavespeed-ai/infinitetalk-fast/video-to-video', { video: 'v', audio: 'a' }, { v, a }), makeCtx(tmp.dir));
    expect([...fake.tasks.values()].map((t) => t.model).slice(-2)).toEqual([
      'wavespeed-ai/infinitetalk-fast/multi',
      'wavespeed-ai/infinitetalk-fast/video-to-video',
    ]);
  });
});
