import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/capabilities/pricing.js';
import type { Capability } from '../../src/capabilities/types.js';
import { veoLike } from './fixtures.js';
import { cap } from './helpers.js';

const priced = (pricing: Capability['pricing'], c: Capability = veoLike): Capability => ({ ...c, pricing });

describe('estimateCost', () => {
  it('is undefined without pricing', () => {
    expect(estimateCost({ ...veoLike, pricing: undefined }, {})).toBeUndefined();
  });

  it('per second uses the duration, else its default', () => {
    const c = priced({ usd: 0.4, per: 'second' });
    expect(estimateCost(c, { duration: 6 })).toEqual({ usd: 2.4, basis: '6 s × $0.4/second' });
    expect(estimateCost(c, {})?.usd).toBe(3.2);
  });

  it('picks the first matching variant, comparing defaults too', () => {
    const c = priced({ usd: 0.4, per: 'second', variants: [{ when: { generateAudio: false }, usd: 0.2 }] });
    expect(estimateCost(c, { duration: 4, generateAudio: false })).toEqual({ usd: 0.8, basis: '4 s × $0.2/second (generateAudio=false)' });
    expect(estimateCost(c, { duration: 4 })?.usd).toBe(1.6);
  });

  it('applies minimum units and seconds hints (lip-sync billed by output length)', () => {
    const c = priced({ usd: 0.03, per: 'second', minimum_units: 5 }, cap('local/lipsync'));
    expect(estimateCost(c, {})).toBeUndefined();
    expect(estimateCost(c, {}, { seconds: 2 })).toEqual({ usd: 0.15, basis: '5 s (minimum 5) × $0.03/second' });
    expect(estimateCost(c, {}, { seconds: 12 })?.usd).toBe(0.36);
  });

  it('per image counts images from the model field (hidden defaults included)', () => {
    const c = priced({ usd: 0.03, per: 'image' });
    expect(estimateCost(c, {})?.usd).toBe(0.03);
    expect(estimateCost(c, { sampleCount: 3 })?.usd).toBe(0.09);
  });

  it('per characters uses the text', () => {
    const c = priced({ usd: 0.1, per: '1k_characters' }, cap('local/voice'));
    expect(estimateCost(c, { text: 'x'.repeat(2500) })?.usd).toBe(0.25);
    expect(estimateCost(priced({ usd: 0.001, per: 'character' }, cap('local/voice')), { text: 'abc' })?.usd).toBe(0.003);
  });

  it('local models cost nothing', () => {
    expect(estimateCost(cap('local/animatic'), { prompt: 'p' })?.usd).toBe(0);
  });
});
