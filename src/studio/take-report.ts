import type { Store } from '../store/index.js';
import type { StaleShot } from '../store/jobs.js';
import { CutChecker } from './cuts.js';
import { dialogueWarnings } from './dialogue-fit.js';
import { orphanedLipsyncs } from './takes.js';

export interface TakeReport {
  warnings: string[];
  stale_shots: StaleShot[];
}

/**
 * What a new current take of a shot changed elsewhere in the edit, said at once rather than discovered in the
 * film: the continuing shots after it that now start on an old frame, a lip-sync made from an earlier take that no
 * longer applies, and lines that no longer fit the new take's length.
 */
export async function reportNewTake(store: Store, shotId: string): Promise<TakeReport> {
  const shot = await store.shots.get(shotId);
  if (!shot) return { warnings: [], stale_shots: [] };
  const warnings: string[] = [];
  const stale = await new CutChecker(store).downstream(shotId);
  for (const s of stale) warnings.push(`stale cut: ${s.reason}; refresh it: ${s.fix.join(' then ')}`);
  const orphans = await orphanedLipsyncs(store, shot);
  const current = shot.current_take_id ? await store.shots.getTake(shot.current_take_id) : undefined;
  if (orphans.length && current && (await store.shots.audio(shotId)).length) {
    const o = orphans[orphans.length - 1] as (typeof orphans)[number];
    warnings.push(
      `shot ${shot.position + 1} ('${shotId}') has a lip-sync (take ` +
        `${o.take.take_number}${o.source_take_number !== null ? `, made from take ${o.source_take_number}` : ''}) that does not apply to the current take ` +
        `${current.take_number}, which renders without synced lips: lipsync_video(shot_id: "${shotId}")`,
    );
  }
  warnings.push(...(await dialogueWarnings(store, shot)));
  return { warnings, stale_shots: stale };
}
