import { inject, type CharacterContext } from '../capabilities/inject.js';
import { estimateCost } from '../capabilities/pricing.js';
import type { CapabilityRegistry } from '../capabilities/registry.js';
import { checkRules, checkSupported } from '../capabilities/rules.js';
import { parseArgs } from '../capabilities/tool-schema.js';
import type { Capability, Rule } from '../capabilities/types.js';
import { StudioError } from '../errors.js';

/**
 * A dry run of the studio's own validation for one generation call (the same steps as the generation planner:
 * supported fields → parseArgs → injection of the character and the previous shot's last frame → rules), on
 * placeholder media ids, so a plan is refused before anything is made. Each broken rule is reported with the rule
 * itself, so the author sees which constraint of the model the shot violates.
 */

export interface CallCheck {
  /** The values that would be sent (after injection and forced values), keyed by agent-facing names. */
  values: Record<string, unknown>;
  problems: string[];
  warnings: string[];
  costUsd: number | undefined;
}

export interface CallCheckInput {
  cap: Capability;
  /** Arguments as the runner will pass them, keyed by agent-facing names (media as placeholder ids). */
  given: Record<string, unknown>;
  character?: CharacterContext;
  /** A placeholder for the previous shot's last frame when the shot continues from it. */
  lastFrame?: string;
  /** Output seconds for pricing when the call does not say (lip-sync: about the shot's length). */
  seconds?: number;
}

/** A rule as a short text, e.g. `excludes: reference_images excludes start_frame, end_frame`. */
export function describeRule(rule: Rule): string {
  switch (rule.kind) {
    case 'requires':
      return `requires: ${rule.if} requires ${rule.then.join(', ')}`;
    case 'excludes':
      return `excludes: ${rule.if} excludes ${rule.then.join(', ')}`;
    case 'one_of':
      return `one_of: one of ${rule.fields.join(', ')}`;
    case 'max_items':
      return `max_items: ${rule.field} at most ${rule.max}`;
    case 'forces':
      return `forces: ${rule.if} sets ${Object.entries(rule.set)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')}`;
    case 'max_total':
      return `max_total: ${rule.fields.join(' + ')} at most ${rule.max}`;
    case 'restricts':
      return (
        `restricts: ` +
        `${rule.if}${rule.equals !== undefined ? `=${JSON.stringify(rule.equals)}` : rule.in !== undefined ? ` in ${JSON.stringify(rule.in)}` : ''} limits ` +
        `${rule.field} to ${rule.allowed.map((a) => JSON.stringify(a)).join(', ')}`
      );
  }
}

function message(err: unknown): string {
  return err instanceof StudioError ? err.message : err instanceof Error ? err.message : String(err);
}

export function checkCall(registry: CapabilityRegistry, input: CallCheckInput): CallCheck {
  const { cap } = input;
  const problems: string[] = [];
  const warnings: string[] = [];
  // Each stage reports what it finds and hands the next stage what was valid, so one check names every problem.
  const unsupported = checkSupported(cap, Object.keys(input.given), registry);
  problems.push(...unsupported.map((e) => e.message));
  const bad = new Set(unsupported.map((e) => e.details.field).filter((f): f is string => f !== undefined));
  const supported = Object.fromEntries(Object.entries(input.given).filter(([k]) => !bad.has(k)));

  let explicit: Record<string, unknown>;
  try {
    explicit = parseArgs(cap, supported, { lister: registry });
  } catch (err) {
    problems.push(...message(err).split('\n'));
    explicit = {};
    for (const [k, v] of Object.entries(supported)) {
      try {
        Object.assign(explicit, parseArgs(cap, { [k]: v }, { lister: registry }));
      } catch {
        bad.add(k);
      }
    }
  }

  let injected: Record<string, unknown>;
  try {
    const r = inject(
      cap,
      explicit,
      { ...(input.character ? { character: input.character } : {}), ...(input.lastFrame ? { lastFrame: input.lastFrame } : {}) },
      registry,
    );
    injected = r.values;
    warnings.push(...r.warnings);
  } catch (err) {
    return { values: explicit, problems: [...problems, message(err)], warnings, costUsd: undefined };
  }

  // A field already reported (unsupported or invalid) is not reported again as missing or rule-breaking.
  const fresh = (e: StudioError): boolean => !bad.has(e.details.field ?? '');
  const full = checkRules(cap, injected);
  const ruleErrors = full.errors.filter(fresh);
  if (ruleErrors.length) {
    // Attribute each error to its rule by checking the rules one at a time on the values that would be sent.
    const before = problems.length;
    for (const rule of cap.rules) {
      const alone = checkRules({ ...cap, rules: [rule] }, full.values, { checkRequired: false });
      for (const e of alone.errors.filter(fresh)) problems.push(`${e.message} [rule ${describeRule(rule)}]`);
    }
    const required = checkRules({ ...cap, rules: [] }, full.values);
    problems.push(...required.errors.filter(fresh).map((e) => e.message));
    if (problems.length === before) problems.push(...ruleErrors.map((e) => e.message));
  }
  warnings.push(...full.forced.map((f) => `${cap.id}: ${f}`));
  const cost = estimateCost(cap, full.values, input.seconds !== undefined ? { seconds: input.seconds } : {});
  return { values: full.values, problems, warnings, costUsd: cost?.usd };
}
