import type { Studio } from '../studio/studio.js';
import { orphanedLipsyncs, renderTakeOf } from '../studio/takes.js';
import type { PromptDef } from './types.js';

/**
 * What the studio already knows about each cut, and the exact calls that fix what is broken. The fixes never drop
 * a lip-sync: a shot regenerated for continuity gets its lip-sync redone in the same list.
 */
async function cutReport(studio: Studio, sceneId: string): Promise<{ lines: string[]; todo: string[] }> {
  const { store, cuts } = studio;
  const shots = await store.shots.listByScene(sceneId);
  const lines: string[] = [];
  const todo: string[] = [];
  for (const [i, shot] of shots.entries()) {
    const taken = await renderTakeOf(store, shot);
    if (!taken) {
      lines.push(`- Shot ${i + 1} (${shot.shot_id}) has no take yet.`);
      todo.push(`\`video_generate(shot_id: "${shot.shot_id}"${i > 0 && shot.continues ? ', use_last_frame: true' : ''})\``);
      continue;
    }
    const orphan = await orphanedLipsyncs(store, shot);
    if (orphan.length && (await store.shots.audio(shot.shot_id)).length) {
      lines.push(`- Shot ${i + 1} (${shot.shot_id}): its lip-sync was made from an earlier take; the current take renders unsynced.`);
      todo.push(`\`lipsync_video(shot_id: "${shot.shot_id}")\``);
    }
    if (i === 0) continue;
    const stale = await cuts.staleCut(shot);
    if (!shot.continues) {
      lines.push(`- Cut ${i}→${i + 1}: a cut by design (shot ${i + 1} does not continue from shot ${i}).`);
    } else if (stale) {
      lines.push(`- Cut ${i}→${i + 1}: STALE — ${stale.reason}.`);
      todo.push(...stale.fix.map((f) => `\`${f}\``));
    } else {
      lines.push(`- Cut ${i}→${i + 1}: shot ${i + 1} starts on shot ${i}'s exact last frame (continuous).`);
    }
  }
  return { lines, todo };
}

/** A storyboard of the scene's cuts, what to look for, and the exact calls that fix each kind of problem. */
export const checkContinuity: PromptDef = {
  name: 'check_continuity',
  title: 'Check the continuity of a scene',
  description:
    "What the studio knows about a scene's cuts (continuous, stale, by design) with the exact calls that fix them, then a storyboard of the cuts to look at.",
  arguments: [{ name: 'scene_id', description: 'The scene to check.', required: true }],
  async render(studio, args) {
    const scene = await studio.project.scene(args.scene_id ?? '');
    const report = await cutReport(studio, scene.scene_id);
    const todo = report.todo.length
      ? `Do these first, in this order (each is exact; they keep every lip-sync):\n${report.todo.map((t, i) => `${i + 1}. ${t}`).join('\n')}`
      : 'Nothing is stale: every continuing shot starts on the last frame its previous shot renders with.';
    return `Check the continuity of the scene "${scene.title}" (${scene.scene_id}) in the studio (studio-mcp).

What the studio records about the cuts:
${report.lines.length ? report.lines.join('\n') : '- The scene has a single shot, so there are no cuts; still check the frames for identity and lighting.'}

${todo}

Then look:
1. \`extract_frames(scene_id: "${scene.scene_id}")\` makes a storyboard: one row per cut (shot N's last frame | shot N+1's
   first frame). Look at it.
2. At every cut compare the two frames: same character (face, clothes, props), same place, light and time of day,
   screen direction, and no jump in the action unless the cut is meant.
3. Fix only what you see is wrong, and re-read the warnings of every call (a new take names the shots it made stale):
   - An earlier take was better: \`shot_select_take(shot_id: "<shot_id>", take_number: <n>)\` (a take with a lip-sync
     keeps it; otherwise follow with \`lipsync_video(shot_id: "<shot_id>")\` when the shot has a line).
   - A cut should flow: \`shot_update(shot_id: "<shot_id>", continues: true)\`, then
     \`video_generate(shot_id: "<shot_id>", use_last_frame: true)\` (its model must take a start frame).
   - Two good shots that do not meet and do not continue: \`video_smooth_transition(from_shot_id: "<shot_id>")\`
     (declined when they already join), or a soft cut: \`shot_update(shot_id: "<shot_id>", transition: {"type": "crossfade", "duration": 0.5})\`.
4. \`render_scene(scene_id: "${scene.scene_id}", strict: true)\` renders only a clean scene (it lists anything still stale).

Answer with a list of cuts (ok / problem and the fix you made or propose).`;
  },
};
