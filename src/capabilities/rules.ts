import { invalidInput, type StudioError } from '../errors.js';
import { acceptedArgs, argFields, isGiven, schemaDefault } from './arg-fields.js';
import type { Capability, Rule } from './types.js';

/**
 * The rule engine: the cross-field constraints of a capability file (requires / excludes / one_of / max_items /
 * max_total / forces / restricts) plus required fields, applied to a call's values keyed by agent-facing names. It never
 * throws for a bad call; it returns every error at once so the agent can fix them all in one go.
 */

/** The slice of the registry the engine needs for hints (kept structural so tests can pass a plain list). */
export interface ModelLister {
  list(filter: { task?: Capability['task'] }): Capability[];
}

export interface RuleCheckOptions {
  /** Check fields marked `required` (default true). Off for checks made before injection has run. */
  checkRequired?: boolean;
}

export interface RuleCheckResult {
  /** The values with forced values filled in. */
  values: Record<string, unknown>;
  errors: StudioError[];
  /** Human-readable notes about values that a `forces` rule filled in (e.g. "duration set to 8 because …"). */
  forced: string[];
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function listOr(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function listAnd(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function ruleError(cap: Capability, rule: Rule, fallback: string, field: string, got?: string): StudioError {
  const base = rule.message ?? fallback;
  const message = `${cap.id}: ${base}${rule.message && got ? ` (${got})` : ''}`;
  return invalidInput(message, { model: cap.id, field, accepts: rule.message ?? fallback });
}

/** Whether the `if` side of a restricts rule holds. */
function restrictsApplies(rule: Extract<Rule, { kind: 'restricts' }>, values: Record<string, unknown>): boolean {
  if (!isGiven(values[rule.if])) return false;
  if (rule.equals !== undefined) return same(values[rule.if], rule.equals);
  if (rule.in !== undefined) return rule.in.some((x) => same(values[rule.if], x));
  return true;
}

/** What a field adds to a max_total sum: an array its items, a number its value, a missing field its default. */
function countOf(cap: Capability, values: Record<string, unknown>, arg: string): number {
  const v = isGiven(values[arg]) ? values[arg] : schemaDefault(cap, arg);
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return typeof v === 'string' && v !== '' ? 1 : 0;
}

/**
 * Apply a capability's rules to a call.
 * @param values the call's values keyed by agent-facing names (role names or provider field names), after injection.
 * @returns the values with forced values filled in, every error found, and notes about forced values.
 */
export function checkRules(cap: Capability, values: Record<string, unknown>, opts: RuleCheckOptions = {}): RuleCheckResult {
  const out: Record<string, unknown> = { ...values };
  const errors: StudioError[] = [];
  const forced: string[] = [];

  // Forced values first: later rules (restricts) must see what will actually be sent.
  for (const rule of cap.rules) {
    if (rule.kind !== 'forces' || !isGiven(out[rule.if])) continue;
    for (const [key, want] of Object.entries(rule.set)) {
      if (isGiven(out[key])) {
        if (!same(out[key], want)) {
          errors.push(ruleError(cap, rule, `with ${rule.if}, ${key} must be ${show(want)}; got ${show(out[key])}`, key, `got ${key}=${show(out[key])}`));
        }
      } else {
        out[key] = want;
        forced.push(`${key} set to ${show(want)} because ${rule.if} is given${rule.message ? ` (${rule.message})` : ''}`);
      }
    }
  }

  for (const rule of cap.rules) {
    switch (rule.kind) {
      case 'forces':
        break;
      case 'requires': {
        if (!isGiven(out[rule.if])) break;
        const missing = rule.then.filter((f) => !isGiven(out[f]));
        if (missing.length) {
          errors.push(ruleError(cap, rule, `${rule.if} requires ${listAnd(missing)}; give ${listAnd(missing)} too, or drop ${rule.if}`, rule.if));
        }
        break;
      }
      case 'excludes': {
        if (!isGiven(out[rule.if])) break;
        const clash = rule.then.filter((f) => isGiven(out[f]));
        if (clash.length) {
          errors.push(ruleError(cap, rule, `${rule.if} cannot be combined with ${listOr(clash)}; use one or the other`, rule.if));
        }
        break;
      }
      case 'one_of': {
        if (!rule.fields.some((f) => isGiven(out[f]))) {
          errors.push(ruleError(cap, rule, `give at least one of ${listOr(rule.fields)}`, rule.fields[0] ?? ''));
        }
        break;
      }
      case 'max_items': {
        const v = out[rule.field];
        if (Array.isArray(v) && v.length > rule.max) {
          errors.push(ruleError(cap, rule, `${rule.field} holds at most ${rule.max} items; got ${v.length}`, rule.field, `got ${v.length}`));
        }
        break;
      }
      case 'max_total': {
        const parts = rule.fields.map((f) => ({ f, n: countOf(cap, out, f) }));
        const total = parts.reduce((a, p) => a + p.n, 0);
        if (total > rule.max) {
          const sum = parts.map((p) => `${p.f} ${p.n}`).join(' + ');
          errors.push(
            ruleError(
              cap,
              rule,
              `${listAnd(rule.fields)} add up to at most ${rule.max}; got ${sum} = ${total}`,
              rule.fields[rule.fields.length - 1] ?? '',
              `got ${sum} = ${total}`,
            ),
          );
        }
        break;
      }
      case 'restricts': {
        if (!restrictsApplies(rule, out)) break;
        const v = isGiven(out[rule.field]) ? out[rule.field] : schemaDefault(cap, rule.field);
        if (v !== undefined && !rule.allowed.some((a) => same(a, v))) {
          const cond = rule.equals !== undefined ? `${rule.if}=${show(rule.equals)}` : rule.in !== undefined ? `${rule.if}=${show(out[rule.if])}` : rule.if;
          const given = isGiven(out[rule.field]) ? '' : ' (the default)';
          errors.push(
            ruleError(
              cap,
              rule,
              `with ${cond}, ${rule.field} must be ${listOr(rule.allowed.map(show))}; got ${show(v)}${given}`,
              rule.field,
              `got ${rule.field}=${show(v)}${given}`,
            ),
          );
        }
        break;
      }
    }
  }

  if (opts.checkRequired !== false) {
    for (const { arg, field } of argFields(cap).values()) {
      if (field.required && !isGiven(out[arg])) {
        errors.push(
          invalidInput(`${cap.id}: ${arg} is required${field.description ? ` (${field.description})` : ''}`, {
            model: cap.id,
            field: arg,
          }),
        );
      }
    }
  }
  return { values: out, errors, forced };
}

/** Ids of the models of `cap`'s task that have a field named `arg` (visible), for hints. */
export function modelsTaking(lister: ModelLister | undefined, task: Capability['task'], arg: string): string[] {
  if (!lister) return [];
  return lister
    .list({ task })
    .filter((c) => acceptedArgs(c).includes(arg))
    .map((c) => c.id);
}

/**
 * The error for an argument the model does not take at all, listing what it accepts and which models of the same
 * task do take it (when a registry is given).
 */
export function unsupportedArgError(cap: Capability, arg: string, lister?: ModelLister): StudioError {
  const accepts = acceptedArgs(cap);
  let hint = '';
  if (lister) {
    const others = modelsTaking(lister, cap.task, arg);
    hint = others.length ? `; ${cap.task} models that take ${arg}: ${others.join(', ')}` : `; no ${cap.task} model takes ${arg}`;
  }
  return invalidInput(`${cap.id} does not take ${arg}; it accepts: ${accepts.join(', ') || '(nothing)'}${hint}`, {
    model: cap.id,
    field: arg,
    accepts: accepts.join(', '),
  });
}

/** One error per argument in `args` that is not a visible field of the model. */
export function checkSupported(cap: Capability, args: Iterable<string>, lister?: ModelLister): StudioError[] {
  const accepted = new Set(acceptedArgs(cap));
  const errors: StudioError[] = [];
  for (const arg of args) if (!accepted.has(arg)) errors.push(unsupportedArgError(cap, arg, lister));
  return errors;
}
