import { ToolCallError } from './caller.js';
import { addCost, type RunContext, type ShotView } from './context.js';
import { fingerprint } from './fingerprint.js';
import { generate, type Generated } from './call-generation.js';
import { ensureImage, firstFrame } from './images.js';
import { sceneShots } from './structure.js';
import type { ShotOutcome, ShotStep } from './summary.js';
import type { ResolvedShot } from './validate.js';

/**
 * Make one shot: its video take, its dialogue lines, its lip-sync, each step redone only when what it depends on
 * changed. The video depends on the shot's definition, the character's look and — for a continuing shot — the
 * exact media the previous shot ended on, so a changed predecessor makes its successor regenerate too.
 */
export async function runShot(
  ctx: RunContext,
  shot: ResolvedShot,
  predecessor: ShotOutcome | undefined,
  pendingImages: Map<string, Promise<string>>,
): Promise<ShotOutcome> {
  const { caller, state } = ctx;
  const st = state.state.shots[shot.key];
  const view = st ? ctx.views.get(st.shot_id) : undefined;
  if (!st || !view) throw new Error(`shot ${shot.key} was not set up`);
  const shotId = st.shot_id;
  const steps: ShotStep[] = [];
  const label = `shot ${shot.sceneKey}/${shot.key}`;
  const hasTake = (mediaId: string): boolean => view.takes.some((t) => t.media_id === mediaId);
  const noteWarnings = (g: Generated): void => {
    for (const w of g.warnings) ctx.tally.warnings.push(`${label}: ${w}`);
    addCost(ctx, g.cost_usd);
  };
  const recordTake = (g: Generated, kind: string): number => {
    const n = g.take_number ?? view.takes.length + 1;
    view.takes.push({ take_number: n, media_id: g.media_id, kind });
    view.current_take_number = n;
    return n;
  };

  // A take a person approved is the shot, whatever the plan now says: nothing of it is made again or replaced.
  const approved = view.takes.find((t) => t.approved && t.take_number === view.current_take_number);
  if (approved) {
    const shown = st.lipsync && st.video?.media_id === approved.media_id ? st.lipsync.media_id : approved.media_id;
    ctx.events.log(`${label}: kept the approved take ${approved.take_number}`);
    return { key: shot.key, scene: shot.sceneKey, status: 'reused', steps, media_id: shown, shot_id: shotId, kept_approved_take: approved.take_number };
  }

  try {
    const image = (img: Parameters<typeof ensureImage>[1]) => ensureImage(ctx, img, pendingImages);
    const refs = await Promise.all(shot.referenceImages.map(image));
    const start = shot.startFrame ? await image(shot.startFrame) : undefined;
    const end = shot.endFrame ? await image(shot.endFrame) : undefined;
    const character = shot.characterKey ? ctx.characters.get(shot.characterKey) : undefined;

    // A fitted shot is voiced first: its lines set the length its video is made at.
    // ---- dialogue ----
    const voiceLines = async (): Promise<void> => {
      const lines = shot.dialogue.map((l) => ({
        text: l.text,
        character: l.characterKey ?? null,
        voice: l.characterKey ? (ctx.characters.get(l.characterKey)?.voice_id ?? null) : null,
        offset: l.offset,
        gain_db: l.gain_db ?? null,
      }));
      const dialogueFp = fingerprint({ model: shot.voiceModel, lines });
      const present = new Set(view.dialogue.map((d) => d.audio_id));
      if (!(st.dialogue && st.dialogue.fp === dialogueFp && st.dialogue.audio_ids.every((a) => present.has(a)))) {
        for (const a of st.dialogue?.audio_ids ?? []) if (present.has(a)) await caller.call('shot_remove_dialogue', { shot_id: shotId, audio_id: a });
        view.dialogue = view.dialogue.filter((d) => !(st.dialogue?.audio_ids ?? []).includes(d.audio_id));
        // Lines are recorded one by one, so a failure halfway leaves nothing untracked behind.
        st.dialogue = { fp: 'incomplete', audio_ids: [], media_ids: [] };
        delete st.lipsync;
        state.save();
        for (const [i, l] of shot.dialogue.entries()) {
          const args: Record<string, unknown> = { model: shot.voiceModel, shot_id: shotId, text: l.text, offset_seconds: l.offset };
          const speaker = l.characterKey ? ctx.characters.get(l.characterKey) : undefined;
          if (speaker) args.character_id = speaker.character_id;
          if (l.gain_db !== undefined) args.gain_db = l.gain_db;
          ctx.events.log(`${label}: voicing line ${i + 1}`);
          const g = await generate(caller, 'voice_tts', args);
          // A fitted shot's video is made after its lines, so "regenerate at the new length" is this run's next step.
          noteWarnings(shot.fitToDialogue ? { ...g, warnings: g.warnings.filter((w) => !w.startsWith('fit:')) } : g);
          st.dialogue.audio_ids.push(g.audio_id ?? '');
          st.dialogue.media_ids.push(g.media_id);
          view.dialogue.push({ audio_id: g.audio_id ?? '', media_id: g.media_id });
          state.save();
        }
        st.dialogue.fp = dialogueFp;
        if (shot.dialogue.length) steps.push('voice');
        state.save();
        if (shot.fitToDialogue) {
          // New lines refitted the shot in the studio: read the length they set (the video's fingerprint holds it).
          const sceneId = ctx.sceneIds.get(shot.sceneKey);
          const now = sceneId ? (await sceneShots(ctx, sceneId)).find((v) => v.shot_id === shotId) : undefined;
          view.duration = now?.duration ?? view.duration;
        }
      }
    };

    // ---- video ----
    const makeVideo = async (): Promise<void> => {
      const videoFp = fingerprint({
        model: shot.model,
        prompt: shot.prompt ?? null,
        // A fitted shot is as long as its lines made it: a new length is a new video.
        duration: (shot.fitToDialogue ? view.duration : shot.duration) ?? null,
        params: shot.params,
        character: character?.visual_fp ?? null,
        refs,
        start: start ?? null,
        end: end ?? null,
        continues_from: predecessor?.media_id ?? null,
      });
      if (!(st.video && st.video.fp === videoFp && hasTake(st.video.media_id))) {
        delete st.video;
        delete st.lipsync;
        state.save();
        ctx.events.log(`${label}: generating video (${shot.model})`);
        const args: Record<string, unknown> = { shot_id: shotId };
        if (predecessor) args.use_last_frame = true;
        if (refs.length) args.reference_images = refs;
        if (start) args.start_frame = start;
        if (end) args.end_frame = end;
        const g = await generate(caller, 'video_generate', args);
        noteWarnings(g);
        st.video = { fp: videoFp, media_id: g.media_id, take_number: recordTake(g, 'generated') };
        steps.push('video');
        state.save();
      }
    };

    if (shot.fitToDialogue) {
      await voiceLines();
      await makeVideo();
    } else {
      await makeVideo();
      await voiceLines();
    }
    const video = st.video;
    if (!video || !st.dialogue) throw new Error(`shot ${shot.key}: video or dialogue missing after its steps`);

    // ---- lip-sync, and the take the film uses ----
    let wantTake = video.take_number;
    let finalMedia = video.media_id;
    if (shot.lipsyncModel) {
      const audio = st.dialogue.media_ids[st.dialogue.media_ids.length - 1];
      const lipFp = fingerprint(
        shot.lipsyncTwoSpeakers
          ? { model: shot.lipsyncModel, video: video.media_id, lines: st.dialogue.media_ids }
          : { model: shot.lipsyncModel, video: video.media_id, audio: audio ?? null },
      );
      if (!(st.lipsync && st.lipsync.fp === lipFp && hasTake(st.lipsync.media_id))) {
        ctx.events.log(`${label}: lip-sync (${shot.lipsyncModel}${shot.lipsyncTwoSpeakers ? ', two speakers' : ''})`);
        const g = shot.lipsyncTwoSpeakers
          ? await generate(caller, 'lipsync_image', { model: shot.lipsyncModel, shot_id: shotId, image: await firstFrame(caller, video.media_id) })
          : await generate(caller, 'lipsync_video', { model: shot.lipsyncModel, shot_id: shotId, video: video.media_id, audio });
        noteWarnings(g);
        st.lipsync = { fp: lipFp, media_id: g.media_id, take_number: recordTake(g, 'lipsync') };
        steps.push('lipsync');
        state.save();
      }
      wantTake = st.lipsync.take_number;
      finalMedia = st.lipsync.media_id;
    } else if (st.lipsync) {
      delete st.lipsync;
      state.save();
    }
    if (view.current_take_number !== wantTake) {
      await caller.call('shot_select_take', { shot_id: shotId, take_number: wantTake });
      view.current_take_number = wantTake;
    }
    delete st.error;
    state.save();
    if (steps.length) ctx.events.log(`${label}: made (${steps.join(', ')})`);
    else ctx.events.log(`${label}: reused`);
    return { key: shot.key, scene: shot.sceneKey, status: steps.length ? 'made' : 'reused', steps, media_id: finalMedia, shot_id: shotId };
  } catch (err) {
    const reason = err instanceof ToolCallError ? err.message : err instanceof Error ? err.message : String(err);
    st.error = reason;
    state.save();
    ctx.events.log(`${label}: failed: ${reason}`);
    return { key: shot.key, scene: shot.sceneKey, status: 'failed', steps, reason };
  }
}

export type { ShotView };
