import type { ToolCaller } from './caller.js';
import type { PlanStateFile } from './state.js';
import type { ValidatedPlan } from './validate.js';

/** A shot as scene_get shows it: the takes and dialogue lines that exist in the studio now. */
export interface ShotView {
  shot_id: string;
  current_take_number: number | null;
  /** The shot's planned duration in the studio (for a fit_to_dialogue shot, the length its lines set). */
  duration: number | null;
  /** `approved`: a person approved the take (take_approve); a run keeps an approved current take. */
  takes: { take_number: number; media_id: string; kind: string; approved?: boolean }[];
  dialogue: { audio_id: string; media_id: string }[];
}

export interface CharacterIds {
  character_id: string;
  /** Fingerprint of what injection puts into a video call: name, reference images, style tokens. */
  visual_fp: string;
  voice_id: string | undefined;
}

export interface RunEvents {
  log(line: string): void;
  /** Overall progress 0..1: shots finished of all shots, then the film render. */
  progress?(fraction: number, message?: string): void;
}

/** What the phases of a run share. */
export interface RunContext {
  plan: ValidatedPlan;
  caller: ToolCaller;
  state: PlanStateFile;
  events: RunEvents;
  filmId: string;
  characters: Map<string, CharacterIds>;
  /** Plan image fingerprint → media id. */
  images: Map<string, string>;
  sceneIds: Map<string, string>;
  shotIds: Map<string, string>;
  views: Map<string, ShotView>;
  tally: {
    characters: { created: number; updated: number; reused: number };
    images: { made: number; reused: number };
    cost: { usd: number; unpriced_calls: number };
    warnings: string[];
  };
}

export function addCost(ctx: RunContext, usd: number | undefined): void {
  if (usd === undefined) ctx.tally.cost.unpriced_calls++;
  else ctx.tally.cost.usd = Math.round((ctx.tally.cost.usd + usd) * 1e6) / 1e6;
}
