import { fieldForRole } from '../capabilities/arg-fields.js';
import type { CapabilityRegistry } from '../capabilities/registry.js';
import { DEFAULT_MODELS } from '../capabilities/defaults.js';
import { mapAsync } from '../async-map.js';
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
export async function shotLength(store: Store, shot: Shot): Promise<number | undefined> {
  return (await renderTakeOf(store, shot))?.media.duration ?? shot.duration ?? undefined;
}

/** Each line from its offset until its words end (the audio's trailing silence does not count: see spokenSpan). */
export async function lineSpans(store: Store, shot: Shot): Promise<LineSpan[]> {
  return mapAsync(await store.shots.audio(shot.shot_id), async (a) => {
    const spoken = spokenSpan(await store.media.get(a.media_id));
    return { audio_id: a.audio_id, media_id: a.media_id, start: a.offset_seconds, end: a.offset_seconds + spoken.end, text: a.text };
  });
}

/**
 * What is wrong with a shot's lines, each with the call that fixes it: lines that overlap (the mix would talk over
 * itself), and lines that start or end after the shot (the render cuts them). Empty when every line fits.
 */
export async function dialogueWarnings(store: Store, shot: Shot): Promise<string[]> {
  const out: string[] = [];
  const spans = (await lineSpans(store, shot)).sort((a, b) => a.start - b.start);
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
  const length = await shotLength(store, shot);
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
export async function linesEnd(store: Store, shot: Shot): Promise<number> {
  return Math.max(0, ...(await lineSpans(store, shot)).map((l) => l.end));
}

/**
 * The length a video model can make that is closest to `need` from above: the smallest allowed duration that holds
 * it, else the longest the model makes; never below the model's shortest. `short` is set when the model cannot
 * make `need`. One piece of arithmetic for `fit: "extend"`, fit_to_dialogue and the plan check.
 */
export function modelLength(registry: CapabilityRegistry, modelId: string, need: number): { duration: number; short: boolean } {
  const cap = registry.get(modelId);
  const schema = cap ? fieldForRole(cap, 'duration')?.field.schema : undefined;
  let duration = Math.ceil(need * 10 - 1e-6) / 10;
  const allowed = Array.isArray(schema?.enum) ? schema.enum.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b) : undefined;
  const max = typeof schema?.maximum === 'number' ? schema.maximum : undefined;
  const min = typeof schema?.minimum === 'number' ? schema.minimum : undefined;
  if (allowed?.length) {
    duration = allowed.find((v) => v >= need - SLACK) ?? (allowed[allowed.length - 1] as number);
  } else if (schema?.type === 'integer') duration = Math.ceil(need - SLACK);
  if (max !== undefined && duration > max) duration = max;
  if (min !== undefined && duration < min) duration = min;
  return { duration, short: duration < need - SLACK };
}

const modelOf = async (store: Store, shot: Shot): Promise<string> =>
  shot.model ?? (await renderTakeOf(store, shot))?.media.model ?? DEFAULT_MODELS.video_generate;

/** Set a shot's planned length for its lines and say so, with the regenerate call when its take is another length. */
async function applyLength(store: Store, shot: Shot, duration: number, length: number): Promise<string> {
  await store.shots.update(shot.shot_id, { duration });
  const name = `shot ${shot.position + 1} ('${shot.shot_id}')`;
  if ((await renderTakeOf(store, shot)) && Math.abs(length - duration) > SLACK) {
    return (
      `fit: ${name} is now ${sec(duration)} s long for its lines; its current take is ${sec(length)} s: ` +
      `video_generate(shot_id: "${shot.shot_id}"${shot.continues ? ', use_last_frame: true' : ''}) makes it at the new length`
    );
  }
  return `fit: ${name} is now ${sec(duration)} s long for its lines`;
}

/**
 * `fit: "extend"`: lengthen the shot's planned duration to its lines, to a length its model can make (the smallest
 * allowed duration that holds them, or the longest the model makes). Returns what changed and what to do next.
 */
export async function extendShotToLines(store: Store, registry: CapabilityRegistry, shotId: string): Promise<{ duration: number | null; warnings: string[] }> {
  const shot = await store.shots.get(shotId);
  if (!shot) return { duration: null, warnings: [] };
  const need = Math.ceil((await linesEnd(store, shot)) * 10) / 10;
  const length = (await shotLength(store, shot)) ?? 0;
  if (need <= length + SLACK && (shot.duration ?? 0) + SLACK >= need) return { duration: shot.duration, warnings: [] };
  const modelId = await modelOf(store, shot);
  const { duration, short } = modelLength(registry, modelId, need);
  const warnings: string[] = [];
  if (short) warnings.push(tooLong(shot, need, modelId, duration));
  if (duration <= (shot.duration ?? 0) && length + SLACK >= need) return { duration: shot.duration, warnings };
  warnings.push(await applyLength(store, shot, duration, length));
  return { duration, warnings };
}

const tooLong = (shot: Shot, need: number, modelId: string, duration: number): string =>
  `shot ${shot.position + 1} ('${shot.shot_id}') needs ${sec(need)} s for its lines but ${modelId} makes at most ${sec(duration)} s; shorten a line or ` +
  `split the shot`;

/**
 * fit_to_dialogue: the shot's planned duration follows its lines — the end of the last one plus the padding, as a
 * length its model makes. Unlike `fit: "extend"` it also shortens (to the model's shortest when no line is left).
 */
export async function fitShotToDialogue(store: Store, registry: CapabilityRegistry, shotId: string): Promise<{ duration: number | null; warnings: string[] }> {
  const shot = await store.shots.get(shotId);
  if (!shot) return { duration: null, warnings: [] };
  const need = (await linesEnd(store, shot)) + shot.dialogue_padding_seconds;
  const modelId = await modelOf(store, shot);
  const { duration, short } = modelLength(registry, modelId, need);
  const warnings = short ? [tooLong(shot, need, modelId, duration)] : [];
  if (shot.duration !== null && Math.abs(shot.duration - duration) < 1e-9) return { duration, warnings };
  warnings.push(await applyLength(store, shot, duration, (await shotLength(store, shot)) ?? 0));
  return { duration, warnings };
}

/** After a shot's lines changed: fit it when it follows its lines, else extend it when the call asked. */
export async function refitShot(store: Store, registry: CapabilityRegistry, shotId: string, extend: boolean): Promise<string[]> {
  const shot = await store.shots.get(shotId);
  if (shot?.fit_to_dialogue) return (await fitShotToDialogue(store, registry, shotId)).warnings;
  return extend ? (await extendShotToLines(store, registry, shotId)).warnings : [];
}
