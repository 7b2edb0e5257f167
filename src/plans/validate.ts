import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CharacterContext } from '../capabilities/inject.js';
import type { CapabilityRegistry } from '../capabilities/registry.js';
import type { Capability, Task } from '../capabilities/types.js';
import type { Availability } from '../providers/types.js';
import { isTwoSpeaker } from '../studio/two-speakers.js';
import { DEFAULT_MODELS } from '../capabilities/defaults.js';
import { speechSeconds } from '../media/placeholder/voice.js';
import { modelLength } from '../studio/dialogue-fit.js';
import { checkCall } from './capability-check.js';
import { PlanRefused } from './errors.js';
import { fingerprint } from './fingerprint.js';
import type { LoadedPlan } from './load.js';
import type { ImageSource, Plan, PlanSettings } from './schema.js';

/**
 * Everything about a plan that can be known before anything is generated: references between entities, files,
 * models (known, of the right kind, available here), and each generation call checked against its model's
 * capability. The result is the plan in resolved form, which is all the runner needs.
 */

/** What validation needs from the studio: the models and whether each can run here. */
export interface PlanContext {
  registry: CapabilityRegistry;
  availability(cap: Capability): Availability;
  /**
   * A check only (`run --check`): a model that cannot run here (no key) is a warning, so the plan's cost can be
   * estimated without keys; for a real run it is a problem.
   */
  checkOnly?: boolean;
}

export type ImageSpec =
  | { kind: 'file'; file: string }
  | { kind: 'generate'; model: string; prompt: string; aspect_ratio?: string; params: Record<string, unknown> };

export interface ResolvedImage {
  /** Content fingerprint: a file's bytes, or the generation request. Equal fingerprints share one media item. */
  fp: string;
  spec: ImageSpec;
  label: string;
}

export interface ResolvedLine {
  text: string;
  characterKey: string | undefined;
  offset: number;
  gain_db: number | undefined;
}

export interface ResolvedTransition {
  type: 'cut' | 'crossfade' | 'fade_black';
  duration: number;
}

export interface ResolvedShot {
  key: string;
  sceneKey: string;
  title: string | undefined;
  prompt: string | undefined;
  model: string;
  duration: number | undefined;
  characterKey: string | undefined;
  params: Record<string, unknown>;
  referenceImages: ResolvedImage[];
  startFrame: ResolvedImage | undefined;
  endFrame: ResolvedImage | undefined;
  /** The shot this one continues from (its last frame is this shot's start frame). */
  predecessor: string | undefined;
  transition: ResolvedTransition;
  dialogue: ResolvedLine[];
  /** The shot's duration follows its lines (voiced before the video); the padding after the last one, if given. */
  fitToDialogue: boolean;
  padding: number | undefined;
  /** The length the check priced the video at: for a fitted shot, the estimate from its lines. */
  checkedDuration: number | undefined;
  voiceModel: string;
  lipsyncModel: string | undefined;
  /** The lip-sync model syncs two speakers from one picture (the take's first frame) in one job. */
  lipsyncTwoSpeakers: boolean;
}

export interface ResolvedCharacter {
  key: string;
  name: string;
  referenceImages: ResolvedImage[];
  voice_id: string | undefined;
  style_tokens: string | undefined;
}

export interface ResolvedScene {
  key: string;
  title: string;
  description: string | undefined;
  settings: PlanSettings | undefined;
  shots: ResolvedShot[];
}

export interface CostEstimate {
  /** Sum of the calls whose price is known. */
  usd: number;
  /** Calls of models without a price (or whose units cannot be known in advance). */
  unpriced: number;
}

export interface ValidatedPlan {
  id: string;
  file: string;
  film: Plan['film'];
  characters: ResolvedCharacter[];
  scenes: ResolvedScene[];
  warnings: string[];
  /** What making the whole plan from nothing would cost (a re-run costs only what it makes again). */
  estimate: CostEstimate;
  /** Folders of the image files the plan imports (the runner allows media_import to read them). */
  importDirs: string[];
}

const DEFAULT_IMAGE_MODEL = DEFAULT_MODELS.image_generate;

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function transitionOf(t: Plan['scenes'][number]['shots'][number]['transition']): ResolvedTransition {
  if (t === undefined) return { type: 'cut', duration: 0 };
  const type = typeof t === 'string' ? t : t.type;
  const duration = typeof t === 'string' ? undefined : t.duration;
  return { type, duration: type === 'cut' ? 0 : (duration ?? 0.5) };
}

export function validatePlan(loaded: LoadedPlan, ctx: PlanContext): ValidatedPlan {
  const { plan } = loaded;
  // Structure problems first; everything below still runs on what the structure check left, so one run names all.
  const problems: string[] = [...loaded.problems];
  const warnings: string[] = [];
  const skipped = new Set(loaded.skippedCharacters);
  const estimate: CostEstimate = { usd: 0, unpriced: 0 };
  const importDirs = new Set<string>();
  const defaults = plan.defaults;

  const addCost = (usd: number | undefined): void => {
    if (usd === undefined) estimate.unpriced++;
    else estimate.usd += usd;
  };

  /** The capability of a model for a task, or a problem (unknown, wrong task, not available here). */
  const model = (id: string, task: Task, who: string): Capability | undefined => {
    let cap: Capability;
    try {
      cap = ctx.registry.require(id, 'model', task);
    } catch (err) {
      problems.push(`${who}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    const a = ctx.availability(cap);
    if (!a.available)
      (ctx.checkOnly ? warnings : problems).push(`${who}: ${cap.id} is not available here: ${a.reason}${a.env?.length ? ` (set ${a.env.join(', ')})` : ''}`);
    return cap;
  };

  const images = new Map<string, ResolvedImage>();
  const image = (src: ImageSource, label: string): ResolvedImage | undefined => {
    if (typeof src === 'string' || 'file' in src) {
      const file = typeof src === 'string' ? src : src.file;
      let fp: string;
      try {
        if (!fs.statSync(file).isFile()) throw new Error('not a file');
        fp = fingerprint({ file: sha256File(file) });
      } catch {
        problems.push(`${label}: the image file '${file}' does not exist or cannot be read`);
        return undefined;
      }
      importDirs.add(path.dirname(file));
      const r: ResolvedImage = { fp, spec: { kind: 'file', file }, label };
      if (!images.has(fp)) images.set(fp, r);
      return r;
    }
    const modelId = src.model ?? defaults.image_model ?? DEFAULT_IMAGE_MODEL;
    const spec: ImageSpec = {
      kind: 'generate',
      model: modelId,
      prompt: src.prompt,
      ...(src.aspect_ratio ? { aspect_ratio: src.aspect_ratio } : {}),
      params: src.params ?? {},
    };
    const fp = fingerprint(spec);
    const r: ResolvedImage = { fp, spec, label };
    if (images.has(fp)) return r; // the same image asked for twice is made once
    images.set(fp, r);
    const cap = model(modelId, 'image_generate', label);
    if (cap) {
      const given: Record<string, unknown> = { ...spec.params, prompt: spec.prompt, ...(spec.aspect_ratio ? { aspect_ratio: spec.aspect_ratio } : {}) };
      const check = checkCall(ctx.registry, { cap, given });
      problems.push(...check.problems.map((p) => `${label}: ${p}`));
      warnings.push(...check.warnings.map((w) => `${label}: ${w}`));
      addCost(check.costUsd);
    }
    return r;
  };

  const unique = (kind: string, ids: string[]): void => {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) problems.push(`${kind} id '${id}' is used more than once; plan ids must be unique`);
      seen.add(id);
    }
  };
  unique(
    'character',
    plan.characters.map((c) => c.id),
  );
  unique(
    'scene',
    plan.scenes.map((s) => s.id),
  );
  unique(
    'shot',
    plan.scenes.flatMap((s) => s.shots.map((x) => x.id)),
  );

  const characters: ResolvedCharacter[] = plan.characters.map((c) => ({
    key: c.id,
    name: c.name,
    referenceImages: c.reference_images
      .map((src, i) => image(src, `character '${c.id}' reference image ${i + 1}`))
      .filter((r): r is ResolvedImage => r !== undefined),
    voice_id: c.voice_id,
    style_tokens: c.style_tokens,
  }));
  const byKey = new Map(characters.map((c) => [c.key, c]));
  /** The character as injection sees it, with placeholder media ids for images that do not exist yet. */
  const charCtx = (key: string | undefined): CharacterContext | undefined => {
    const c = key ? byKey.get(key) : undefined;
    return c
      ? {
          name: c.name,
          reference_images: c.referenceImages.map((_, i) => `plan:${c.key}:ref${i + 1}`),
          voice_id: c.voice_id ?? null,
          style_tokens: c.style_tokens ?? null,
        }
      : undefined;
  };

  const scenes: ResolvedScene[] = plan.scenes.map((scene) => {
    const shots = scene.shots.map((shot, index): ResolvedShot => {
      const who = `shot '${shot.id}' (scene '${scene.id}')`;
      if (shot.character && !byKey.has(shot.character) && !skipped.has(shot.character))
        problems.push(`${who}: character '${shot.character}' is not in the plan's characters`);
      if (shot.use_last_frame && index === 0) problems.push(`${who}: use_last_frame on the first shot of a scene; there is no previous shot to continue from`);
      const into = typeof shot.transition === 'string' ? shot.transition : shot.transition?.type;
      if (index === 0 && into && into !== 'cut')
        problems.push(`${who}: a ${into} into the first shot of a scene has no shot to come from; put it on the next shot`);
      const refs = (shot.reference_images ?? [])
        .map((src, i) => image(src, `${who} reference image ${i + 1}`))
        .filter((r): r is ResolvedImage => r !== undefined);
      const start = shot.start_frame ? image(shot.start_frame, `${who} start_frame`) : undefined;
      const end = shot.end_frame ? image(shot.end_frame, `${who} end_frame`) : undefined;

      const videoModel = shot.model ?? defaults.video_model ?? DEFAULT_MODELS.video_generate;
      const cap = model(videoModel, 'video_generate', who);
      if (shot.fit_to_dialogue && !shot.dialogue.length) warnings.push(`${who}: fit_to_dialogue without dialogue makes the model's shortest clip`);
      // The length the check prices: for a shot fitted to its lines, their estimated end (speech at 2.5 words a
      // second, the local voice's rate and about a normal speaking pace) plus padding, as a length the model makes.
      const duration =
        shot.fit_to_dialogue && cap
          ? modelLength(
              ctx.registry,
              cap.id,
              Math.max(0, ...shot.dialogue.map((l) => l.offset + speechSeconds(l.text))) + (shot.dialogue_padding_seconds ?? 0.5),
            ).duration
          : shot.duration;
      if (cap) {
        const given: Record<string, unknown> = { ...(shot.params ?? {}) };
        if (shot.prompt !== undefined) given.prompt = shot.prompt;
        if (duration !== undefined) given.duration = duration;
        if (refs.length) given.reference_images = refs.map((_, i) => `plan:${shot.id}:ref${i + 1}`);
        if (shot.start_frame) given.start_frame = `plan:${shot.id}:start`;
        if (shot.end_frame) given.end_frame = `plan:${shot.id}:end`;
        const character = charCtx(shot.character);
        const check = checkCall(ctx.registry, {
          cap,
          given,
          ...(character ? { character } : {}),
          ...(shot.use_last_frame ? { lastFrame: 'plan:previous-shot:last-frame' } : {}),
        });
        problems.push(...check.problems.map((p) => `${who}: ${p}`));
        warnings.push(...check.warnings.map((w) => `${who}: ${w}`));
        addCost(check.costUsd);
      }

      const voiceModel = defaults.voice_model ?? DEFAULT_MODELS.voice_tts;
      const dialogue: ResolvedLine[] = shot.dialogue.map((line, i) => {
        const speaker = line.character ?? shot.character;
        const lineWho = `${who} line ${i + 1}`;
        if (line.character && !byKey.has(line.character) && !skipped.has(line.character))
          problems.push(`${lineWho}: character '${line.character}' is not in the plan's characters`);
        if (shot.duration !== undefined && !shot.fit_to_dialogue && line.offset >= shot.duration)
          warnings.push(`${lineWho} starts at ${line.offset} s, after the shot's ${shot.duration} s`);
        const voiceCap = model(voiceModel, 'voice_tts', lineWho);
        if (voiceCap) {
          const character = charCtx(speaker);
          const check = checkCall(ctx.registry, { cap: voiceCap, given: { text: line.text }, ...(character ? { character } : {}) });
          problems.push(...check.problems.map((p) => `${lineWho}: ${p}`));
          addCost(check.costUsd);
        }
        return { text: line.text, characterKey: speaker, offset: line.offset, gain_db: line.gain_db };
      });

      let lipsyncModel: string | undefined;
      let lipsyncTwoSpeakers = false;
      if (shot.lipsync !== false) {
        lipsyncModel = (typeof shot.lipsync === 'object' ? shot.lipsync.model : undefined) ?? defaults.lipsync_model ?? DEFAULT_MODELS.lipsync_video;
        // A two-speaker model (InfiniteTalk multi) syncs the shot's first frame to two lines; any other syncs the take to its last line.
        const imageCap = ctx.registry.get(lipsyncModel);
        lipsyncTwoSpeakers = isTwoSpeaker(imageCap) && imageCap.task === 'lipsync_image';
        const lipCap = model(lipsyncModel, lipsyncTwoSpeakers ? 'lipsync_image' : 'lipsync_video', `${who} lipsync`);
        if (lipsyncTwoSpeakers) {
          if (dialogue.length < 2)
            problems.push(`${who}: ${lipsyncModel} syncs two speakers and needs two lines of dialogue on the shot (it has ${dialogue.length})`);
          if (dialogue.length > 2)
            warnings.push(`${who}: ${dialogue.length} lines; the two-speaker lip-sync takes the first two (by speaker), the others are mixed in`);
        } else {
          if (!dialogue.length) problems.push(`${who}: lipsync needs a line of dialogue on the shot`);
          if (dialogue.length > 1) warnings.push(`${who}: ${dialogue.length} lines; lip-sync follows the last one, the others are mixed in`);
        }
        if (lipCap) {
          const given = lipsyncTwoSpeakers
            ? { image: `plan:${shot.id}:frame`, left_audio: `plan:${shot.id}:line1`, right_audio: `plan:${shot.id}:line2` }
            : { video: `plan:${shot.id}:take`, audio: `plan:${shot.id}:line` };
          const check = checkCall(ctx.registry, { cap: lipCap, given, ...(duration !== undefined ? { seconds: duration } : {}) });
          problems.push(...check.problems.map((p) => `${who} lipsync: ${p}`));
          addCost(check.costUsd);
        }
      }

      return {
        key: shot.id,
        sceneKey: scene.id,
        title: shot.title,
        prompt: shot.prompt,
        model: cap?.id ?? videoModel,
        duration: shot.duration,
        characterKey: shot.character,
        params: shot.params ?? {},
        referenceImages: refs,
        startFrame: start,
        endFrame: end,
        predecessor: shot.use_last_frame && index > 0 ? scene.shots[index - 1]?.id : undefined,
        transition: transitionOf(shot.transition),
        dialogue,
        fitToDialogue: shot.fit_to_dialogue,
        checkedDuration: duration,
        padding: shot.dialogue_padding_seconds,
        voiceModel,
        lipsyncModel,
        lipsyncTwoSpeakers,
      };
    });
    return { key: scene.id, title: scene.title, description: scene.description, settings: scene.settings, shots };
  });

  if (problems.length) throw new PlanRefused(problems, warnings);
  estimate.usd = Math.round(estimate.usd * 1e6) / 1e6;
  return { id: loaded.id, file: loaded.file, film: plan.film, characters, scenes, warnings, estimate, importDirs: [...importDirs] };
}
