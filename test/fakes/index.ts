import type { StartOptions } from './base.js';
import { type ElevenLabsFake, startElevenLabsFake } from './elevenlabs.js';
import { type ReplicateFake, startReplicateFake } from './replicate.js';
import { startVertexFake, type VertexFake } from './vertex.js';
import { startWavespeedFake, type WavespeedFake } from './wavespeed.js';

export * from './base.js';
export * from './elevenlabs.js';
export * from './replicate.js';
export * from './vertex.js';
export * from './wavespeed.js';

/** Fake API keys for end-to-end runs: recognisable, so tests can assert they never leak. */
export const FAKE_KEYS = {
  REPLICATE_API_TOKEN: 'r8_FAKEKEY_e2e_replicate_000000',
  ELEVENLABS_API_KEY: 'sk-FAKEKEY-e2e-elevenlabs-000000',
  WAVESPEED_API_KEY: 'sk-FAKEKEY-e2e-wavespeed-000000',
  GOOGLE_API_KEY: 'AIza-FAKEKEY-e2e-google-000000',
} as const;

export interface AllFakes {
  vertex: VertexFake;
  replicate: ReplicateFake;
  elevenlabs: ElevenLabsFake;
  wavespeed: WavespeedFake;
  /**
   * Environment for a studio server pointed at the fakes: base URLs, fake keys, a Google project, fast polling.
   * Vertex runs in API-key mode (`x-goog-api-key`), so no Google auth library call is ever made.
   */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Start one fake per provider on 127.0.0.1 and return them with the env that points a server at them. */
export async function startAllFakes(opts: StartOptions = {}): Promise<AllFakes> {
  const [vertex, replicate, elevenlabs, wavespeed] = await Promise.all([
    startVertexFake(opts),
    startReplicateFake(opts),
    startElevenLabsFake(opts),
    startWavespeedFake(opts),
  ]);
  return {
    vertex,
    replicate,
    elevenlabs,
    wavespeed,
    env: {
      VERTEX_BASE_URL: vertex.url,
      GCS_BASE_URL: vertex.url,
      GOOGLE_CLOUD_PROJECT: 'fake-project',
      GOOGLE_CLOUD_LOCATION: 'us-central1',
      REPLICATE_BASE_URL: replicate.url,
      ELEVENLABS_BASE_URL: elevenlabs.url,
      WAVESPEED_BASE_URL: wavespeed.url,
      STUDIO_POLL_INTERVAL_MS: '20',
      ...FAKE_KEYS,
    },
    async close() {
      await Promise.all([vertex.close(), replicate.close(), elevenlabs.close(), wavespeed.close()]);
    },
  };
}
