import { inject } from '../../src/capabilities/inject.js';
import { checkRules } from '../../src/capabilities/rules.js';
import { parseArgs } from '../../src/capabilities/tool-schema.js';
import { CapabilityRegistry } from '../../src/capabilities/registry.js';
import type { Capability } from '../../src/capabilities/types.js';

/** The shipped registry, loaded once per test file. */
export const registry = CapabilityRegistry.load();

/** A shipped capability by id (fails the test when missing). */
export function cap(id: string): Capability {
  const c = registry.get(id);
  if (!c) throw new Error(`test fixture: capability ${id} not shipped`);
  return c;
}

/** Run `fn` and return the StudioError message it throws (fails when it does not throw). */
export function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('expected an error');
}

/** The JSON Schema of an agent-facing field. */
export function schemaOf(c: Capability, arg: string): Record<string, unknown> {
  const entry = Object.entries(c.fields).find(([name, f]) => (f.role ?? name) === arg);
  if (!entry) throw new Error(`${c.id} has no field ${arg}`);
  return entry[1].schema;
}

/** A valid value for an agent-facing field of `c` (media ids are fake library ids). */
export function sampleValue(c: Capability, arg: string, n = 1): unknown {
  const entry = Object.entries(c.fields).find(([name, f]) => (f.role ?? name) === arg);
  if (!entry) throw new Error(`${c.id} has no field ${arg}`);
  const schema = entry[1].schema;
  const en = schema['enum'];
  if (Array.isArray(en)) return schema['default'] ?? en[0];
  if ('default' in schema && schema['type'] !== 'array') return schema['default'];
  switch (schema['type']) {
    case 'array':
      return Array.from({ length: n }, (_, i) => `med_${arg}_${i + 1}`);
    case 'integer':
    case 'number':
      return typeof schema['minimum'] === 'number' ? schema['minimum'] : 1;
    case 'boolean':
      return true;
    default:
      return entry[1].media ? `med_${arg}` : `a ${arg}`;
  }
}

/** Another valid value of the field different from `v`, when the schema allows one. */
export function otherValue(c: Capability, arg: string, v: unknown): unknown {
  const entry = Object.entries(c.fields).find(([name, f]) => (f.role ?? name) === arg);
  const schema = entry?.[1].schema ?? {};
  const en = schema['enum'];
  if (Array.isArray(en)) return en.find((x) => JSON.stringify(x) !== JSON.stringify(v));
  if (typeof v === 'number') {
    const max = schema['maximum'];
    return typeof max === 'number' && v + 1 > max ? v - 1 : v + 1;
  }
  if (typeof v === 'string') return `${v}-other`;
  if (typeof v === 'boolean') return !v;
  return undefined;
}

/** The studio's pipeline for one call, as the generation service runs it: validate, inject, rules. */
export function runCall(id: string, args: Record<string, unknown>): { ok: boolean; errors: string[]; values: Record<string, unknown> } {
  const c = cap(id);
  let explicit: Record<string, unknown>;
  try {
    explicit = parseArgs(c, args, { lister: registry });
  } catch (e) {
    return { ok: false, errors: [(e as Error).message], values: {} };
  }
  const r = checkRules(c, inject(c, explicit, {}, registry).values);
  return { ok: r.errors.length === 0, errors: r.errors.map((e) => e.message), values: r.values };
}
