import { hasRole } from '../capabilities/fields.js';
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
  current_take: { take_number: number } | null;
  dialogue: { text: string | null; offset_seconds: number }[];
}

function capOf(studio: Studio, shot: ShotView): Capability | undefined {
  return studio.registry.get(shot.model ?? DEFAULT_MODELS.video_generate);
}

/** One numbered instruction per shot, from the scene as it is now. */
function shotSteps(studio: Studio, shots: ShotView[]): string {
  return shots
    .map((s, i) => {
      const cap = capOf(studio, s);
      const model = cap?.id ?? s.model ?? DEFAULT_MODELS.video_generate;
      const continues = i > 0 && cap !== undefined && hasRole(cap, 'start_frame');
      const call = continues ? `\`video_generate(shot_id: "${s.shot_id}", use_last_frame: true)\`` : `\`video_generate(shot_id: "${s.shot_id}")\``;
      const character = s.character_id ? studio.store.characters.get(s.character_id) : undefined;
      const notes: string[] = [];
      if (s.current_take) notes.push(`already has take ${s.current_take.take_number}: generate again only if it is wrong`);
      if (i > 0 && cap && !hasRole(cap, 'start_frame')) notes.push(`${model} takes no start frame, so this shot cannot continue the previous one; it is a cut`);
      if (continues && cap && character?.reference_images.length && videoInputs(cap).includes('never both')) {
        notes.push(`${model} takes reference images or frames, not both: with use_last_frame ${character.name}'s reference images are skipped (a warning says so); drop use_last_frame if identity matters more than continuity here`);
      }
      const lines = s.dialogue.map((d) => `"${d.text ?? '(recorded line)'}" at ${d.offset_seconds} s`);
      return [
        `${i + 1}. Shot ${s.shot_id} (${model}${s.duration ? `, ${s.duration} s` : ''}${character ? `, ${character.name}` : ''}): ${s.prompt ?? '(no prompt yet: give one with shot_update)'}`,
        `   ${call}${i > 0 ? (continues ? ' — continues from the previous shot\'s exact last frame' : '') : ''}`,
        ...notes.map((n) => `   Note: ${n}.`),
        ...(lines.length ? [`   Dialogue already attached: ${lines.join('; ')}.`] : []),
      ].join('\n');
    })
    .join('\n');
}

/** Generate every shot of a scene in order with continuity, voice and lip-sync the lines, render the scene. */
export const shootScene: PromptDef = {
  name: 'shoot_scene',
  title: 'Shoot a scene',
  description: 'Generate every shot of a scene in order with continuity (last frame → next start frame), voice the lines, lip-sync them and render the scene.',
  arguments: [{ name: 'scene_id', description: 'The scene to shoot (scene_create returned it; see studio://films/{id}).', required: true }],
  render(studio, args) {
    const sceneId = args.scene_id ?? '';
    const view = studio.project.sceneView(sceneId) as { title: string; shots: ShotView[] };
    const shots = view.shots;
    const body = shots.length
      ? shotSteps(studio, shots)
      : `The scene has no shots yet. Add them first: \`shot_create(scene_id: "${sceneId}", prompt: "<what we see>", model: "${DEFAULT_MODELS.video_generate}", duration: 4)\`.`;
    return `Shoot the scene "${view.title}" (${sceneId}) in the studio (studio-mcp).

## 1. Pictures, in order
Generate the shots one after another, never in parallel: a continuing shot needs the previous shot's take.
${body}

Each call returns a media_id and the take number; if it returns a job_id with status "running", call
\`job_wait(job_id: "<job_id>")\` until it is done before the next shot. Read the warnings: they say when a character's
reference images or a start frame could not be used with the model.

## 2. Voices
For each line a character speaks in a shot: \`voice_tts(shot_id: "<shot_id>", character_id: "<character_id>", text: "<the line>", offset_seconds: 0.5)\`.
The character's voice is used; the line is attached to the shot and mixed in at render time.

## 3. Lip-sync
For each shot with a visible speaker and a line: \`lipsync_video(shot_id: "<shot_id>")\`. It uses the shot's current
take and its latest line, and becomes the shot's current take (the render uses it without mixing that line twice).

## 4. Render
\`render_scene(scene_id: "${sceneId}")\`. It is incremental: unchanged scenes are reused. Report the file_path and
duration, and list any shot you would redo (the \`check_continuity\` prompt helps decide).`;
  },
};
