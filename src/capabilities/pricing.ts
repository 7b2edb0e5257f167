import { argFields, isGiven, schemaDefault } from './arg-fields.js';
import type { Capability } from './types.js';

/**
 * A cost estimate before a job is sent, from the capability file's pricing (list prices from the provider docs).
 * It is an estimate for budgets and for telling the agent what a call costs, never a bill: providers round,
 * discount and change prices.
 */

export interface CostEstimate {
  usd: number;
  /** How the number was reached, e.g. "8 s × $0.03/s (resolution='480p')". */
  basis: string;
}

export interface CostHints {
  /** Output seconds when the call does not say (lip-sync: the audio's length). */
  seconds?: number;
}

/** Fields that say how many images one call makes, by provider naming. */
const IMAGE_COUNT_FIELDS = ['sampleCount', 'numberOfImages', 'num_images', 'num_outputs', 'max_images', 'candidateCount'];

function valueOrDefault(cap: Capability, values: Record<string, unknown>, arg: string): unknown {
  return isGiven(values[arg]) ? values[arg] : schemaDefault(cap, arg);
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

function seconds(cap: Capability, values: Record<string, unknown>, hints: CostHints): number | undefined {
  if (hints.seconds !== undefined) return hints.seconds;
  const d = valueOrDefault(cap, values, 'duration');
  if (typeof d === 'number') return d;
  if (typeof d === 'string' && d.trim() !== '' && Number.isFinite(Number(d))) return Number(d);
  return cap.output.default_duration_seconds;
}

function imageCount(cap: Capability, values: Record<string, unknown>): number {
  const args = argFields(cap);
  for (const name of IMAGE_COUNT_FIELDS) {
    if (!args.has(name)) continue;
    const n = valueOrDefault(cap, values, name);
    if (typeof n === 'number' && n >= 1) return n;
  }
  return 1;
}

/**
 * Estimate the cost of a call.
 * @param values the call's values keyed by agent-facing names (after rules, so forced values count).
 * @returns undefined when the model has no pricing or the units cannot be known (e.g. seconds of a lip-sync
 *   without `hints.seconds`).
 */
export function estimateCost(cap: Capability, values: Record<string, unknown>, hints: CostHints = {}): CostEstimate | undefined {
  const pricing = cap.pricing;
  if (!pricing) return undefined;

  let rate = pricing.usd;
  let variantNote = '';
  for (const v of pricing.variants ?? []) {
    const conds = Object.entries(v.when);
    if (conds.every(([arg, want]) => JSON.stringify(valueOrDefault(cap, values, arg)) === JSON.stringify(want))) {
      rate = v.usd;
      variantNote = ` (${conds.map(([k, w]) => `${k}=${show(w)}`).join(', ')})`;
      break;
    }
  }

  let units: number;
  let unitWord: string;
  switch (pricing.per) {
    case 'second':
    case 'minute': {
      const s = seconds(cap, values, hints);
      if (s === undefined) return undefined;
      units = pricing.per === 'second' ? s : s / 60;
      unitWord = pricing.per === 'second' ? 's' : 'min';
      break;
    }
    case 'image':
      units = imageCount(cap, values);
      unitWord = 'image(s)';
      break;
    case 'request':
      units = 1;
      unitWord = 'request';
      break;
    case 'character':
    case '1k_characters': {
      const text = values['text'];
      if (typeof text !== 'string') return undefined;
      units = pricing.per === 'character' ? text.length : text.length / 1000;
      unitWord = pricing.per === 'character' ? 'characters' : 'k characters';
      break;
    }
  }
  const whole = pricing.round_units_up ? Math.ceil(units - 1e-9) : units;
  const billed = Math.max(whole, pricing.minimum_units ?? 0);
  const minNote = billed > whole ? ` (minimum ${pricing.minimum_units})` : '';
  const usd = Math.round(billed * rate * 1e6) / 1e6;
  const per = pricing.per === '1k_characters' ? '1k characters' : pricing.per;
  return { usd, basis: `${+billed.toFixed(3)} ${unitWord}${minNote} × $${rate}/${per}${variantNote}` };
}
