import { invalidInput } from '../errors.js';
import { argFields, fieldForRole, hasRole, isGiven, maxItemsFor } from './arg-fields.js';
import { checkRules, type ModelLister } from './rules.js';
import type { Capability } from './types.js';

/**
 * Character and continuity injection, driven only by roles so it works for every model file:
 * - a character's reference images go into the `reference_images` role (identity guidance), or into the `image`
 *   role of a lip-sync-from-image model (the face); never into start_frame / end_frame (continuity);
 * - style tokens are appended to the `prompt` role of video and image models;
 * - the character's voice fills the `voice_id` role when the caller gave none;
 * - `use_last_frame` fills the `start_frame` role with the previous shot's last frame.
 * An injection that alone would break one of the model's rules is skipped with a warning; a rule broken by what the
 * caller asked for explicitly is left for `checkRules` to report as an error.
 */

export interface CharacterContext {
  name: string;
  /** Media ids of the character's reference images. */
  reference_images: string[];
  voice_id: string | null;
  style_tokens: string | null;
}

export interface InjectContext {
  character?: CharacterContext;
  /** Media id of the previous shot's last frame, when the caller asked for use_last_frame. */
  lastFrame?: string;
}

export interface InjectResult {
  /** Explicit values plus injected ones, keyed by agent-facing names. */
  values: Record<string, unknown>;
  /** What was skipped or trimmed and why, for the tool result. */
  warnings: string[];
  /** Agent-facing names of the fields that injection filled or changed. */
  injected: string[];
}

/** Errors the rules report for `values`, as messages (required fields are judged later, after injection). */
function ruleMessages(cap: Capability, values: Record<string, unknown>): Set<string> {
  return new Set(checkRules(cap, values, { checkRequired: false }).errors.map((e) => e.message));
}

/** The first message that `after` has and `before` does not: what the injection would break. */
function newBreakage(before: Set<string>, after: Set<string>): string | undefined {
  for (const m of after) if (!before.has(m)) return m;
  return undefined;
}

function asStringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

const STYLE_TASKS: ReadonlySet<Capability['task']> = new Set(['video_generate', 'image_generate']);
const REFERENCE_TASKS: ReadonlySet<Capability['task']> = new Set(['video_generate', 'image_generate']);

/**
 * Fill a call's values from the character and the continuity context.
 * @param explicit what the caller gave, keyed by agent-facing names (already validated with parseArgs).
 * @param lister the registry, used to name models that do have a start frame when this one has none.
 * @throws StudioError invalid_input when use_last_frame cannot be honoured (no start frame, or start_frame given too).
 */
export function inject(cap: Capability, explicit: Record<string, unknown>, ctx: InjectContext, lister?: ModelLister): InjectResult {
  const values: Record<string, unknown> = { ...explicit };
  const warnings: string[] = [];
  const injected: string[] = [];

  /** Apply `change` unless it breaks a rule that held before; returns whether it was applied. */
  const tryApply = (what: string, arg: string, next: unknown): boolean => {
    const before = ruleMessages(cap, values);
    const candidate = { ...values, [arg]: next };
    const broken = newBreakage(before, ruleMessages(cap, candidate));
    if (broken !== undefined) {
      warnings.push(`${what} skipped: ${broken}`);
      return false;
    }
    values[arg] = next;
    injected.push(arg);
    return true;
  };

  // Continuity first: it is an explicit request of the caller, so character injection must yield to it.
  if (ctx.lastFrame !== undefined) {
    if (!hasRole(cap, 'start_frame')) {
      const others = lister
        ? lister
            .list({ task: cap.task })
            .filter((c) => hasRole(c, 'start_frame'))
            .map((c) => c.id)
        : [];
      throw invalidInput(
        `${cap.id} takes no start frame, so use_last_frame cannot be used with it` +
          (lister ? `; ${cap.task} models with a start frame: ${others.join(', ') || '(none)'}` : ''),
        { model: cap.id, field: 'use_last_frame', accepts: others.join(', ') },
      );
    }
    if (isGiven(values['start_frame'])) {
      throw invalidInput(`${cap.id}: give either use_last_frame or start_frame, not both (use_last_frame sets start_frame to the previous shot's last frame)`, {
        model: cap.id,
        field: 'use_last_frame',
      });
    }
    values['start_frame'] = ctx.lastFrame;
    injected.push('start_frame');
  }

  const character = ctx.character;
  if (!character) return { values, warnings, injected };
  const who = `character ${character.name}`;

  if (argFields(cap).has('character_name') && !isGiven(values['character_name'])) {
    values['character_name'] = character.name;
    injected.push('character_name');
  }

  const refs = character.reference_images;
  if (refs.length) {
    const refField = fieldForRole(cap, 'reference_images');
    if (refField) {
      // A single-image reference field (string schema) takes one media id, not a list.
      const single = refField.field.schema['type'] === 'string';
      const current = values['reference_images'];
      const explicitRefs = single ? (typeof current === 'string' && current !== '' ? [current] : []) : asStringArray(current);
      const merged = [...new Set([...explicitRefs, ...refs])];
      const max = maxItemsFor(cap, 'reference_images');
      const kept = max === undefined ? merged : merged.slice(0, max);
      const added = kept.length - explicitRefs.length;
      if (merged.length === explicitRefs.length) {
        // The caller already passed every one of the character's images.
      } else if (added <= 0) {
        warnings.push(`${who}'s reference images were not added: ${cap.id} takes at most ${max} and the call already gives ${explicitRefs.length}`);
      } else {
        const next = single ? kept[0] : kept;
        const applied = tryApply(`${cap.id}: adding ${who}'s reference images`, 'reference_images', next);
        if (applied && kept.length < merged.length) {
          warnings.push(`${cap.id} takes at most ${max} reference images; used ${added} of ${who}'s ${refs.length}`);
        }
      }
    } else if (fieldForRole(cap, 'image') && !isGiven(values['image'])) {
      // Lip-sync from an image: the character's (first) reference image is the face.
      tryApply(`${cap.id}: using ${who}'s reference image as the face`, 'image', refs[0]);
    } else if (REFERENCE_TASKS.has(cap.task)) {
      warnings.push(`${cap.id} takes no reference images, so ${who}'s reference images were not used (they are identity guidance, never a start or end frame)`);
    }
  }

  const style = character.style_tokens?.trim();
  if (style && STYLE_TASKS.has(cap.task)) {
    const prompt = values['prompt'];
    if (!hasRole(cap, 'prompt')) {
      warnings.push(`${cap.id} takes no prompt, so ${who}'s style tokens were not applied`);
    } else if (typeof prompt === 'string' && prompt.trim() !== '') {
      const base = prompt.trimEnd();
      // A sentence gets the tokens after a space; a tag list gets them after a comma.
      const joined = /[.!?;:]$/.test(base) ? `${base} ${style}` : `${base}, ${style}`;
      if (!prompt.includes(style)) tryApply(`${cap.id}: appending ${who}'s style tokens`, 'prompt', joined);
    } else {
      warnings.push(`no prompt given, so ${who}'s style tokens were not applied`);
    }
  }

  if (character.voice_id && hasRole(cap, 'voice_id') && !isGiven(values['voice_id'])) {
    tryApply(`${cap.id}: using ${who}'s voice`, 'voice_id', character.voice_id);
  }

  return { values, warnings, injected };
}
