import { hasRole } from '../capabilities/fields.js';
import { DEFAULT_MODELS } from '../capabilities/defaults.js';
import type { Studio } from '../studio/studio.js';
import type { PromptDef } from './types.js';

/** What the studio already knows about each cut: did the next shot start on the previous shot's exact last frame? */
function cutReport(studio: Studio, sceneId: string): string[] {
  const { store } = studio;
  const shots = store.shots.listByScene(sceneId);
  const mediaOf = (takeId: string | null) => {
    const take = takeId ? store.shots.getTake(takeId) : undefined;
    return take ? store.media.get(take.media_id) : undefined;
  };
  const out: string[] = [];
  shots.forEach((shot, i) => {
    const media = mediaOf(shot.current_take_id);
    if (!media) {
      out.push(`- Shot ${i + 1} (${shot.shot_id}) has no take yet: \`video_generate(shot_id: "${shot.shot_id}")\`.`);
      return;
    }
    if (i === 0) return;
    const prev = shots[i - 1];
    const prevMedia = prev ? mediaOf(prev.current_take_id) : undefined;
    // A lip-synced take keeps the picture of its source, so look at the generated source's start frame.
    const source = media.parent_media_id ? (store.media.get(media.parent_media_id) ?? media) : media;
    const cap = studio.registry.get(shot.model ?? DEFAULT_MODELS.video_generate);
    const canContinue = cap ? hasRole(cap, 'start_frame') : false;
    if (prevMedia && source.start_frame_used && source.start_frame_used === prevMedia.last_frame_id) {
      out.push(`- Cut ${i}→${i + 1}: shot ${i + 1} starts on shot ${i}'s exact last frame (continuous).`);
    } else if (prevMedia && source.start_frame_used) {
      out.push(`- Cut ${i}→${i + 1}: shot ${i + 1} starts on a frame that is not shot ${i}'s current last frame (shot ${i} changed since): regenerate with \`video_generate(shot_id: "${shot.shot_id}", use_last_frame: true)\`.`);
    } else {
      out.push(
        `- Cut ${i}→${i + 1}: a hard cut (shot ${i + 1} did not start from shot ${i}'s last frame)${canContinue ? '' : `; ${cap?.id ?? 'its model'} takes no start frame`}.`,
      );
    }
  });
  return out;
}

/** A storyboard of the scene's cuts, what to look for, and the exact calls that fix each kind of problem. */
export const checkContinuity: PromptDef = {
  name: 'check_continuity',
  title: 'Check the continuity of a scene',
  description: "Make a storyboard contact sheet of a scene's cuts (each shot's first and last frame), look for breaks, and regenerate or bridge what does not match.",
  arguments: [{ name: 'scene_id', description: 'The scene to check.', required: true }],
  render(studio, args) {
    const scene = studio.project.scene(args.scene_id ?? '');
    const report = cutReport(studio, scene.scene_id);
    return `Check the continuity of the scene "${scene.title}" (${scene.scene_id}) in the studio (studio-mcp).

What the studio records about the cuts:
${report.length ? report.join('\n') : '- The scene has a single shot, so there are no cuts; still check the frames for identity and lighting.'}

1. \`extract_frames(scene_id: "${scene.scene_id}")\` makes a storyboard: each shot's first and last frame, labelled
   "N first" / "N last", tiled into one contact sheet (contact_sheet_path). Look at it (for a closer look at one shot:
   \`extract_frames(shot_id: "<shot_id>", every_seconds: 1, contact_sheet: true)\`).
2. At every cut compare "N last" with "N+1 first": same character (face, clothes, props), same place, light and
   time of day, screen direction, and no jump in the action unless the cut is meant.
3. Fix what breaks, cheapest first:
   - An earlier take was better: \`shot_select_take(shot_id: "<shot_id>", take_number: 1)\`.
   - The next shot should continue the movement: \`video_generate(shot_id: "<shot_id>", use_last_frame: true)\`
     (its model must take a start frame; the error lists those that do).
   - Two good shots that do not meet: \`video_smooth_transition(from_shot_id: "<shot_id>")\` generates a bridge shot
     (or sets a crossfade when no model with start and end frames is available).
   - A soft cut is enough: \`shot_update(shot_id: "<shot_id>", transition: {"type": "crossfade", "duration": 0.5})\`.
   - The character drifts: check its reference images with \`character_list()\` and regenerate the shot with
     \`video_generate(shot_id: "<shot_id>")\` on a model that takes reference images.
4. \`render_scene(scene_id: "${scene.scene_id}")\`, then \`extract_frames(scene_id: "${scene.scene_id}")\` again to confirm.

Answer with a list of cuts (ok / problem and the fix you made or propose).`;
  },
};
