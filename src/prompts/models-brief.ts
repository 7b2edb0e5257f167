import { fieldForRole, hasRole, maxItemsFor } from '../capabilities/arg-fields.js';
import type { Capability, Task } from '../capabilities/types.js';
import type { Studio } from '../studio/studio.js';

/**
 * Short, factual model descriptions for prompts: what each model takes (start/end frame, reference images, audio),
 * its durations, its price and whether it can run here. Read from the capability files and the adapters, so a
 * prompt never recommends a model that is not installed or not configured.
 */

function durations(cap: Capability): string | undefined {
  const f = fieldForRole(cap, 'duration');
  if (!f) return undefined;
  const s = f.field.schema;
  const list = s['enum'];
  if (Array.isArray(list)) return `${list.join('/')} s`;
  const min = s['minimum'];
  const max = s['maximum'];
  if (typeof min === 'number' && typeof max === 'number') return `${min}–${max} s`;
  return undefined;
}

function price(cap: Capability): string {
  const p = cap.pricing;
  if (!p) return 'price unknown';
  if (p.usd === 0) return 'free';
  return `$${p.usd}/${p.per === '1k_characters' ? '1k characters' : p.per}`;
}

/** What a video model takes, in the words the prompts use. */
export function videoInputs(cap: Capability): string {
  const parts: string[] = [];
  if (hasRole(cap, 'start_frame')) parts.push('start frame');
  if (hasRole(cap, 'end_frame')) parts.push('end frame');
  if (hasRole(cap, 'reference_images')) {
    const max = maxItemsFor(cap, 'reference_images');
    parts.push(`reference images${max !== undefined ? ` (up to ${max})` : ''}`);
  }
  const exclusive = cap.rules.some((r) => r.kind === 'excludes' && r.if === 'reference_images' && r.then.includes('start_frame'));
  let text = parts.length ? parts.join(', ') : 'prompt only';
  if (exclusive) text += '; reference images OR frames, never both';
  return text;
}

function line(studio: Studio, cap: Capability): string {
  const a = studio.models.availability(cap);
  // Configured but left out by STUDIO_MODELS: calls naming it are refused, so a prompt must not recommend it.
  const status =
    a.available && !studio.offered.offers(cap)
      ? 'not offered here (STUDIO_MODELS)'
      : a.available
        ? 'available'
        : `not available here: ${a.reason}${a.env?.length ? ` (variables: ${a.env.join(', ')})` : ''}`;
  const bits = [cap.title];
  if (cap.task === 'video_generate') {
    bits.push(`takes ${videoInputs(cap)}`);
    const d = durations(cap);
    if (d) bits.push(d);
    if (cap.output.has_audio) bits.push('with generated sound');
  }
  bits.push(price(cap));
  return `- \`${cap.id}\` — ${bits.join('; ')} — ${status}`;
}

const SECTIONS: { task: Task; heading: string }[] = [
  { task: 'video_generate', heading: 'Video (video_generate)' },
  { task: 'image_generate', heading: 'Images (image_generate)' },
  { task: 'voice_tts', heading: 'Voice (voice_tts)' },
  { task: 'lipsync_video', heading: 'Lip-sync onto a shot (lipsync_video)' },
];

/** Every model of the film tasks with availability, available ones first. */
export function modelsBrief(studio: Studio): string {
  const out: string[] = [];
  for (const { task, heading } of SECTIONS) {
    const caps = studio.registry.list({ task });
    const ranked = [...caps].sort((a, b) => Number(studio.models.availability(b).available) - Number(studio.models.availability(a).available));
    out.push(`${heading}:`, ...ranked.map((c) => line(studio, c)), '');
  }
  return out.join('\n').trimEnd();
}
