import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Capability } from '../../src/capabilities/types.js';
import { createReplicateAdapter, progressFromLogs, type ReplicateAdapter } from '../../src/providers/replicate.js';
import { byRoute, fakeBytes } from '../fakes/base.js';
import { type ReplicateFake, startReplicateFake } from '../fakes/replicate.js';
import {
  capability,
  configFor,
  FAST,
  failure,
  leaks,
  makeCtx,
  makeMedia,
  recordingSleep,
  request,
  runToEnd,
  SECRETS,
  type TestDir,
  tempDir,
} from './helpers.js';

const ROOT = path.resolve(__dirname, '../..');
function shippedCapability(rel: string): Capability {
  return Capability.parse(JSON.parse(readFileSync(path.join(ROOT, 'capability-schemas', rel), 'utf8')));
}

const seedream = shippedCapability('replicate/bytedance/seedream-4.json');
const svd = shippedCapability('replicate/stability-ai/stable-video-diffusion.json');
const seedance = capability({
  provider: 'replicate',
  provider_model: 'bytedance/seedance-1-pro',
  adapter: 'replicate',
  fields: {
    prompt: { role: 'prompt', schema: { type: 'string' } },
    image: { role: 'start_frame', media: 'image', schema: { type: 'string' } },
    last_frame_image: { role: 'end_frame', media: 'image', schema: { type: 'string' } },
    duration: { role: 'duration', schema: { type: 'integer' } },
  },
});

describe('replicate adapter', () => {
  let fake: ReplicateFake;
  let tmp: TestDir;
  let adapter: ReplicateAdapter;

  beforeAll(async () => {
    fake = await startReplicateFake();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    fake.setScenario({});
    tmp = await tempDir();
    adapter = createReplicateAdapter(configFor({ REPLICATE_BASE_URL: fake.url, REPLICATE_API_TOKEN: SECRETS.replicate }), FAST);
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('seedream-4 (official): image_input uploaded through the files API, created by model name, array output downloaded', async () => {
    const ref1 = await makeMedia(tmp.dir, 'image', 'image/png');
    const ref2 = await makeMedia(tmp.dir, 'image', 'image/jpeg');
    fake.setScenario({ outputKind: 'array', outputMime: 'image/jpeg' });
    // The fake keeps files and predictions of earlier tests: this test's are the ones added from here on.
    const filesBefore = fake.files.size;
    const predictionsBefore = fake.predictions.size;
    const ctx = makeCtx(tmp.dir);
    const outputs = await runToEnd(
      adapter,
      request(seedream, { prompt: 'a lighthouse at dusk', image_input: [ref1, ref2], size: '2K', aspect_ratio: '16:9', max_images: 1 }),
      ctx,
    );

    const uploads = byRoute(fake.requests, 'upload');
    expect(uploads).toHaveLength(2);
    for (const u of uploads) {
      expect(u.method).toBe('POST');
      expect(u.path).toBe('/v1/files');
      expect(u.headers.authorization).toBe(`Bearer ${SECRETS.replicate}`);
      expect(u.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect(u.parts?.map((p) => p.name)).toEqual(['content', 'type', 'metadata']);
    }
    expect(uploads[0]?.parts?.[0]?.data.equals(await readFile(ref1.path))).toBe(true);
    expect(uploads[1]?.parts?.[1]?.text).toBe('image/jpeg');

    const [create] = byRoute(fake.requests, 'create');
    expect(create?.method).toBe('POST');
    expect(create?.path).toBe('/v1/models/bytedance/seedream-4/predictions');
    expect(create?.headers.authorization).toBe(`Bearer ${SECRETS.replicate}`);
    expect(create?.headers.prefer).toBeUndefined(); // we poll ourselves; never Prefer: wait
    const fileUrls = [...fake.files.keys()].slice(filesBefore).map((id) => `${fake.url}/files/${id}`);
    expect(fileUrls).toHaveLength(2);
    expect(create?.json).toEqual({
      input: { prompt: 'a lighthouse at dusk', image_input: fileUrls, size: '2K', aspect_ratio: '16:9', max_images: 1 },
    });
    // Never data URIs (they would inline the file; the npm client's data-uri strategy leaks the token).
    expect(create?.raw.toString()).not.toContain('data:');

    const polls = byRoute(fake.requests, 'poll');
    expect(polls).toHaveLength(3);
    expect(polls[0]?.method).toBe('GET');

    expect(outputs).toHaveLength(2);
    expect(fake.predictions.size).toBe(predictionsBefore + 1);
    const id = [...fake.predictions.keys()].at(-1);
    expect(polls[0]?.path).toBe(`/v1/predictions/${id}`);
    for (const [i, out] of outputs.entries()) {
      expect(out).toMatchObject({ kind: 'url', mime: 'image/jpeg' });
      const dest = path.join(tmp.dir, `out-${i}.jpg`);
      expect(await adapter.download(out, dest, ctx)).toEqual({ mime: 'image/jpeg' });
      expect((await readFile(dest)).equals(fakeBytes(`replicate-${id}-${i}`))).toBe(true);
    }
  });

  it('community model (stable-video-diffusion): POST /predictions with the version from the capability', async () => {
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const outputs = await runToEnd(
      adapter,
      request(svd, { input_image: image, video_length: '25_frames_with_svd_xt', frames_per_second: 6 }),
      makeCtx(tmp.dir),
    );
    expect(byRoute(fake.requests, 'create')).toHaveLength(0);
    const [create] = byRoute(fake.requests, 'create-version');
    expect(create?.path).toBe('/v1/predictions');
    expect(create?.json).toEqual({
      version: '3f0457e4619daac51203dedb472816fd4af51f3149fa7a9e0b5ffcf1b8172438',
      input: { input_image: expect.stringMatching(new RegExp(`^${fake.url}/files/`)), video_length: '25_frames_with_svd_xt', frames_per_second: 6 },
    });
    expect(outputs).toEqual([{ kind: 'url', url: expect.stringContaining('/outputs/'), mime: 'video/mp4' }]);
  });

  it('start and end frames are both uploaded and passed as file URLs', async () => {
    const first = await makeMedia(tmp.dir, 'image', 'image/png');
    const last = await makeMedia(tmp.dir, 'image', 'image/png');
    await runToEnd(adapter, request(seedance, { prompt: 'walks', image: first, last_frame_image: last, duration: 5 }), makeCtx(tmp.dir));
    const body = byRoute(fake.requests, 'create')[0]?.json as { input: Record<string, unknown> };
    expect(body.input.image).toMatch(/\/v1\/files\//);
    expect(body.input.last_frame_image).toMatch(/\/v1\/files\//);
    expect(body.input.image).not.toBe(body.input.last_frame_image);
  });

  it('progress is read from tqdm logs', async () => {
    const op = await adapter.start(request(seedance, { prompt: 'x' }), makeCtx(tmp.dir));
    const id = op.kind === 'operation' ? op.operationId : '';
    expect(await adapter.poll(id, request(seedance, {}), makeCtx(tmp.dir))).toMatchObject({ state: 'running', progress: 0 });
    expect(await adapter.poll(id, request(seedance, {}), makeCtx(tmp.dir))).toMatchObject({ state: 'running', progress: 0.4 });
    expect(progressFromLogs('a 10%|█ b\n 85%|████████')).toBe(0.85);
  });

  it('failed with an NSFW error is safety_blocked; other failures are provider_error', async () => {
    fake.setScenario({ outcome: 'failed', error: 'NSFW content detected. Try running it again, or try a different prompt.' });
    expect((await failure(() => runToEnd(adapter, request(seedance, { prompt: 'x' }), makeCtx(tmp.dir)))).code).toBe('safety_blocked');
    fake.setScenario({ outcome: 'failed', error: 'CUDA out of memory' });
    const err = await failure(() => runToEnd(adapter, request(seedance, { prompt: 'x' }), makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_error');
    expect(err.message).toContain('CUDA out of memory');
  });

  it('canceled and aborted are canceled', async () => {
    fake.setScenario({ outcome: 'aborted' });
    expect((await failure(() => runToEnd(adapter, request(seedance, { prompt: 'x' }), makeCtx(tmp.dir)))).code).toBe('canceled');
    fake.setScenario({ pollsBeforeDone: 5 });
    const op = await adapter.start(request(seedance, { prompt: 'x' }), makeCtx(tmp.dir));
    const id = op.kind === 'operation' ? op.operationId : '';
    await adapter.cancel(id, request(seedance, {}), makeCtx(tmp.dir));
    expect(byRoute(fake.requests, 'cancel')[0]?.path).toBe(`/v1/predictions/${id}/cancel`);
    expect(await adapter.poll(id, request(seedance, {}), makeCtx(tmp.dir))).toMatchObject({ state: 'failed', error: { code: 'canceled' } });
  });

  it('a data: URI output is bytes (nothing fetched)', async () => {
    fake.setScenario({ pollsBeforeDone: 0, outputUrls: ['data:image/png;base64,' + Buffer.from('PNGDATA').toString('base64')] });
    const [out] = await runToEnd(adapter, request(seedance, { prompt: 'x' }), makeCtx(tmp.dir));
    expect(out).toEqual({ kind: 'bytes', data: Buffer.from('PNGDATA'), mime: 'image/png' });
  });

  it('succeeded with data_removed is a clear error', async () => {
    fake.setScenario({ dataRemoved: true, pollsBeforeDone: 0 });
    const err = await failure(() => runToEnd(adapter, request(seedance, { prompt: 'x' }), makeCtx(tmp.dir)));
    expect(err.message).toMatch(/already removed/);
  });

  it('429 on create with Retry-After is retried after the delay, exactly one prediction is created', async () => {
    fake.fail('create', {
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '1' },
      body: { detail: 'Request was throttled. Your rate limit resets in ~1s.', status: 429 },
    });
    const before = fake.predictions.size;
    const { sleep, waits } = recordingSleep();
    const timed = createReplicateAdapter(configFor({ REPLICATE_BASE_URL: fake.url, REPLICATE_API_TOKEN: SECRETS.replicate }), {
      ...FAST,
      sleep,
      random: () => 0,
    });
    await timed.start(request(seedance, { prompt: 'x' }), makeCtx(tmp.dir));
    expect(waits).toEqual([1000]);
    expect(byRoute(fake.requests, 'create')).toHaveLength(2);
    expect(fake.predictions.size - before).toBe(1);
  });

  it('a network error on create is not retried (no double prediction)', async () => {
    fake.fail('create', { kind: 'destroy' });
    expect((await failure(() => adapter.start(request(seedance, { prompt: 'x' }), makeCtx(tmp.dir)))).code).toBe('provider_unavailable');
    expect(byRoute(fake.requests, 'create')).toHaveLength(1);
  });

  it('500 then success on a poll', async () => {
    fake.setScenario({ pollsBeforeDone: 0 });
    fake.fail('poll', { kind: 'status', status: 500, body: { detail: 'Internal Server Error' } });
    expect(await runToEnd(adapter, request(seedance, { prompt: 'x' }), makeCtx(tmp.dir))).toHaveLength(1);
    expect(byRoute(fake.requests, 'poll')).toHaveLength(2);
  });

  it('a poll that hangs times out', async () => {
    const slow = createReplicateAdapter(configFor({ REPLICATE_BASE_URL: fake.url, REPLICATE_API_TOKEN: SECRETS.replicate }), {
      ...FAST,
      timeoutMs: 200,
      retry: { maxRetries: 1, baseDelayMs: 5 },
    });
    const op = await slow.start(request(seedance, { prompt: 'x' }), makeCtx(tmp.dir));
    fake.fail('poll', { kind: 'hang' }, 2);
    const err = await failure(() => slow.poll(op.kind === 'operation' ? op.operationId : '', request(seedance, {}), makeCtx(tmp.dir)));
    expect(err.code).toBe('timeout');
  });

  it('a malformed poll reply is a clear error', async () => {
    const op = await adapter.start(request(seedance, { prompt: 'x' }), makeCtx(tmp.dir));
    fake.fail('poll', { kind: 'malformed' });
    const err = await failure(() => adapter.poll(op.kind === 'operation' ? op.operationId : '', request(seedance, {}), makeCtx(tmp.dir)));
    expect(err).toMatchObject({
      code: 'provider_error',
      message: expect.stringMatching(/Replicate sent a reply to get the prediction that studio-mcp cannot read/),
    });
  });

  it('422 from create is invalid_input with the summarised detail', async () => {
    fake.fail('create', {
      kind: 'status',
      status: 422,
      body: { title: 'Input validation failed', status: 422, detail: '- input.duration: Must be less than or equal to 12' },
    });
    const err = await failure(() => adapter.start(request(seedance, { prompt: 'x', duration: 99 }), makeCtx(tmp.dir)));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toContain('input.duration: Must be less than or equal to 12');
  });

  it('a download that breaks half way leaves no file', async () => {
    fake.setScenario({ pollsBeforeDone: 0 });
    const [out] = await runToEnd(adapter, request(seedance, { prompt: 'x' }), makeCtx(tmp.dir));
    fake.fail('output', { kind: 'break' }, 10);
    const dest = path.join(tmp.dir, 'broken.mp4');
    const err = await failure(() => adapter.download(out!, dest, makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_unavailable');
    expect(existsSync(dest)).toBe(false);
  });

  it('an expired output URL (after 1 hour at Replicate) is a clear error', async () => {
    fake.setScenario({ pollsBeforeDone: 0, outputTtlMs: 20 });
    const [out] = await runToEnd(adapter, request(seedance, { prompt: 'x' }), makeCtx(tmp.dir));
    await new Promise((r) => setTimeout(r, 50));
    const err = await failure(() => adapter.download(out!, path.join(tmp.dir, 'late.mp4'), makeCtx(tmp.dir)));
    expect(err.message).toMatch(/no longer available/);
  });

  it('a bad token: provider_unavailable naming REPLICATE_API_TOKEN, token never in the message', async () => {
    fake.setScenario({ token: 'r8_the_right_one' });
    const err = await failure(() => adapter.start(request(seedance, { prompt: 'x' }), makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_unavailable');
    expect(err.message).toContain('REPLICATE_API_TOKEN');
    expect(leaks(JSON.stringify({ m: err.message, d: err.details }))).toEqual([]);
  });

  it('without a token: not available, and start says which env var to set without calling out', async () => {
    const none = createReplicateAdapter(configFor({ REPLICATE_BASE_URL: fake.url }), FAST);
    expect(none.availability()).toMatchObject({ available: false, env: ['REPLICATE_API_TOKEN'] });
    const err = await failure(() => none.start(request(seedance, { prompt: 'x' }), makeCtx(tmp.dir)));
    expect(err.message).toContain('REPLICATE_API_TOKEN');
    expect(fake.requests).toHaveLength(0);
  });

  it('describeModel reads GET /models/{owner}/{name} and converts its openapi schema', async () => {
    const cap = await adapter.describeModel('bytedance/seedream-4', makeCtx(tmp.dir), seedream);
    const [get] = byRoute(fake.requests, 'model');
    expect(get?.method).toBe('GET');
    expect(get?.path).toBe('/v1/models/bytedance/seedream-4');
    expect(get?.headers.authorization).toBe(`Bearer ${SECRETS.replicate}`);
    expect(cap.provider_model).toBe('bytedance/seedream-4');
    expect(Object.keys(cap.fields)).toEqual(expect.arrayContaining(['prompt', 'image_input', 'size', 'aspect_ratio']));
  });

  it('describeModel of an unknown model is not_found', async () => {
    const err = await failure(() => adapter.describeModel('nobody/nothing', makeCtx(tmp.dir)));
    expect(err.code).toBe('not_found');
  });
});
