import type { StudioConfig } from '../config.js';
import type { ProviderAdapter } from './types.js';
import { createElevenLabsAdapter } from './elevenlabs.js';
import { createReplicateAdapter } from './replicate.js';
import { createVertexAdapter, type VertexDeps } from './vertex.js';
import { createWavespeedAdapter } from './wavespeed.js';

export type { AdapterDeps } from './common.js';
export type { VertexDeps } from './vertex.js';

/** STUDIO_POLL_INTERVAL_MS, when set to a positive number, overrides every adapter's polling cadence. */
export function pollIntervalFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const n = Number(env.STUDIO_POLL_INTERVAL_MS);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * The real provider adapters keyed by provider name (`vertex`, `replicate`, `elevenlabs`, `wavespeed`).
 * `local` is added by the studio from ./local.js. Creating them never touches the network; `availability()`
 * says which ones have credentials.
 */
export function createAdapters(config: StudioConfig, deps: VertexDeps = {}): Map<string, ProviderAdapter> {
  const env = deps.env ?? process.env;
  const d: VertexDeps = { ...deps, env, pollIntervalMs: deps.pollIntervalMs ?? pollIntervalFromEnv(env) };
  const adapters: ProviderAdapter[] = [
    createVertexAdapter(config, d),
    createReplicateAdapter(config, d),
    createElevenLabsAdapter(config, d),
    createWavespeedAdapter(config, d),
  ];
  return new Map(adapters.map((a) => [a.provider, a]));
}
