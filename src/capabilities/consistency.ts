import { argFields, argName } from './arg-fields.js';
import { MEDIA_ROLES, type Capability, type MediaKind, type Role, type Rule } from './types.js';

/**
 * Checks a capability beyond what the zod shape can say: cross references between fields and rules. These are the
 * mistakes that would otherwise surface as a confusing agent-facing error at call time, so the registry refuses a
 * file that has any of them.
 */

/** Which media kind a media role must carry. */
const ROLE_MEDIA: Partial<Record<Role, MediaKind>> = {
  start_frame: 'image',
  end_frame: 'image',
  reference_images: 'image',
  image: 'image',
  video: 'video',
  audio: 'audio',
};

/** Every agent-facing field name a rule mentions. */
export function ruleFields(rule: Rule): string[] {
  switch (rule.kind) {
    case 'requires':
    case 'excludes':
      return [rule.if, ...rule.then];
    case 'one_of':
    case 'max_total':
      return rule.fields;
    case 'max_items':
      return [rule.field];
    case 'forces':
      return [rule.if, ...Object.keys(rule.set)];
    case 'restricts':
      return [rule.if, rule.field];
  }
}

/** Problems with one capability, as short sentences; empty when the capability is consistent. */
export function capabilityProblems(cap: Capability): string[] {
  const problems: string[] = [];
  if (cap.id !== `${cap.provider}/${cap.provider_model}`) {
    problems.push(`id '${cap.id}' must be '<provider>/<provider_model>' = '${cap.provider}/${cap.provider_model}'`);
  }
  const seen = new Map<string, string>();
  for (const [name, field] of Object.entries(cap.fields)) {
    const arg = argName(name, field);
    const other = seen.get(arg);
    if (other !== undefined) problems.push(`fields '${other}' and '${name}' are both exposed as '${arg}'`);
    seen.set(arg, name);
    if (field.role && MEDIA_ROLES.has(field.role)) {
      const kind = ROLE_MEDIA[field.role];
      if (field.media !== kind) problems.push(`field '${name}' (role ${field.role}) must declare media '${kind}'`);
    }
    const type = field.schema['type'];
    // A single-image reference input (e.g. MiniMax `subject_reference`) keeps its string type so it is sent as-is.
    if (field.role === 'reference_images' && type !== 'array' && type !== 'string') {
      problems.push(`field '${name}' (role reference_images) must have an array (or single media id string) schema`);
    }
    if (field.media && type !== 'string' && type !== 'array') {
      problems.push(`media field '${name}' must be a string (media id) or an array of them`);
    }
    if (field.accept && !field.media) problems.push(`field '${name}' has 'accept' but is not a media field`);
    if (field.accept && field.media !== 'image' && (field.accept.min_side_px !== undefined || field.accept.aspect_ratio !== undefined)) {
      problems.push(`field '${name}': min_side_px and aspect_ratio apply to images only`);
    }
    if (field.accept?.aspect_ratio && field.accept.aspect_ratio.min > field.accept.aspect_ratio.max) {
      problems.push(`field '${name}': accept.aspect_ratio.min is above its max`);
    }
    if (type === undefined && field.schema['enum'] === undefined && field.schema['const'] === undefined) {
      problems.push(`field '${name}' has a schema without 'type' or 'enum'`);
    }
  }
  const args = argFields(cap);
  cap.rules.forEach((rule, i) => {
    for (const f of ruleFields(rule)) {
      if (!args.has(f)) problems.push(`rule ${i} (${rule.kind}) names '${f}', which is not a field of this model`);
    }
    if (rule.kind === 'restricts' && rule.equals !== undefined && rule.in !== undefined) {
      problems.push(`rule ${i} (restricts) has both 'equals' and 'in'; use one`);
    }
  });
  return problems;
}
