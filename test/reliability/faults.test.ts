import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { byRoute } from '../fakes/base.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startWavespeedFake, type WavespeedFake } from '../fakes/wavespeed.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';
import { fastAdapters, makeFixtures, type Fixtures } from '../security/helpers.js';

/**
 * Provider faults that must END a job rather than keep it (and the provider) busy: a terminal failure the provider
 * marks as retryable (WaveSpeed 5xxx, a task timeout) was polled again forever before the queue fix; a job that
 * never finishes is canceled at the provider after STUDIO_JOB_TIMEOUT_SECONDS.
 */

let ws: WavespeedFake;
let rep: ReplicateFake;
let fx: Fixtures;
let h: Harness;
let image = '';
let audio = '';

beforeAll(async () => {
  fx = await makeFixtures();
  [ws, rep] = await Promise.all([startWavespeedFake(), startReplicateFake()]);
  const home = tempDir('studio-faults-');
  const env = {
    STUDIO_HOME: home,
    STUDIO_ALLOWED_DIRS: fx.dir,
    WAVESPEED_API_KEY: 'ws_faults_0123456789',
    WAVESPEED_BASE_URL: ws.url,
    REPLICATE_API_TOKEN: 'r8_faults_0123456789',
    REPLICATE_BASE_URL: rep.url,
  };
  h = await startHarness({ home, env, studio: { adapters: fastAdapters(loadConfig(env)) } });
  image = ((await h.call('media_import', { path: fx.png })) as { media_id: string }).media_id;
  audio = ((await h.call('media_import', { path: fx.wav })) as { media_id: string }).media_id;
});

afterAll(async () => {
  await h.close();
  await Promise.all([ws.close(), rep.close()]);
});

describe('terminal provider failures end the job', () => {
  it.each([
    ['WaveSpeed internal failure (5001, retryable)', { outcome: 'failed' as const, failCode: 5001, failError: 'worker crashed' }, 'provider_unavailable'],
    ['WaveSpeed task timeout (retryable)', { outcome: 'timeout' as const }, 'timeout'],
    ['WaveSpeed moderation', { outcome: 'failed' as const, failCode: 1200, failError: 'flagged' }, 'safety_blocked'],
  ])('%s: fails at once, polled only until the provider said so', async (_l, scenario, code) => {
    ws.reset();
    ws.setScenario({ pollsBeforeDone: 1, ...scenario });
    const err = await h.callError('lipsync_image', { model: 'wavespeed/wavespeed-ai/infinitetalk', image, audio });
    expect(err.code).toBe(code);
    // One poll still running, one that reports the end: never polled again after the provider said it failed.
    expect(byRoute(ws.requests, 'poll')).toHaveLength(2);
  });

  it('a job the provider never finishes is given up after STUDIO_JOB_TIMEOUT_SECONDS and canceled there', async () => {
    const home = tempDir('studio-faults-timeout-');
    const env = { STUDIO_HOME: home, STUDIO_JOB_TIMEOUT_SECONDS: '1', REPLICATE_API_TOKEN: 'r8_faults_0123456789', REPLICATE_BASE_URL: rep.url };
    const t = await startHarness({ home, env, studio: { adapters: fastAdapters(loadConfig(env)) } });
    try {
      rep.reset();
      rep.setScenario({ pollsBeforeDone: 1_000_000 });
      const err = await t.callError('video_generate', { model: 'replicate/bytedance/seedance-1-lite', prompt: 'forever', duration: 5, resolution: '480p' });
      expect(err.code).toBe('timeout');
      expect(byRoute(rep.requests, 'cancel')).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
