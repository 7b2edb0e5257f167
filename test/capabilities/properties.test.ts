import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inject } from '../../src/capabilities/inject.js';
import { checkRules } from '../../src/capabilities/rules.js';
import { registry } from './helpers.js';

/** Arbitrary calls built from each model's own argument names (values of any shape). */
const caps = registry.list();
const callArb = fc.constantFrom(...caps).chain((c) => {
  const args = Object.entries(c.fields).map(([n, f]) => f.role ?? n);
  const value = fc.oneof(fc.constant(undefined), fc.string(), fc.integer(), fc.array(fc.string(), { maxLength: 5 }), fc.boolean());
  return fc.record({ c: fc.constant(c), values: fc.dictionary(fc.constantFrom(...args), value) });
});

describe('rule engine properties', () => {
  it('never throws; every error names the model; forcing is idempotent', () => {
    fc.assert(
      fc.property(callArb, ({ c, values }) => {
        const r = checkRules(c, values);
        for (const e of r.errors) expect(e.message.startsWith(c.id)).toBe(true);
        const again = checkRules(c, r.values);
        expect(again.forced).toEqual([]);
        expect(again.values).toEqual(r.values);
      }),
      { numRuns: 300 },
    );
  });

  it('injection never puts a character reference image into a start or end frame and never adds a rule error', () => {
    fc.assert(
      fc.property(callArb, fc.array(fc.stringMatching(/^ref_[a-z]{1,4}$/), { minLength: 1, maxLength: 6 }), ({ c, values }, refs) => {
        let r;
        try {
          r = inject(c, values, { character: { name: 'X', reference_images: refs, voice_id: 'v', style_tokens: 'tok' } });
        } catch {
          return; // only use_last_frame throws, and it is not used here
        }
        for (const frame of ['start_frame', 'end_frame']) {
          const v = r.values[frame];
          if (typeof v === 'string') expect(refs).not.toContain(v === values[frame] ? '__explicit__' : v);
        }
        const before = new Set(checkRules(c, values, { checkRequired: false }).errors.map((e) => e.message));
        const after = checkRules(c, r.values, { checkRequired: false }).errors.map((e) => e.message);
        for (const m of after) expect(before.has(m)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
