import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Capability } from '../../src/capabilities/types.js';
import type { ProviderAdapter, ProviderOutput } from '../../src/providers/types.js';
import { createVertexAdapter, type VertexDeps } from '../../src/providers/vertex.js';
import { byRoute, fakeBytes } from '../fakes/base.js';
import { GEMINI_IMAGE, startVertexFake, type VertexFake } from '../fakes/vertex.js';
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
const shipped = (rel: string): Capability => Capability.parse(JSON.parse(readFileSync(path.join(ROOT, 'capability-schemas', rel), 'utf8')));
const veo = shipped('vertex/veo-3.1-generate-001.json');
const geminiPro = shipped('vertex/gemini-3-pro-image.json');
const gemini25 = shipped('vertex/gemini-2.5-flash-image.json');

const PROJECT = 'film-project';
const MODEL_PATH = `/v1/projects/${PROJECT}/locations/us-central1/publishers/google/models/veo-3.1-generate-001`;

describe('vertex adapter', () => {
  let fake: VertexFake;
  let tmp: TestDir;
  let adapter: ProviderAdapter;
  let deps: VertexDeps;

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
    deps = { ...FAST, getAccessToken: async () => SECRETS.googleToken, storageBaseUrl: fake.url };
    adapter = createVertexAdapter(configFor({ VERTEX_BASE_URL: fake.url, GOOGLE_CLOUD_PROJECT: PROJECT, GOOGLE_CLOUD_LOCATION: 'us-central1' }), deps);
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  const b64 = async (p: string): Promise<string> => (await readFile(p)).toString('base64');

  it('Veo image + lastFrame: predictLongRunning with REST Image objects, fetchPredictOperation polling, inline bytes output', async () => {
    const first = await makeMedia(tmp.dir, 'image', 'image/png');
    const last = await makeMedia(tmp.dir, 'image', 'image/jpeg');
    fake.setScenario({ token: SECRETS.googleToken, pollsBeforeDone: 2 });
    const ctx = makeCtx(tmp.dir);
    const outputs = await runToEnd(adapter, request(veo, { prompt: 'she turns around', image: first, lastFrame: last, durationSeconds: 8 }), ctx);

    const [start] = byRoute(fake.requests, 'veo-start');
    expect(start?.method).toBe('POST');
    expect(start?.path).toBe(`${MODEL_PATH}:predictLongRunning`);
    expect(start?.headers.authorization).toBe(`Bearer ${SECRETS.googleToken}`);
    expect(start?.headers['content-type']).toBe('application/json');
    expect(start?.json).toEqual({
      instances: [
        {
          prompt: 'she turns around',
          image: { bytesBase64Encoded: await b64(first.path), mimeType: 'image/png' },
          lastFrame: { bytesBase64Encoded: await b64(last.path), mimeType: 'image/jpeg' },
        },
      ],
      parameters: { durationSeconds: 8, sampleCount: 1 },
    });

    const polls = byRoute(fake.requests, 'veo-poll');
    expect(polls).toHaveLength(3);
    const opName = [...fake.operations.keys()].at(-1);
    expect(polls[0]?.path).toBe(`${MODEL_PATH}:fetchPredictOperation`);
    expect(polls[0]?.json).toEqual({ operationName: opName });
    expect(polls[0]?.headers.authorization).toBe(`Bearer ${SECRETS.googleToken}`);

    expect(outputs).toHaveLength(1);
    const out = outputs[0] as Extract<ProviderOutput, { kind: 'bytes' }>;
    expect(out.kind).toBe('bytes');
    expect(out.mime).toBe('video/mp4');
    expect(out.data.equals(fakeBytes(`veo-${opName}-0`))).toBe(true);
    const dest = path.join(tmp.dir, 'veo.mp4');
    expect(await adapter.download(out, dest, ctx)).toEqual({ mime: 'video/mp4' });
    expect((await readFile(dest)).equals(out.data)).toBe(true);
  });

  it('Veo with 3 asset reference images: {image, referenceType: "asset"} items', async () => {
    const refs = [
      await makeMedia(tmp.dir, 'image', 'image/png'),
      await makeMedia(tmp.dir, 'image', 'image/png'),
      await makeMedia(tmp.dir, 'image', 'image/jpeg'),
    ];
    await runToEnd(adapter, request(veo, { prompt: 'the hero walks', referenceImages: refs, durationSeconds: 8, aspectRatio: '16:9' }), makeCtx(tmp.dir));
    const [start] = byRoute(fake.requests, 'veo-start');
    expect(start?.json).toEqual({
      instances: [
        {
          prompt: 'the hero walks',
          referenceImages: await Promise.all(
            refs.map(async (r) => ({ image: { bytesBase64Encoded: await b64(r.path), mimeType: r.mime }, referenceType: 'asset' })),
          ),
        },
      ],
      parameters: { durationSeconds: 8, aspectRatio: '16:9', sampleCount: 1 },
    });
  });

  it('Veo text-only with resolution, durationSeconds, aspectRatio, generateAudio and seed', async () => {
    await runToEnd(
      adapter,
      request(veo, { prompt: 'a storm over the sea', resolution: '720p', durationSeconds: 6, aspectRatio: '9:16', generateAudio: false, seed: 1234 }),
      makeCtx(tmp.dir),
    );
    expect(byRoute(fake.requests, 'veo-start')[0]?.json).toEqual({
      instances: [{ prompt: 'a storm over the sea' }],
      parameters: { resolution: '720p', durationSeconds: 6, aspectRatio: '9:16', generateAudio: false, seed: 1234, sampleCount: 1 },
    });
  });

  it('a wildcard path can set the reference type (adding a model is adding a file)', async () => {
    const styleCap = capability({
      provider: 'vertex',
      provider_model: 'veo-2.0-generate-exp',
      adapter: 'vertex-veo',
      fields: {
        prompt: { role: 'prompt', schema: { type: 'string' } },
        style: { role: 'reference_images', media: 'image', path: 'instances.0.referenceImages', schema: { type: 'array' } },
        referenceType: { hidden: true, path: 'instances.0.referenceImages.*.referenceType', schema: { type: 'string' } },
      },
    });
    const ref = await makeMedia(tmp.dir, 'image', 'image/png');
    await runToEnd(adapter, request(styleCap, { prompt: 'p', style: [ref], referenceType: 'style' }), makeCtx(tmp.dir));
    const body = byRoute(fake.requests, 'veo-start')[0]?.json as { instances: Array<{ referenceImages: Array<{ referenceType: string }> }> };
    expect(body.instances[0]?.referenceImages[0]?.referenceType).toBe('style');
  });

  it('Veo with storageUri: gcsUri output downloaded through the GCS JSON API with the bearer token', async () => {
    const gcsAdapter = createVertexAdapter(configFor({ VERTEX_BASE_URL: fake.url, GOOGLE_CLOUD_PROJECT: PROJECT }), {
      ...deps,
      env: { VERTEX_STORAGE_URI: 'gs://my-bucket/studio/' },
    });
    const ctx = makeCtx(tmp.dir);
    const [out] = await runToEnd(gcsAdapter, request(veo, { prompt: 'x' }), ctx);
    expect(byRoute(fake.requests, 'veo-start')[0]?.json).toMatchObject({ parameters: { storageUri: 'gs://my-bucket/studio/' } });
    expect(out).toEqual({ kind: 'gcs', uri: 'gs://my-bucket/studio/1700000000000/sample_0.mp4', mime: 'video/mp4' });
    const dest = path.join(tmp.dir, 'gcs.mp4');
    expect(await gcsAdapter.download(out!, dest, ctx)).toEqual({ mime: 'video/mp4' });
    const [get] = byRoute(fake.requests, 'gcs');
    expect(get?.path).toBe(`/storage/v1/b/my-bucket/o/${encodeURIComponent('studio/1700000000000/sample_0.mp4')}`);
    expect(get?.query).toEqual({ alt: 'media' });
    expect(get?.headers.authorization).toBe(`Bearer ${SECRETS.googleToken}`);
    expect((await readFile(dest)).equals(fake.objects.get('my-bucket/studio/1700000000000/sample_0.mp4')!)).toBe(true);
  });

  it('Veo RAI filtering (done, zero videos, raiMediaFilteredCount) is safety_blocked with the reasons', async () => {
    fake.setScenario({ token: SECRETS.googleToken, veo: 'rai', raiReasons: ['Support codes: 58061214 (child safety)'] });
    const err = await failure(() => runToEnd(adapter, request(veo, { prompt: 'x' }), makeCtx(tmp.dir)));
    expect(err.code).toBe('safety_blocked');
    expect(err.message).toContain('58061214');
  });

  it('Veo operation error maps by google.rpc code', async () => {
    fake.setScenario({ token: SECRETS.googleToken, veo: 'error', opError: { code: 3, message: 'Your use case is currently not supported.' } });
    const e1 = await failure(() => runToEnd(adapter, request(veo, { prompt: 'x' }), makeCtx(tmp.dir)));
    expect(e1.code).toBe('invalid_input');
    expect(e1.message).toContain('Your use case is currently not supported.');
    fake.setScenario({ token: SECRETS.googleToken, veo: 'error', opError: { code: 3, message: 'The input image violates Responsible AI practices.' } });
    expect((await failure(() => runToEnd(adapter, request(veo, { prompt: 'x' }), makeCtx(tmp.dir)))).code).toBe('safety_blocked');
    fake.setScenario({ token: SECRETS.googleToken, veo: 'error', opError: { code: 13, message: 'Internal error.' } });
    const e3 = await failure(() => runToEnd(adapter, request(veo, { prompt: 'x' }), makeCtx(tmp.dir)));
    expect(e3).toMatchObject({ code: 'provider_unavailable', details: { retryable: true } });
  });

  it('a 400 INVALID_ARGUMENT on start is invalid_input with the Google message', async () => {
    const lastOnly = await makeMedia(tmp.dir, 'image', 'image/png');
    const err = await failure(() => adapter.start(request(veo, { prompt: 'x', lastFrame: lastOnly }), makeCtx(tmp.dir)));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toContain('lastFrame requires image');
  });

  it('500 then success on fetchPredictOperation', async () => {
    fake.setScenario({ token: SECRETS.googleToken, pollsBeforeDone: 0 });
    fake.fail('veo-poll', { kind: 'status', status: 503, body: { error: { code: 503, message: 'unavailable', status: 'UNAVAILABLE' } } });
    expect(await runToEnd(adapter, request(veo, { prompt: 'x' }), makeCtx(tmp.dir))).toHaveLength(1);
    expect(byRoute(fake.requests, 'veo-poll')).toHaveLength(2);
  });

  it('429 RESOURCE_EXHAUSTED on start is retried after Retry-After, one operation created', async () => {
    fake.fail('veo-start', {
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } },
    });
    const before = fake.operations.size;
    const { sleep, waits } = recordingSleep();
    const timed = createVertexAdapter(configFor({ VERTEX_BASE_URL: fake.url, GOOGLE_CLOUD_PROJECT: PROJECT, GOOGLE_CLOUD_LOCATION: 'us-central1' }), {
      ...deps,
      sleep,
      random: () => 0,
    });
    await timed.start(request(veo, { prompt: 'x' }), makeCtx(tmp.dir));
    expect(waits).toEqual([1000]);
    expect(byRoute(fake.requests, 'veo-start')).toHaveLength(2);
    expect(fake.operations.size - before).toBe(1);
  });

  it('a malformed operation reply is a clear error; a hang is a timeout', async () => {
    const op = await adapter.start(request(veo, { prompt: 'x' }), makeCtx(tmp.dir));
    const id = op.kind === 'operation' ? op.operationId : '';
    fake.fail('veo-poll', { kind: 'malformed' });
    expect(await failure(() => adapter.poll(id, request(veo, {}), makeCtx(tmp.dir)))).toMatchObject({
      code: 'provider_error',
      message: expect.stringContaining('cannot read'),
    });
    const slow = createVertexAdapter(configFor({ VERTEX_BASE_URL: fake.url, GOOGLE_CLOUD_PROJECT: PROJECT }), {
      ...deps,
      timeoutMs: 150,
      retry: { maxRetries: 0 },
    });
    fake.fail('veo-poll', { kind: 'hang' });
    expect((await failure(() => slow.poll(id, request(veo, {}), makeCtx(tmp.dir)))).code).toBe('timeout');
  });

  it('a GCS download that breaks half way leaves no file', async () => {
    const gcsAdapter = createVertexAdapter(configFor({ VERTEX_BASE_URL: fake.url, GOOGLE_CLOUD_PROJECT: PROJECT }), {
      ...deps,
      env: { VERTEX_STORAGE_URI: 'gs://b/p/' },
    });
    const [out] = await runToEnd(gcsAdapter, request(veo, { prompt: 'x' }), makeCtx(tmp.dir));
    fake.fail('gcs', { kind: 'break' }, 10);
    const dest = path.join(tmp.dir, 'broken.mp4');
    expect((await failure(() => gcsAdapter.download(out!, dest, makeCtx(tmp.dir)))).code).toBe('provider_unavailable');
    expect(existsSync(dest)).toBe(false);
  });

  it('Gemini 3 Pro image: global location, text part then inlineData reference parts, generationConfig', async () => {
    const r1 = await makeMedia(tmp.dir, 'image', 'image/png');
    const r2 = await makeMedia(tmp.dir, 'image', 'image/webp');
    const r = await adapter.start(
      request(geminiPro, { prompt: 'the same woman, now in a red coat', reference_images: [r1, r2], aspectRatio: '16:9', imageSize: '2K' }),
      makeCtx(tmp.dir),
    );
    const [call] = byRoute(fake.requests, 'gemini');
    expect(call?.path).toBe(`/v1/projects/${PROJECT}/locations/global/publishers/google/models/gemini-3-pro-image:generateContent`);
    expect(call?.headers.authorization).toBe(`Bearer ${SECRETS.googleToken}`);
    expect(call?.json).toEqual({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'the same woman, now in a red coat' },
            { inlineData: { mimeType: 'image/png', data: await b64(r1.path) } },
            { inlineData: { mimeType: 'image/webp', data: await b64(r2.path) } },
          ],
        },
      ],
      generationConfig: { imageConfig: { aspectRatio: '16:9', imageSize: '2K' }, responseModalities: ['TEXT', 'IMAGE'], candidateCount: 1 },
    });
    expect(r.kind).toBe('done');
    const out = r.kind === 'done' ? (r.outputs[0] as Extract<ProviderOutput, { kind: 'bytes' }>) : undefined;
    expect(out?.mime).toBe('image/png');
    expect(out?.data.equals(GEMINI_IMAGE)).toBe(true);
  });

  it('Gemini 2.5 flash image uses the configured region', async () => {
    await adapter.start(request(gemini25, { prompt: 'a cat' }), makeCtx(tmp.dir));
    expect(byRoute(fake.requests, 'gemini')[0]?.path).toBe(
      `/v1/projects/${PROJECT}/locations/us-central1/publishers/google/models/gemini-2.5-flash-image:generateContent`,
    );
  });

  it('Gemini: the last non-thought image wins over draft thought images', async () => {
    fake.setScenario({ token: SECRETS.googleToken, gemini: 'thought-then-image' });
    const r = await adapter.start(request(geminiPro, { prompt: 'x' }), makeCtx(tmp.dir));
    const out = r.kind === 'done' ? (r.outputs[0] as Extract<ProviderOutput, { kind: 'bytes' }>) : undefined;
    expect(out?.data.equals(GEMINI_IMAGE)).toBe(true);
  });

  it.each([
    ['safety', 'safety_blocked', /IMAGE_SAFETY/],
    ['prompt-blocked', 'safety_blocked', /PROHIBITED_CONTENT/],
    ['text-only', 'provider_error', /I can only describe it in words/],
  ] as const)('Gemini %s → %s', async (scenario, code, message) => {
    fake.setScenario({ token: SECRETS.googleToken, gemini: scenario });
    const err = await failure(() => adapter.start(request(geminiPro, { prompt: 'x' }), makeCtx(tmp.dir)));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('a 500 on generateContent is not retried (each accepted call bills)', async () => {
    fake.fail('gemini', { kind: 'status', status: 500, body: { error: { code: 500, message: 'Internal', status: 'INTERNAL' } } });
    expect((await failure(() => adapter.start(request(geminiPro, { prompt: 'x' }), makeCtx(tmp.dir)))).code).toBe('provider_unavailable');
    expect(byRoute(fake.requests, 'gemini')).toHaveLength(1);
  });

  it('API key mode sends x-goog-api-key and no bearer token', async () => {
    fake.setScenario({ apiKey: SECRETS.google });
    const keyed = createVertexAdapter(configFor({ VERTEX_BASE_URL: fake.url, GOOGLE_CLOUD_PROJECT: PROJECT, GOOGLE_API_KEY: SECRETS.google }), { ...FAST });
    await keyed.start(request(geminiPro, { prompt: 'x' }), makeCtx(tmp.dir));
    const [call] = byRoute(fake.requests, 'gemini');
    expect(call?.headers['x-goog-api-key']).toBe(SECRETS.google);
    expect(call?.headers.authorization).toBeUndefined();
  });

  it('bad credentials: provider_unavailable naming the env vars, and no token or key in the message', async () => {
    fake.setScenario({ token: 'ya29.the-right-token' });
    const err = await failure(() => adapter.start(request(veo, { prompt: 'x' }), makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_unavailable');
    expect(err.message).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
    expect(leaks(JSON.stringify({ m: err.message, d: err.details }))).toEqual([]);
    const noToken = createVertexAdapter(configFor({ VERTEX_BASE_URL: fake.url, GOOGLE_CLOUD_PROJECT: PROJECT }), {
      ...FAST,
      getAccessToken: async () => {
        throw new Error(`could not load /home/me/key.json for ${SECRETS.googleToken}`);
      },
    });
    const e2 = await failure(() => noToken.start(request(veo, { prompt: 'x' }), makeCtx(tmp.dir)));
    expect(e2.code).toBe('provider_unavailable');
    expect(e2.message).not.toContain('/home/me');
    expect(leaks(e2.message)).toEqual([]);
  });

  it('availability: project and credentials', () => {
    const none = createVertexAdapter(configFor({}), { env: { CLOUDSDK_CONFIG: '/nonexistent' } });
    expect(none.availability()).toMatchObject({ available: false, env: ['GOOGLE_CLOUD_PROJECT', 'GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_API_KEY'] });
    const noCreds = createVertexAdapter(configFor({ GOOGLE_CLOUD_PROJECT: 'p' }), { env: { CLOUDSDK_CONFIG: '/nonexistent' } });
    expect(noCreds.availability()).toMatchObject({ available: false, env: ['GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_API_KEY'] });
    const ok = createVertexAdapter(configFor({ GOOGLE_CLOUD_PROJECT: 'p', GOOGLE_APPLICATION_CREDENTIALS: '/x.json' }), { env: {} });
    expect(ok.availability()).toEqual({ available: true });
    expect(ok.pollIntervalMs(request(veo, {}))).toBeGreaterThanOrEqual(10_000);
  });
});
