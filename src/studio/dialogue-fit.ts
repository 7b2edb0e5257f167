import { fieldForRole } from '../capabilities/arg-fields.js';
import type { CapabilityRegistry } from '../capabilities/registry.js';
import { DEFAULT_MODELS } from '../capabilities/defaults.js';
import type { Store } from '../store/index.js';
import type { Shot } from '../store/shots.js';
import { spokenSpan } from './spoken-span.js';
import { renderTakeOf } from './takes.js';

/** A line of dialogue on its shot's timeline, in seconds from the start of the shot. */
export interface LineSpan {
  audio_id: string;
  media_id: string;
  start: number;
  end: number;
  text: string | null;
}

/** Overlaps and overruns shorter than this are inaudible (a frame or two of silence trimmed by encoders). */
const SLACK = 0.02;
/** A line starting this close to (or after) the end of its shot is not heard at all (the render leaves it out). */
export const INAUDIBLE_TAIL = 0.05;

const sec = (n: number): string => `${(Math.round(n * 100) / 100).toFixed(2)}`;

/** How long the shot plays: the take the render uses, else the length it was planned at. */
export function shotLength(store: Store, shot: Shot): number | undefined {
  return renderTakeOf(store, shot)?.media.duration ?? shot.duration ?? undefined;
}

/** Each line from its offset until its words end (the audio's trailing silence does not count: see spokenSpan). */
export function lineSpans(store: Store, shot: Shot): LineSpan[] {
  return store.shots.audio(shot.shot_id).map((a) => {
    const spoken = spokenSpan(store.media.get(a.media_id));
    return { audio_id: a.audio_id, media_id: a.media_id, start: a.offset_seconds, end: a.offset_seconds + spoken.end, text: a.text };
  });
}

/**
 * What is wrong with a shot's lines, each with the call that fixes it: lines that overlap (the mix would talk over
 * itself), and lines that start or end after the shot (the render cuts them). Empty when every line fits.
 */
export function dialogueWarnings(store: Store, shot: Shot): string[] {
  const out: string[] = [];
  const spans = lineSpans(store, shot).sort((a, b) => a.start - b.start);
  const name = `shot ${shot.position + 1} ('${shot.shot_id}')`;
  for (const [i, a] of spans.entries()) {
    for (const b of spans.slice(i + 1)) {
      const overlap = Math.min(a.end, b.end) - b.start;
      if (overlap > SLACK) {
        out.push(
          `lines '${a.audio_id}' (${sec(a.start)}–${sec(a.end)} s) and '${b.audio_id}' (${sec(b.start)}–${sec(b.end)} s) of ${name} overlap by ` +
            `${sec(overlap)} s; ` +
            `move the later one: shot_update_dialogue(audio_id: "${b.audio_id}", offset_seconds: ${sec(a.end)})`,
        );
      }
    }
  }
  const length = shotLength(store, shot);
  if (length === undefined) return out;
  for (const l of spans) {
    if (l.start >= length - INAUDIBLE_TAIL) {
      out.push(
        `line '${l.audio_id}' starts at ${sec(l.start)} s, after ${name} ends (${sec(length)} s): it would not be heard; ` +
          `shot_update_dialogue(audio_id: "${l.audio_id}", offset_seconds: ${sec(Math.max(0, length - (l.end - l.start)))}) or lengthen the shot (fit: ` +
          `"extend")`,
      );
    } else if (l.end > length + SLACK) {
      const fits = l.end - l.start <= length;
      out.push(
        `line '${l.audio_id}' (${sec(l.start)}–${sec(l.end)} s) runs ${sec(l.end - length)} s past the end of ${name} (${sec(length)} s): the render would ` +
          `cut it; ` +
          (fits ? `shot_update_dialogue(audio_id: "${l.audio_id}", offset_seconds: ${sec(length - (l.end - l.start))}), or ` : '') +
          `lengthen the shot: shot_update(shot_id: "${shot.shot_id}", duration: ${Math.ceil(l.end)}) then video_generate(shot_id: "${shot.shot_id}")` +
          ` (voice_tts/shot_add_dialogue with fit: "extend" does the first step)`,
      );
    }
  }
  return out;
}

/** The end of the shot's last line, i.e. the length the shot needs for every line to be heard whole. */
export function linesEnd(store: Store, shot: Shot): number {
  return Math.max(0, ...lineSpans(store, shot).map((l) => l.end));
}

/**
 * `fit: "extend"`: lengthen the shot's planned duration to its lines, to a length its model can make (the smallest
 * allowed duration that holds them, or the longest the model makes). Returns what changed and what to do next.
 */
export function extendShotToLines(store: Store, registry: CapabilityRegistry, shotId: string): { duration: number | null; warnings: string[] } {
  const shot = store.shots.get(shotId);
  if (!shot) return { duration: null, warnings: [] };
  const need = Math.ceil(linesEnd(store, shot) * 10) / 10;
  const length = shotLength(store, shot) ?? 0;
  if (need <= length + SLACK && (shot.duration ?? 0) + SLACK >= need) return { duration: shot.duration, warnings: [] };
  const modelId = shot.model ?? renderTakeOf(store, shot)?.media.model ?? DEFAULT_MODELS.video_generate;
  const cap = registry.get(modelId);
  const schema = cap ? fieldForRole(cap, 'duration')?.field.schema : undefined;
  let duration = need;
  const warnings: string[] = [];
  const allowed = Array.isArray(schema?.enum) ? schema.enum.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b) : undefined;
  const max = typeof schema?.maximum === 'number' ? schema.maximum : undefined;
  if (allowed?.length) {
    duration = allowed.find((v) => v >= need - SLACK) ?? (allowed[allowed.length - 1] as number);
  } else if (schema?.type === 'integer') duration = Math.ceil(need - SLACK);
  if (max !== undefined && duration > max) duration = max;
  if (duration < need - SLACK)
    warnings.push(
      `shot ${shot.position + 1} ('${shot.shot_id}') needs ${sec(need)} s for its lines but ${modelId} makes at most ${sec(duration)} s; shorten a line or ` +
        `split the shot`,
    );
  if (duration <= (shot.duration ?? 0) && length + SLACK >= need) return { duration: shot.duration, warnings };
  store.shots.update(shotId, { duration });
  if (renderTakeOf(store, shot)) {
    warnings.push(
      `fit: shot ${shot.position + 1} ('${shot.shot_id}') is now ${sec(duration)} s long for its lines; its current take is ${sec(length)} s: ` +
        `video_generate(shot_id: "${shot.shot_id}"${shot.continues ? ', use_last_frame: true' : ''}) makes it at the new length`,
    );
  } else {
    warnings.push(`fit: shot ${shot.position + 1} ('${shot.shot_id}') is now ${sec(duration)} s long for its lines`);
  }
  return { duration, warnings };
}
