import { mapAsync } from '../async-map.js';
import { hasRole } from '../capabilities/arg-fields.js';
import type { Capability } from '../capabilities/types.js';
import { DEFAULT_MODELS } from '../capabilities/defaults.js';
import type { Studio } from '../studio/studio.js';
import { videoInputs } from './models-brief.js';
import type { PromptDef } from './types.js';

interface ShotView {
  shot_id: string;
  position: number;
  prompt: string | null;
  model: string | null;
  character_id: string | null;
  duration: number | null;
  continues: boolean;
  current_take: { take_number: number } | null;
  dialogue: { audio_id: string; text: string | null; offset_seconds: number }[];
}

function capOf(studio: Studio, shot: ShotView): Capability | undefined {
  return studio.registry.get(shot.model ?? DEFAULT_MODELS.video_generate);
}

/**
 * One numbered block per shot, in the order that keeps the edit consistent: the shot's picture, then its voices,
 * then its lip-sync, before the next shot — the next shot continues from the frame this shot finally ends on (a
 * lip-sync changes that frame), so doing all pictures first would leave every continuing cut stale.
 */
async function shotSteps(studio: Studio, shots: ShotView[]): Promise<string> {
  return (
    await mapAsync(shots, async (s, i) => {
      const cap = capOf(studio, s);
      const model = cap?.id ?? s.model ?? DEFAULT_MODELS.video_generate;
      const canContinue = cap !== undefined && hasRole(cap, 'start_frame');
      const continues = i > 0 && s.continues && canContinue;
      const call = continues ? `\`video_generate(shot_id: "${s.shot_id}", use_last_frame: true)\`` : `\`video_generate(shot_id: "${s.shot_id}")\``;
      const character = s.character_id ? await studio.store.characters.get(s.character_id) : undefined;
      const notes: string[] = [];
      if (s.current_take) notes.push(`already has take ${s.current_take.take_number}: generate again only if it is wrong (then redo its lip-sync)`);
      if (i > 0 && s.continues && !canContinue)
        notes.push(
          `the shot is marked to continue, but ${model} takes no start frame, so it will be a cut; pick a model with a start frame (shot_update) if it must ` +
            `flow`,
        );
      if (i > 0 && !s.continues) notes.push('a cut: this shot does not start on the previous frame (mark it with shot_update(continues: true) if it should)');
      if (continues && cap && character?.reference_images.length && videoInputs(cap).includes('never both')) {
        notes.push(`${model} takes reference images or frames, not both: continuing, ${character.name}'s reference images are skipped (a warning says so)`);
      }
      const lines = s.dialogue.map((d) => `"${d.text ?? '(recorded line)'}" at ${d.offset_seconds} s`);
      const voice = lines.length
        ? `   b. Voices: already attached (${lines.join('; ')}).`
        : `   b. Voices, if someone speaks here: \`voice_tts(shot_id: "${s.shot_id}", character_id: "<character_id>", text: "<the line>", offset_seconds: ` +
          `0.5)\` per line (read its warnings: a line that overlaps another or runs past the shot says how to fix it).`;
      const lipsync = lines.length
        ? `   c. Lip-sync: \`lipsync_video(shot_id: "${s.shot_id}")\` (the synced take keeps the shot's length and the line's place).`
        : '   c. Lip-sync, only if you voiced a line in b and its speaker is visible: `lipsync_video(shot_id: "<shot_id>")` with this shot.';
      return [
        `${i + 1}. Shot ${s.shot_id} (${model}${s.duration ? `, ${s.duration} s` : ''}${character ? `, ${character.name}` : ''}): ` +
          `${s.prompt ?? '(no prompt yet: give one with shot_update)'}`,
        `   a. Picture: ${call}${continues ? " — continues from the previous shot's exact last frame" : ''}`,
        voice,
        lipsync,
        ...notes.map((n) => `   Note: ${n}.`),
      ].join('\n');
    })
  ).join('\n');
}

/** Shoot a scene shot by shot (picture, voices, lip-sync), continuing only where a shot continues; render it. */
export const shootScene: PromptDef = {
  name: 'shoot_scene',
  title: 'Shoot a scene',
  description:
    "Shoot a scene shot by shot — picture, voices, lip-sync — continuing from the previous shot's last frame only where a shot continues, then render it " +
    'with no stale cut.',
  arguments: [{ name: 'scene_id', description: 'The scene to shoot (scene_create returned it; see studio://films/{id}).', required: true }],
  async render(studio, args) {
    const sceneId = args.scene_id ?? '';
    const view = (await studio.project.sceneView(sceneId)) as { title: string; shots: ShotView[] };
    const shots = view.shots;
    const body = shots.length
      ? await shotSteps(studio, shots)
      : `The scene has no shots yet. Add them first: \`shot_create(scene_id: "${sceneId}", prompt: "<what we see>", model: ` +
        `"${DEFAULT_MODELS.video_generate}", duration: 4)\` (add continues: true to a shot that must start on the previous shot's last frame).`;
    return `Shoot the scene "${view.title}" (${sceneId}) in the studio (studio-mcp).

## 1. Shot by shot, in order
Finish each shot (a. picture, b. voices, c. lip-sync) before the next one, never in parallel: a continuing shot starts
on the frame the previous shot finally ends on, and a lip-sync changes that frame.
${body}

Each call returns a media_id and the take number; if it returns a job_id with status "running", call
\`job_wait(job_id: "<job_id>")\` until it is done before the next step. Read the warnings and stale_shots: they say
when a reference image or start frame could not be used, when a line does not fit, and which later shot a new take
made stale (with the exact call that refreshes it).

## 2. Render
\`render_scene(scene_id: "${sceneId}")\`. Its timeline gives every shot's start/end and every line; its warnings must
be empty (\`strict: true\` refuses a stale cut or a line that does not fit). Report the file_path and duration, and
list any shot you would redo (the \`check_continuity\` prompt helps decide).`;
  },
};
