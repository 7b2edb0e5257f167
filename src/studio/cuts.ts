import { mapAsync } from '../async-map.js';
import type { Store } from '../store/index.js';
import type { StaleShot } from '../store/jobs.js';
import type { Shot } from '../store/shots.js';
import { renderTakeOf, sourceMediaOf } from './takes.js';

/** A cut where a shot that continues from its predecessor no longer starts on the frame the predecessor ends on. */
export type StaleCut = StaleShot;

/**
 * Which cuts no longer join. A shot that `continues` must start on the last frame of the take its predecessor
 * renders with; any new take upstream (generation, lip-sync, selection) can break that, and nothing else would say so.
 */
export class CutChecker {
  constructor(private readonly store: Store) {}

  /** Whether `shot` (which continues) starts on its predecessor's rendered last frame; undefined when it does. */
  async staleCut(shot: Shot): Promise<StaleCut | undefined> {
    if (!shot.continues) return undefined;
    const prev = await this.store.shots.previous(shot);
    const mine = await renderTakeOf(this.store, shot);
    const theirs = prev ? await renderTakeOf(this.store, prev) : undefined;
    // Nothing to compare yet: the shot (or its predecessor) has no take; generating it will continue correctly.
    if (!prev || !mine || !theirs) return undefined;
    const used = (await sourceMediaOf(this.store, mine.media)).start_frame_used;
    const expected = theirs.media.last_frame_id;
    if (!expected || (await this.sameFrame(used, expected))) return undefined;
    const reason = used
      ? `shot ${shot.position + 1} ('${shot.shot_id}') starts on an earlier last frame of shot ${prev.position + 1} ('${prev.shot_id}'), which now renders ` +
        `take ${theirs.take.take_number}`
      : `shot ${shot.position + 1} ('${shot.shot_id}') continues from shot ${prev.position + 1} ('${prev.shot_id}') but its take ${mine.take.take_number} ` +
        `was not made from that shot's last frame`;
    return { shot_id: shot.shot_id, shot_number: shot.position + 1, from_shot_id: prev.shot_id, reason, fix: refreshCalls(shot.shot_id, mine.lipsync) };
  }

  async staleInScene(sceneId: string): Promise<StaleCut[]> {
    const cuts = await mapAsync(await this.store.shots.listByScene(sceneId), (s) => this.staleCut(s));
    return cuts.filter((c): c is StaleCut => c !== undefined);
  }

  /**
   * After a new take of `shotId`: the stale cut right after it, and the shots that continue from that one (each
   * goes stale in turn when its predecessor is refreshed, so they are listed in the order to refresh them).
   */
  async downstream(shotId: string): Promise<StaleCut[]> {
    const shot = await this.store.shots.get(shotId);
    if (!shot) return [];
    const shots = await this.store.shots.listByScene(shot.scene_id);
    const out: StaleCut[] = [];
    for (const next of shots.slice(shot.position + 1)) {
      if (!next.continues) break;
      const stale = await this.staleCut(next);
      if (stale) out.push(stale);
      else {
        const taken = out.length ? await renderTakeOf(this.store, next) : undefined;
        if (!taken) break;
        const prev = shots[next.position - 1] as Shot;
        const reason = `shot ${next.position + 1} continues from shot ${prev.position + 1}, which must be refreshed first`;
        out.push({ shot_id: next.shot_id, shot_number: next.position + 1, from_shot_id: prev.shot_id, reason, fix: refreshCalls(next.shot_id, taken.lipsync) });
      }
    }
    return out;
  }

  /** Two frame images are the same picture when they are the same item or files with the same bytes. */
  private async sameFrame(a: string | null, b: string): Promise<boolean> {
    if (!a) return false;
    if (a === b) return true;
    const ma = await this.store.media.get(a);
    const mb = await this.store.media.get(b);
    return !!ma && !!mb && ma.sha256 === mb.sha256;
  }
}

/** The calls that put a continuing shot back on its predecessor's last frame, keeping its lip-sync. */
function refreshCalls(shotId: string, lipsynced: boolean): string[] {
  return [`video_generate(shot_id: "${shotId}", use_last_frame: true)`, ...(lipsynced ? [`lipsync_video(shot_id: "${shotId}")`] : [])];
}
