import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElevenLabsAdapter } from '../../src/providers/elevenlabs.js';
import { createReplicateAdapter } from '../../src/providers/replicate.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { createVertexAdapter } from '../../src/providers/vertex.js';
import { createWavespeedAdapter } from '../../src/providers/wavespeed.js';
import { type AllFakes, startAllFakes } from '../fakes/index.js';
import { capability, configFor, FAST, failure, leaks, makeCtx, request, runToEnd, SECRETS, type TestDir, tempDir } from './helpers.js';

/**
 * Every failure path, with a provider that is hostile enough to echo our key back in its error bodies and task
 * errors: no message, no details, nothing serialised from the error may contain a key or token.
 */
describe('no secret ever reaches an error', () => {
  let fakes: AllFakes;
  let tmp: TestDir;
  let adapters: Record<'vertex' | 'replicate' | 'elevenlabs' | 'wavespeed', ProviderAdapter>;

  beforeAll(async () => {
    fakes = await startAllFakes();
    tmp = await tempDir();
    const config = configFor({
      VERTEX_BASE_URL: fakes.vertex.url,
      GOOGLE_CLOUD_PROJECT: 'p',
      GOOGLE_API_KEY: SECRETS.google,
      REPLICATE_BASE_URL: fakes.replicate.url,
      REPLICATE_API_TOKEN: SECRETS.replicate,
      ELEVENLABS_BASE_URL: fakes.elevenlabs.url,
      ELEVENLABS_API_KEY: SECRETS.elevenlabs,
      WAVESPEED_BASE_URL: fakes.wavespeed.url,
      WAVESPEED_API_KEY: SECRETS.wavespeed,
    });
    adapters = {
      vertex: createVertexAdapter(config, FAST),
      replicate: createReplicateAdapter(config, FAST),
      elevenlabs: createElevenLabsAdapter(config, FAST),
      wavespeed: createWavespeedAdapter(config, FAST),
    };
  });
  afterAll(async () => {
    await fakes.close();
    await tmp.cleanup();
  });

  const allSecrets = Object.values(SECRETS).join(' / ');
  const caps = {
    vertex: capability({
      provider: 'vertex',
      provider_model: 'veo-3.1-generate-001',
      adapter: 'vertex-veo',
      fields: { prompt: { role: 'prompt', schema: {} } },
    }),
    replicate: capability({ provider: 'replicate', provider_model: 'a/b', adapter: 'replicate', fields: { prompt: { role: 'prompt', schema: {} } } }),
    elevenlabs: capability({
      provider: 'elevenlabs',
      provider_model: 'eleven_v3',
      adapter: 'elevenlabs-tts',
      media_type: 'voice',
      task: 'voice_tts',
      output: { mime: 'audio/mpeg' },
      fields: { text: { role: 'text', schema: {} }, voice_id: { role: 'voice_id', path: 'url.voice_id', schema: {} } },
    }),
    wavespeed: capability({
      provider: 'wavespeed',
      provider_model: 'wavespeed-ai/infinitetalk',
      adapter: 'wavespeed',
      fields: { prompt: { role: 'prompt', schema: {} } },
    }),
  };
  const fields = {
    vertex: { prompt: 'x' },
    replicate: { prompt: 'x' },
    elevenlabs: { text: 'x', voice_id: '21m00Tcm4TlvDq8ikWAM' },
    wavespeed: { prompt: 'x' },
  };
  // ElevenLabs: a 404 from /with-timestamps falls back to the plain endpoint, which must echo (and be redacted) too.
  const routes = { vertex: ['veo-start'], replicate: ['create'], elevenlabs: ['tts', 'tts-plain'], wavespeed: ['create'] } as const;

  function assertClean(err: { message: string; details?: unknown; code?: string }): void {
    expect(leaks(err.message)).toEqual([]);
    expect(leaks(JSON.stringify(err.details ?? {}))).toEqual([]);
    expect(leaks(JSON.stringify(err))).toEqual([]);
  }

  for (const provider of ['vertex', 'replicate', 'elevenlabs', 'wavespeed'] as const) {
    it.each([400, 401, 403, 404, 422, 429, 500])(`${provider}: HTTP %i with every key echoed in the body`, async (status) => {
      const fake = fakes[provider];
      for (const route of routes[provider]) {
        fake.fail(
          route,
          { kind: 'status', status, body: { error: { message: `bad: ${allSecrets}` }, detail: `bad: ${allSecrets}`, message: `bad: ${allSecrets}` } },
          10,
        );
      }
      const err = await failure(() => adapters[provider].start(request(caps[provider], fields[provider]), makeCtx(tmp.dir)));
      fake.reset();
      assertClean(err);
    });
  }

  it('task failures whose error text echoes keys', async () => {
    fakes.replicate.setScenario({ outcome: 'failed', error: `boom with Bearer ${SECRETS.replicate} and ${allSecrets}`, pollsBeforeDone: 0 });
    assertClean(await failure(() => runToEnd(adapters.replicate, request(caps.replicate, fields.replicate), makeCtx(tmp.dir))));
    fakes.wavespeed.setScenario({ outcome: 'failed', failCode: 5000, failError: `boom ${allSecrets}`, pollsBeforeDone: 0 });
    assertClean(await failure(() => runToEnd(adapters.wavespeed, request(caps.wavespeed, fields.wavespeed), makeCtx(tmp.dir))));
    fakes.vertex.setScenario({ veo: 'error', opError: { code: 3, message: `boom key=${SECRETS.google} ${allSecrets}` }, pollsBeforeDone: 0 });
    assertClean(await failure(() => runToEnd(adapters.vertex, request(caps.vertex, fields.vertex), makeCtx(tmp.dir))));
    fakes.vertex.setScenario({ veo: 'rai', raiReasons: [`reason ${allSecrets}`], pollsBeforeDone: 0 });
    assertClean(await failure(() => runToEnd(adapters.vertex, request(caps.vertex, fields.vertex), makeCtx(tmp.dir))));
  });
});
