import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { CapabilityRegistry } from './registry.js';
import { Pricing } from './types.js';

/**
 * Prices the user states for models whose provider publishes no price in our sources (STUDIO_PRICES names a JSON
 * file `{ "<model id>": <pricing as in a capability file> }`). Without a price a model's calls count as unpriced,
 * so a budget refuses them; with the price copied from the provider's model page the budget can admit them. The
 * file replaces the shipped price for the models it names and says so in the estimate's source.
 */
const PriceFile = z.record(z.string(), Pricing);

export class PriceFileError extends Error {
  constructor(file: string, problem: string) {
    super(`STUDIO_PRICES (${file}): ${problem}`);
    this.name = 'PriceFileError';
  }
}

/** Read and check the file; every problem names the model id and the field. */
export function readPriceOverrides(file: string): Record<string, Pricing> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PriceFileError(file, `cannot read it as JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = PriceFile.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PriceFileError(file, `expected { "<model id>": { "usd": number, "per": "second" | "image" | … } }; ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Put the file's prices on the models it names (an unknown id is refused with the ids of that provider). */
export function applyPriceOverrides(registry: CapabilityRegistry, prices: Record<string, Pricing>, file: string): void {
  for (const [id, pricing] of Object.entries(prices)) {
    if (!registry.get(id)) {
      const provider = id.split('/')[0] ?? '';
      const same = registry
        .list()
        .filter((c) => c.provider === provider)
        .map((c) => c.id);
      throw new PriceFileError(
        file,
        `unknown model '${id}'; known${same.length ? ` ${provider}` : ''} models: ${(same.length ? same : registry.list().map((c) => c.id)).join(', ')}`,
      );
    }
    registry.setPricing(id, { ...pricing, source: pricing.source ?? `STUDIO_PRICES (${path.basename(file)})` });
  }
}
