import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWavespeedAdapter } from '../../src/providers/wavespeed.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { byRoute, fakeBytes } from '../fakes/base.js';
import { startWavespeedFake, type WavespeedFake } from '../fakes/wavespeed.js';
import { capability, configFor, FAST, failure, leaks, makeCtx, makeMedia, request, runToEnd, SECRETS, type TestDir, tempDir } from './helpers.js';

const imageMode = capability({
  provider: 'wavespeed',
  provider_model: 'wavespeed-ai/infinitetalk',
  adapter: 'wavespeed',
  task: 'lipsync_image',
  fields: {
    image: { role: 'image', media: 'image', schema: { type: 'string' }, required: true },
    audio: { role: 'audio', media: 'audio', schema: { type: 'string' }, required: true },
    prompt: { role: 'prompt', schema: { type: 'string' } },
    resolution: { schema: { type: 'string', enum: ['480p', '720p'] } },
    seed: { role: 'seed', schema: { type: 'integer' } },
  },
});

const videoMode = capability({
  provider: 'wavespeed',
  provider_model: 'wavespeed-ai/infinitetalk/video-to-video',
  adapter: 'wavespeed',
  task: 'lipsync_video',
  fields: {
    video: { role: 'video', media: 'video', schema: { type: 'string' }, required: true },
    audio: { role: 'audio', media: 'audio', schema: { type: 'string' }, required: true },
    resolution: { schema: { type: 'string' } },
  },
});

describe('wavespeed adapter', () => {
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
    fake.setScenario({});
    tmp = await tempDir();
    adapter = createWavespeedAdapter(configFor({ WAVESPEED_BASE_URL: fake.url, WAVESPEED_API_KEY: SECRETS.wavespeed }), FAST);
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('image mode: uploads image and audio, submits the JSON body with download URLs, polls, downloads', async () => {
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/mpeg');
    fake.setScenario({ pollsBeforeDone: 2 });
    const ctx = makeCtx(tmp.dir);
    const outputs = await runToEnd(adapter, request(imageMode, { image, audio, prompt: 'talks calmly', resolution: '720p', seed: 7 }), ctx);

    const uploads = byRoute(fake.requests, 'upload');
    expect(uploads).toHaveLength(2);
    for (const u of uploads) {
      expect(u.method).toBe('POST');
      expect(u.path).toBe('/api/v3/media/upload/binary');
      expect(u.headers.authorization).toBe(`Bearer ${SECRETS.wavespeed}`);
      expect(u.parts?.map((p) => p.name)).toEqual(['file']);
      // Local file names never leave the machine: the part is named after the media id.
      expect(u.parts?.[0]?.filename).toMatch(/^med_(image|audio)_\d+\.(png|mp3)$/);
    }
    expect(uploads[0]?.parts?.[0]?.data.equals(await readFile(image.path))).toBe(true);

    const [create] = byRoute(fake.requests, 'create');
    expect(create?.path).toBe('/api/v3/wavespeed-ai/infinitetalk');
    expect(create?.headers['content-type']).toBe('application/json');
    expect(create?.json).toEqual({
      image: expect.stringMatching(new RegExp(`^${fake.origin}/media/.+\\.png$`)),
      audio: expect.stringMatching(new RegExp(`^${fake.origin}/media/.+\\.mp3$`)),
      prompt: 'talks calmly',
      resolution: '720p',
      seed: 7,
    });
    expect(create?.json).not.toHaveProperty('enable_sync_mode');

    const polls = byRoute(fake.requests, 'poll');
    expect(polls).toHaveLength(3);
    expect(polls[0]?.method).toBe('GET');
    expect(polls[0]?.path).toMatch(/^\/api\/v3\/predictions\/[0-9a-f]+\/result$/);

    expect(outputs).toHaveLength(1);
    const out = outputs[0];
    expect(out?.kind).toBe('url');
    const dest = path.join(tmp.dir, 'out.mp4');
    const got = await adapter.download(out!, dest, ctx);
    expect(got.mime).toBe('video/mp4');
    const id = byRoute(fake.requests, 'poll')[0]?.path.split('/')[4];
    expect((await readFile(dest)).equals(fakeBytes(`wavespeed-${id}`))).toBe(true);
  });

  it('video mode: uploads the video and the audio and submits to the video-to-video path', async () => {
    const video = await makeMedia(tmp.dir, 'video', 'video/mp4');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/wav');
    await runToEnd(adapter, request(videoMode, { video, audio, resolution: '480p' }), makeCtx(tmp.dir));
    const [create] = byRoute(fake.requests, 'create');
    expect(create?.path).toBe('/api/v3/wavespeed-ai/infinitetalk/video-to-video');
    expect(create?.json).toEqual({
      video: expect.stringMatching(/\/media\/.+\.mp4$/),
      audio: expect.stringMatching(/\/media\/.+\.wav$/),
      resolution: '480p',
    });
    expect(byRoute(fake.requests, 'upload').map((u) => u.parts?.[0]?.contentType)).toEqual(['video/mp4', 'audio/wav']);
  });

  it('a failed task answered with HTTP 200 and code 1200 is safety_blocked', async () => {
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/mpeg');
    fake.setScenario({ outcome: 'failed', failCode: 1200 });
    const err = await failure(() => runToEnd(adapter, request(imageMode, { image, audio }), makeCtx(tmp.dir)));
    expect(err.code).toBe('safety_blocked');
  });

  it.each([
    [1401, 'invalid_input'],
    [1402, 'invalid_input'],
    [5003, 'provider_unavailable'],
  ])('failed task code %i → %s', async (code, expected) => {
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/mpeg');
    fake.setScenario({ outcome: 'failed', failCode: code, failError: 'something went wrong' });
    const err = await failure(() => runToEnd(adapter, request(imageMode, { image, audio }), makeCtx(tmp.dir)));
    expect(err.code).toBe(expected);
  });

  it('an envelope code other than 200 is an error even with HTTP 200', async () => {
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/mpeg');
    fake.setScenario({ envelopeError: { code: 400, message: 'resolution must be 480p or 720p' } });
    const err = await failure(() => adapter.start(request(imageMode, { image, audio }), makeCtx(tmp.dir)));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toContain('resolution must be 480p or 720p');
  });

  it('cancelled and timeout are terminal', async () => {
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/mpeg');
    fake.setScenario({ outcome: 'cancelled' });
    expect((await failure(() => runToEnd(adapter, request(imageMode, { image, audio }), makeCtx(tmp.dir)))).code).toBe('canceled');
    fake.setScenario({ outcome: 'timeout' });
    expect((await failure(() => runToEnd(adapter, request(imageMode, { image, audio }), makeCtx(tmp.dir)))).code).toBe('timeout');
  });

  it('a 500 on a poll is retried and then succeeds', async () => {
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/mpeg');
    fake.setScenario({ pollsBeforeDone: 0 });
    fake.fail('poll', { kind: 'status', status: 500, body: { message: 'boom' } });
    const outputs = await runToEnd(adapter, request(imageMode, { image, audio }), makeCtx(tmp.dir));
    expect(outputs).toHaveLength(1);
    expect(byRoute(fake.requests, 'poll')).toHaveLength(2);
  });

  it('a 500 on submit is not retried (no double submission)', async () => {
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/mpeg');
    fake.fail('create', { kind: 'status', status: 502, body: { message: 'bad gateway' } });
    const err = await failure(() => adapter.start(request(imageMode, { image, audio }), makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_unavailable');
    expect(err.details?.retryable).toBe(true);
    expect(byRoute(fake.requests, 'create')).toHaveLength(1);
  });

  it('a malformed reply is a clear provider_error', async () => {
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/mpeg');
    const op = await adapter.start(request(imageMode, { image, audio }), makeCtx(tmp.dir));
    fake.fail('poll', { kind: 'malformed' });
    const err = await failure(() => adapter.poll(op.kind === 'operation' ? op.operationId : '', request(imageMode, {}), makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_error');
    expect(err.message).toMatch(/WaveSpeed sent a reply to get the task result that studio-mcp cannot read/);
  });

  it('an expired output URL is an error and leaves no file', async () => {
    fake.setScenario({ pollsBeforeDone: 0, outputTtlMs: 30 });
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/mpeg');
    const [out] = await runToEnd(adapter, request(imageMode, { image, audio }), makeCtx(tmp.dir));
    await new Promise((r) => setTimeout(r, 60));
    const dest = path.join(tmp.dir, 'expired.mp4');
    const err = await failure(() => adapter.download(out!, dest, makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_error');
    expect(err.message).toMatch(/no longer available \(HTTP 403\)/);
    expect(existsSync(dest)).toBe(false);
  });

  it('a wrong key: provider_unavailable naming WAVESPEED_API_KEY, and the key never appears in the message', async () => {
    fake.setScenario({ apiKey: 'the-right-key' });
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/mpeg');
    const err = await failure(() => adapter.start(request(imageMode, { image, audio }), makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_unavailable');
    expect(err.message).toContain('WAVESPEED_API_KEY');
    expect(leaks(err.message)).toEqual([]);
    expect(leaks(JSON.stringify(err))).toEqual([]);
  });

  it('availability and poll interval', () => {
    const none = createWavespeedAdapter(configFor({}), { env: {} });
    expect(none.availability()).toEqual({ available: false, reason: expect.any(String), env: ['WAVESPEED_API_KEY'] });
    expect(none.pollIntervalMs(request(videoMode, {}))).toBeGreaterThanOrEqual(5000);
    expect(adapter.availability()).toEqual({ available: true });
  });
});
