import { invalidInput } from '../errors.js';
import type { Studio } from '../studio/studio.js';

export interface ApprovalResult {
  shot_id: string;
  take_id: string;
  take_number: number;
  approved: boolean;
  /** The shot's approved take after the call (at most one per shot). */
  approved_take_id: string | null;
}

/**
 * A person approves a take of a shot (or withdraws the approval). The agent reads it in scene_get
 * (`approved_take_id`, takes' `approved`), and a plan run keeps an approved current take instead of making it again.
 */
export async function approveTake(studio: Studio, shotId: string, takeId: string, approved: boolean): Promise<ApprovalResult> {
  const shot = await studio.project.shot(shotId);
  const takes = await studio.store.shots.takes(shotId);
  const take = takes.find((t) => t.take_id === takeId);
  if (!take) {
    throw invalidInput(
      `shot '${shotId}' has no take '${takeId}'; its takes: ${takes.map((t) => `${t.take_id} (take ${t.take_number})`).join(', ') || 'none'}`,
      {
        field: 'take_id',
      },
    );
  }
  await studio.store.shots.setApproved(shotId, takeId, approved);
  studio.events.changed(`studio://scenes/${shot.scene_id}`);
  return {
    shot_id: shotId,
    take_id: takeId,
    take_number: take.take_number,
    approved,
    approved_take_id: (await studio.store.shots.approvedTake(shotId))?.take_id ?? null,
  };
}
