import type { Capability } from '../capabilities/types.js';
import { StudioError } from '../errors.js';

/** `capabilityFromReplicateModel` from the capability engine (src/capabilities/replicate-openapi.ts). */
export type ReplicateConverter = (modelJson: unknown, shipped?: Capability) => Capability;

// Loaded by a computed specifier: the converter belongs to the capability engine and is written separately; a
// static import would make this package fail to compile until it lands. Once it exists this is one dynamic
// import that Node caches.
const SPECIFIER = '../capabilities/replicate-openapi.js';

/** Load the Replicate openapi → capability converter, or explain that it is not there. */
export async function loadReplicateConverter(): Promise<ReplicateConverter> {
  let mod: unknown;
  try {
    mod = await import(SPECIFIER);
  } catch {
    throw new StudioError('internal', 'live Replicate model discovery is not available in this build (the openapi converter is missing)');
  }
  const fn = (mod as { capabilityFromReplicateModel?: unknown }).capabilityFromReplicateModel;
  if (typeof fn !== 'function') {
    throw new StudioError('internal', 'live Replicate model discovery is not available in this build (the openapi converter is missing)');
  }
  return fn as ReplicateConverter;
}
