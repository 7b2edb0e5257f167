import { describe, expect, it } from 'vitest';
import { checkRules } from '../../src/capabilities/rules.js';
import type { Capability, Rule } from '../../src/capabilities/types.js';
import { otherValue, registry, sampleValue, schemaOf } from './helpers.js';

/**
 * For every rule in every shipped file: one call that satisfies it and one that breaks it, each checked against a
 * copy of the model holding only that rule, so the test speaks about exactly one rule.
 */
interface Case {
  valid: Record<string, unknown>;
  invalid?: Record<string, unknown>;
  /** For forces: what the valid call must come back with. */
  expectValues?: Record<string, unknown>;
}

function casesFor(c: Capability, rule: Rule): Case {
  const s = (arg: string, n?: number) => sampleValue(c, arg, n);
  switch (rule.kind) {
    case 'requires':
      return {
        valid: Object.fromEntries([rule.if, ...rule.then].map((f) => [f, s(f)])),
        invalid: { [rule.if]: s(rule.if) },
      };
    case 'excludes':
      return { valid: { [rule.if]: s(rule.if) }, invalid: { [rule.if]: s(rule.if), [rule.then[0]!]: s(rule.then[0]!) } };
    case 'one_of':
      return { valid: { [rule.fields[0]!]: s(rule.fields[0]!) }, invalid: {} };
    case 'max_items':
      return { valid: { [rule.field]: s(rule.field, rule.max) }, invalid: { [rule.field]: s(rule.field, rule.max + 1) } };
    case 'forces': {
      const [key, want] = Object.entries(rule.set)[0]!;
      const other = otherValue(c, key, want);
      return {
        valid: { [rule.if]: s(rule.if) },
        expectValues: rule.set,
        ...(other !== undefined ? { invalid: { [rule.if]: s(rule.if), [key]: other } } : {}),
      };
    }
    case 'max_total': {
      // One item (or 1) in every field passes; the last field alone at the maximum breaks the sum.
      const count = (f: string, n: number) => (schemaOf(c, f)['type'] === 'array' ? s(f, n) : n);
      const valid = Object.fromEntries(rule.fields.map((f) => [f, count(f, 1)]));
      const last = rule.fields[rule.fields.length - 1]!;
      return { valid, invalid: { ...valid, [last]: count(last, rule.max) } };
    }
    case 'restricts': {
      const cond = rule.equals ?? rule.in?.[0] ?? s(rule.if);
      const other = otherValue(c, rule.field, rule.allowed[0]);
      const bad = [other, ...((schemaOf(c, rule.field)['enum'] as unknown[] | undefined) ?? [])].find(
        (x) => x !== undefined && !rule.allowed.some((a) => JSON.stringify(a) === JSON.stringify(x)),
      );
      return {
        valid: { [rule.if]: cond, [rule.field]: rule.allowed[0] },
        ...(bad !== undefined ? { invalid: { [rule.if]: cond, [rule.field]: bad } } : {}),
      };
    }
  }
}

const all = registry.list().flatMap((c) => c.rules.map((rule, i) => ({ c, rule, i, name: `${c.id} rule ${i} (${rule.kind})` })));

describe('every rule of every capability file', () => {
  it('there are rules to test', () => {
    expect(all.length).toBeGreaterThan(0);
  });

  it.each(all)('$name: a valid call passes, an invalid one fails naming the model', ({ c, rule }) => {
    const only: Capability = { ...c, rules: [rule] };
    const { valid, invalid, expectValues } = casesFor(c, rule);
    const ok = checkRules(only, valid, { checkRequired: false });
    expect(ok.errors.map((e) => e.message)).toEqual([]);
    if (expectValues) expect(ok.values).toMatchObject(expectValues);
    if (invalid) {
      const bad = checkRules(only, invalid, { checkRequired: false });
      expect(bad.errors.length).toBeGreaterThan(0);
      for (const e of bad.errors) {
        expect(e.code).toBe('invalid_input');
        expect(e.message.startsWith(`${c.id}: `)).toBe(true);
        expect(e.details.model).toBe(c.id);
      }
    }
  });
});

describe('every required field of every capability file', () => {
  const required = registry.list().flatMap((c) =>
    Object.entries(c.fields)
      .filter(([, f]) => f.required)
      .map(([name, f]) => ({ c, arg: f.role ?? name, name: `${c.id}: ${f.role ?? name}` })),
  );
  it.each(required)('$name is reported when missing', ({ c, arg }) => {
    const errs = checkRules({ ...c, rules: [] }, {}).errors;
    expect(errs.some((e) => e.details.field === arg && e.message.includes(`${arg} is required`))).toBe(true);
  });
});
