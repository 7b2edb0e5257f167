import type { Capability, CapabilityField, Role } from './types.js';

/**
 * Naming helpers shared by the rule engine, injection and tool schemas. A capability field is keyed by the
 * provider's name; the agent sees it under its role name when it has one (so `image` on Seedance and
 * `instances.0.image` on Veo both become `start_frame`).
 */

/** One capability field seen from the agent's side. */
export interface ArgField {
  /** The name the agent uses (role name or provider field name). */
  arg: string;
  /** The provider's field name (the key in `cap.fields`). */
  name: string;
  field: CapabilityField;
}

/** The agent-facing name of a field. */
export function argName(name: string, field: CapabilityField): string {
  return field.role ?? name;
}

/** Every field of a capability keyed by agent-facing name, hidden fields included, in file order. */
export function argFields(cap: Capability): Map<string, ArgField> {
  const out = new Map<string, ArgField>();
  for (const [name, field] of Object.entries(cap.fields)) {
    out.set(argName(name, field), { arg: argName(name, field), name, field });
  }
  return out;
}

/**
 * The agent's name of a provider field (a provider refusal names `duration_seconds`; the agent set `duration`).
 * A name that is no field of the model (a studio argument, a nested path) is returned as it is.
 */
export function agentFieldName(cap: Capability | undefined, providerField: string): string {
  const field = cap?.fields[providerField];
  return field ? argName(providerField, field) : providerField;
}

/** The fields an agent may set (hidden ones are filled by the studio or left to the provider). */
export function visibleArgFields(cap: Capability): ArgField[] {
  return [...argFields(cap).values()].filter((f) => !f.field.hidden);
}

/** Agent-facing names of the visible fields, in file order (used in "it accepts: …" messages). */
export function acceptedArgs(cap: Capability): string[] {
  return visibleArgFields(cap).map((f) => f.arg);
}

/** The field playing `role`, if the model has one. */
export function fieldForRole(cap: Capability, role: Role): ArgField | undefined {
  for (const [name, field] of Object.entries(cap.fields)) {
    if (field.role === role) return { arg: role, name, field };
  }
  return undefined;
}

/** Whether the model has a (visible or hidden) field playing `role`. */
export function hasRole(cap: Capability, role: Role): boolean {
  return fieldForRole(cap, role) !== undefined;
}

/**
 * Whether a value counts as "given" for rules and injection. Empty arrays and empty strings count as absent:
 * an agent sending `reference_images: []` has not asked for reference-to-video.
 */
export function isGiven(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'string') return value !== '';
  return true;
}

/** The JSON Schema `default` of an agent-facing field, if the file declares one. */
export function schemaDefault(cap: Capability, arg: string): unknown {
  return argFields(cap).get(arg)?.field.schema['default'];
}

/** The effective maximum item count for an array field: the tightest of `maxItems` and any max_items rule. */
export function maxItemsFor(cap: Capability, arg: string): number | undefined {
  const limits: number[] = [];
  const schema = argFields(cap).get(arg)?.field.schema;
  if (schema?.['type'] === 'string') return 1; // a single-media field holds one item
  const schemaMax = schema?.['maxItems'];
  if (typeof schemaMax === 'number') limits.push(schemaMax);
  for (const rule of cap.rules) if (rule.kind === 'max_items' && rule.field === arg) limits.push(rule.max);
  return limits.length ? Math.min(...limits) : undefined;
}

/**
 * Defaults of hidden fields keyed by provider field name (e.g. Gemini `responseModalities`, Veo `sampleCount`).
 * Hidden fields never come from the agent, so an adapter that must send one applies these itself.
 */
export function hiddenDefaults(cap: Capability): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(cap.fields)) {
    if (field.hidden && field.schema['default'] !== undefined) out[name] = field.schema['default'];
  }
  return out;
}
