import { DEFAULT_MODELS, STUDIO_ARGS } from '../capabilities/defaults.js';
import { argFields, hasRole, isGiven } from '../capabilities/arg-fields.js';
import { inject, type CharacterContext } from '../capabilities/inject.js';
import { estimateCost } from '../capabilities/pricing.js';
import { mediaVerdict } from '../capabilities/media-accept.js';
import type { CapabilityRegistry } from '../capabilities/registry.js';
import { checkRules, checkSupported } from '../capabilities/rules.js';
import { missingFromShot, parseArgs, toProviderFields } from '../capabilities/tool-schema.js';
import type { Capability, Task } from '../capabilities/types.js';
import type { StudioConfig } from '../config.js';
import { StudioError, invalidInput, notFound } from '../errors.js';
import type { JobRequest } from '../store/jobs.js';
import type { Store } from '../store/index.js';
import type { Shot } from '../store/shots.js';
import type { MediaLibrary } from './library.js';
import { confirmationNeed, requireConfirmation } from './confirmations.js';
import { overBudget } from '../jobs/queue.js';
import { renderTakeOf, sourceMediaOf } from './takes.js';

export interface GenerateCall {
  tool: string;
  task: Task;
  args: Record<string, unknown>;
  /** The model used when neither the call nor (for video) its shot names one: the studio's default offered model. */
  defaultModel?: string;
}

export interface PreparedCall {
  cap: Capability;
  request: JobRequest;
  warnings: string[];
  costUsd: number | undefined;
  /**
   * STUDIO_BUDGET_USD when this call is held to it: the job row is written only if the estimate still fits when it
   * is created (checked again atomically there, since another call may have spent in between).
   */
  budgetUsd?: number;
}

function str(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') throw invalidInput(`'${field}' must be a non-empty string`, { field });
  return v;
}

/**
 * Turns a tool call into a job request: picks the model, validates the call against it, injects the character and
 * continuity, enforces the model's rules and resolves media. Nothing is written; an error here leaves no trace.
 */
export class GenerationPlanner {
  constructor(
    private readonly config: StudioConfig,
    private readonly store: Store,
    private readonly registry: CapabilityRegistry,
    private readonly library: MediaLibrary,
  ) {}

  async prepare(call: GenerateCall): Promise<PreparedCall> {
    const { args, task } = call;
    const shotId = str(args.shot_id, 'shot_id');
    const shot = shotId ? await this.requireShot(shotId) : undefined;
    const modelId =
      str(args.model, 'model') ?? (task === 'video_generate' ? (shot?.model ?? undefined) : undefined) ?? call.defaultModel ?? DEFAULT_MODELS[task];
    const cap = this.registry.require(modelId, 'model', task);

    const characterId = str(args.character_id, 'character_id') ?? shot?.character_id ?? undefined;
    const character = characterId ? await this.store.characters.get(characterId) : undefined;
    if (characterId && !character) throw notFound('character', characterId, 'character_id');

    // Model arguments: what the caller gave, over the shot's stored defaults.
    const given: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) if (!(STUDIO_ARGS as readonly string[]).includes(k) && v !== undefined) given[k] = v;
    const unsupported = checkSupported(cap, Object.keys(given), this.registry);
    if (unsupported.length) throw combine(unsupported);
    const fromShot = shot && task === 'video_generate' ? this.shotDefaults(cap, shot) : {};
    const explicit = parseArgs(cap, { ...fromShot, ...given });

    const warnings: string[] = [];
    let lastFrame: string | undefined;
    const useLastFrame = args.use_last_frame === true;
    if (args.use_last_frame !== undefined && typeof args.use_last_frame !== 'boolean') {
      throw invalidInput(`'use_last_frame' must be true or false`, { field: 'use_last_frame' });
    }
    if (useLastFrame) {
      if (!shot)
        throw invalidInput(`'use_last_frame' needs 'shot_id': the previous shot is found from the shot's place in its scene`, { field: 'use_last_frame' });
      lastFrame = await this.previousLastFrame(shot);
    } else if (task === 'video_generate' && shot?.continues && args.use_last_frame === undefined && !isGiven(explicit.start_frame)) {
      // The shot continues from its predecessor: always from the frame that shot ends on *now*, never a frame
      // stored when it was linked (the predecessor may have a new take since).
      if (hasRole(cap, 'start_frame')) lastFrame = await this.previousLastFrame(shot);
      else warnings.push(`the shot continues from the previous shot, but ${cap.id} takes no start frame, so this take will not start on its last frame`);
    }

    const charCtx: CharacterContext | undefined = character
      ? { name: character.name, reference_images: character.reference_images, voice_id: character.voice_id, style_tokens: character.style_tokens }
      : undefined;
    const injected = inject(cap, explicit, { ...(charCtx ? { character: charCtx } : {}), ...(lastFrame ? { lastFrame } : {}) }, this.registry);
    warnings.push(...injected.warnings);

    // Lip-sync on a shot: the shot's current take is the video, its latest dialogue line the audio.
    if (shot && (task === 'lipsync_video' || task === 'lipsync_image')) await this.fillFromShot(cap, shot, injected.values, warnings);

    // A field the shot could have supplied gets the error that says so, instead of the model's bare "required".
    const unsupplied = missingFromShot(call.tool, task, cap, injected.values, shot?.shot_id);
    const checked = checkRules(cap, injected.values);
    const errors = [...unsupplied, ...checked.errors.filter((e) => !unsupplied.some((u) => u.details.field === e.details.field))];
    if (errors.length) throw combine(errors);
    warnings.push(...checked.forced);
    const values = checked.values;

    // Media must exist and be of the kind the field takes.
    const mediaFields: string[] = [];
    const fieldsByArg = argFields(cap);
    for (const [arg, v] of Object.entries(values)) {
      const f = fieldsByArg.get(arg);
      if (!f?.field.media || !isGiven(v)) continue;
      mediaFields.push(f.name);
      const ids = Array.isArray(v) ? v : [v];
      for (const [i, id] of ids.entries()) {
        const label = Array.isArray(v) ? `${arg}[${i}]` : arg;
        // Refused here, before a job exists, when the provider cannot take the file (converted later if it can).
        const verdict = mediaVerdict(cap, f.name, await this.library.resolveInput(String(id), label, f.field.media, cap.id), label);
        if (verdict.action === 'refuse') throw verdict.error;
      }
    }

    // Lip-sync is billed by output length, which is the audio's length.
    const audioId = typeof values.audio === 'string' ? values.audio : undefined;
    const audioSeconds = audioId ? ((await this.store.media.get(audioId))?.duration ?? undefined) : undefined;
    const costUsd = estimateCost(cap, values, audioSeconds !== undefined ? { seconds: audioSeconds } : {})?.usd;
    if (this.config.budgetUsd !== undefined && costUsd === undefined && cap.provider !== 'local') {
      // A budget that lets calls of unknown price through is no budget: refuse rather than guess.
      throw new StudioError(
        'budget_exceeded',
        `${cap.id}: the price of this call is unknown (the model's capability has no usable pricing), so it cannot be checked against ` +
          `STUDIO_BUDGET_USD=$${this.config.budgetUsd.toFixed(2)}; use a priced model or unset STUDIO_BUDGET_USD`,
        { model: cap.id },
      );
    }
    // With STUDIO_CONFIRM_USD set, an expensive call (or one crossing the budget) stops here until the user confirms it.
    // The spend is read once, and only when something compares against it.
    const spent = this.config.budgetUsd !== undefined || this.config.confirmUsd !== undefined ? await this.store.jobs.spentUsd() : 0;
    const need = confirmationNeed(this.config, cap, costUsd, () => spent);
    requireConfirmation(need);
    // Held to the budget: refused now when it is already over, and checked again atomically when the job row is made.
    const heldToBudget = this.config.budgetUsd !== undefined && costUsd !== undefined && costUsd > 0 && !need;
    if (heldToBudget && this.config.budgetUsd !== undefined && spent + (costUsd ?? 0) > this.config.budgetUsd) {
      throw overBudget(cap.id, costUsd ?? 0, spent, this.config.budgetUsd);
    }

    const startArg = values.start_frame;
    const endArg = values.end_frame;
    const refs = values.reference_images;
    const parentMedia = task === 'lipsync_video' && typeof values.video === 'string' ? values.video : null;
    const request: JobRequest = {
      model: cap.id,
      fields: toProviderFields(cap, values),
      media_fields: mediaFields,
      input_params: values,
      character_id: character?.character_id ?? null,
      shot_id: shot?.shot_id ?? null,
      parent_media_id: parentMedia,
      take_kind: shot ? (task === 'video_generate' ? 'generated' : task.startsWith('lipsync') ? 'lipsync' : null) : null,
      attach_audio:
        shot && (task === 'voice_tts' || task === 'voice_v2v')
          ? {
              shot_id: shot.shot_id,
              offset_seconds: numberArg(args.offset_seconds, 'offset_seconds', 0),
              gain_db: numberArg(args.gain_db, 'gain_db', 0),
              text: typeof values.text === 'string' ? values.text : null,
              fit: fitArg(args.fit),
            }
          : null,
      start_frame_used: typeof startArg === 'string' ? startArg : null,
      end_frame_used: typeof endArg === 'string' ? endArg : null,
      reference_images_used: Array.isArray(refs) ? refs.map(String) : [],
      warnings,
      ...(costUsd !== undefined ? { cost_usd: costUsd } : {}),
    };
    return { cap, request, warnings, costUsd, ...(heldToBudget && this.config.budgetUsd !== undefined ? { budgetUsd: this.config.budgetUsd } : {}) };
  }

  private async requireShot(id: string): Promise<Shot> {
    const shot = await this.store.shots.get(id);
    if (!shot) throw notFound('shot', id, 'shot_id');
    return shot;
  }

  /** A shot's stored prompt, duration and params, limited to what this model takes. */
  private shotDefaults(cap: Capability, shot: Shot): Record<string, unknown> {
    const fields = argFields(cap);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(shot.params)) if (fields.has(k) && !fields.get(k)?.field.hidden) out[k] = v;
    if (shot.prompt && hasRole(cap, 'prompt')) out.prompt = shot.prompt;
    if (shot.duration !== null && hasRole(cap, 'duration')) out.duration = shot.duration;
    return out;
  }

  /** The last frame of the previous shot as the film shows it (its current take, or that take's lip-sync). */
  async previousLastFrame(shot: Shot): Promise<string> {
    const prev = await this.store.shots.previous(shot);
    if (!prev)
      throw invalidInput(`shot '${shot.shot_id}' is the first shot of its scene, so it has no previous shot to continue from`, { field: 'use_last_frame' });
    const taken = await renderTakeOf(this.store, prev);
    if (!taken) throw invalidInput(`the previous shot '${prev.shot_id}' has no take yet; generate it first`, { field: 'use_last_frame' });
    const m = taken.media;
    if (!m.last_frame_id) throw invalidInput(`the previous shot's take '${m.media_id}' has no last frame`, { field: 'use_last_frame' });
    return m.last_frame_id;
  }

  async currentTakeMedia(shot: Shot): Promise<string | undefined> {
    if (!shot.current_take_id) return undefined;
    return (await this.store.shots.getTake(shot.current_take_id))?.media_id;
  }

  private async fillFromShot(cap: Capability, shot: Shot, values: Record<string, unknown>, warnings: string[]): Promise<void> {
    if (hasRole(cap, 'video') && !isGiven(values.video)) {
      const media = await this.currentTakeMedia(shot);
      if (media) values.video = await this.sourceVideoOf(media);
    }
    if (hasRole(cap, 'audio') && !isGiven(values.audio)) {
      const lines = await this.store.shots.audio(shot.shot_id);
      const last = lines[lines.length - 1];
      if (last) {
        values.audio = last.media_id;
        if (lines.length > 1) warnings.push(`the shot has ${lines.length} dialogue lines; lip-synced the latest ('${last.media_id}')`);
      }
    }
  }

  /** Lip-sync a take's source video, not an earlier lip-synced version of it (that would stack audio). */
  private async sourceVideoOf(mediaId: string): Promise<string> {
    return (await sourceMediaOf(this.store, await this.library.get(mediaId))).media_id;
  }
}

/** `fit: "extend"` lengthens the shot to its lines; `"none"` (the default) leaves it and warns. */
function fitArg(v: unknown): 'extend' | null {
  if (v === undefined || v === null || v === 'none') return null;
  if (v === 'extend') return 'extend';
  throw invalidInput(`'fit' must be "extend" or "none" (got ${JSON.stringify(v)})`, { field: 'fit', accepts: 'extend, none' });
}

function numberArg(v: unknown, field: string, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidInput(`'${field}' must be a number`, { field });
  return v;
}

/** One error that carries every problem found, so the agent can fix them in one go. */
export function combine(errors: StudioError[]): StudioError {
  if (errors.length === 1) return errors[0] as StudioError;
  const first = errors[0] as StudioError;
  return new StudioError(first.code, errors.map((e) => e.message).join('; '), first.details);
}
