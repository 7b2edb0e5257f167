import { DEFAULT_MODELS } from '../capabilities/defaults.js';
import type { PromptDef } from './types.js';

/** One spoken line: voice it with the character's voice, attach it to the shot, lip-sync, re-render. */
export const addDialogue: PromptDef = {
  name: 'add_dialogue',
  title: 'Add a line of dialogue to a shot',
  description: "Voice a line with the character's voice, attach it to the shot, lip-sync the shot and re-render its scene.",
  arguments: [
    { name: 'shot_id', description: 'The shot the line belongs to.', required: true },
    { name: 'character_id', description: 'Who speaks (their voice_id is used).', required: true },
    { name: 'text', description: 'The words to speak.', required: true },
  ],
  async render(studio, args) {
    const shot = await studio.project.shot(args.shot_id ?? '');
    const character = await studio.project.character(args.character_id ?? '');
    const text = (args.text ?? '').replace(/"/g, "'");
    const hasTake = shot.current_take_id !== null;
    const voice = character.voice_id
      ? `${character.name}'s voice (${character.voice_id}) is used.`
      : `${character.name} has no voice_id yet: set one with \`character_update(character_id: "${character.character_id}", voice_id: "<voice>")\` first, or ` +
        `pass voice_id to voice_tts (models such as ElevenLabs need one; ${DEFAULT_MODELS.voice_tts} does not).`;
    return `Add a line of dialogue to shot ${shot.shot_id} in the studio (studio-mcp).

Line: "${text}" — spoken by ${character.name} (${character.character_id}). ${voice}

1. \`voice_tts(shot_id: "${shot.shot_id}", character_id: "${character.character_id}", text: "${text}", offset_seconds: 0)\`
   Choose offset_seconds (where the line starts within the shot) so it fits the shot's ${shot.duration ?? 'current'} s.
   The result's audio_id is the attached line and duration its length; if the line is longer than the shot, make the
   shot longer (shot_update and video_generate again) or split the line.
2. ${
      hasTake
        ? `\`lipsync_video(shot_id: "${shot.shot_id}")\` — syncs the shot's current take to its latest line; the result becomes the current take.`
        : `The shot has no take yet: \`video_generate(shot_id: "${shot.shot_id}")\` first, then \`lipsync_video(shot_id: "${shot.shot_id}")\`.`
    }
   Skip lip-sync when the speaker is off screen: the line is mixed in at render time either way.
3. \`render_scene(scene_id: "${shot.scene_id}")\` and report the file_path.

To use an existing recording instead of speech synthesis: \`media_import(path: "<file>")\`, then
\`shot_add_dialogue(shot_id: "${shot.shot_id}", audio: "<media_id>", offset_seconds: 0, text: "${text}")\`.
To remove a line again: \`shot_remove_dialogue(shot_id: "${shot.shot_id}", audio_id: "<audio_id>")\`.`;
  },
};
