import { TERMINAL } from '../store/jobs.js';
import type { Studio } from './studio.js';

/** The tool whose jobs fill bridge shots (the job row records the tool that submitted it). */
const BRIDGE_TOOL = 'video_smooth_transition';

/**
 * The life cycle of bridge shots. `video_smooth_transition` inserts an empty shot and submits the job that fills
 * it; a real bridge model runs for minutes, so the tool usually returns while the job still runs. When that job
 * fails or is canceled — whenever that is, in this process or one resumed after a restart — its still empty shot
 * is removed, and the scene goes back to the plain cut it had before (an empty shot would stop the scene from
 * rendering). A bridge shot that got a take some other way, or that another job is still filling, is kept.
 */
export class BridgeShots {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly studio: Studio) {
    studio.events.on('jobFinished', (jobId) => this.afterWaiters(jobId));
  }

  /**
   * Remove bridge shots whose job ended failed or canceled while no process was there to remove them (a crash
   * between the two). Run once at start-up; returns how many shots were removed.
   */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const id of await this.studio.store.jobs.endedWithEmptyShot(BRIDGE_TOOL)) if (await this.release(id)) removed++;
    return removed;
  }

  /** The start-up sweep, run in the background and followed by idle() like any other removal. */
  startSweep(): void {
    const done: Promise<void> = this.sweep()
      .then(() => undefined)
      .catch((err: unknown) => this.studio.log(`could not check bridge shots: ${String(err)}`))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Resolves once the removals scheduled so far have run. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /**
   * Removal runs after the job's waiters have had their turn: the tool call that submitted the job may still be
   * waiting on it and then removes the shot itself, reporting the failure; acting first would leave it a shot
   * that no longer exists.
   */
  private afterWaiters(jobId: string): void {
    const done = new Promise<void>((resolve) =>
      setImmediate(() => {
        // A studio closed in between: the start-up sweep of the next process does it.
        const run = this.studio.store.closed ? Promise.resolve(false) : this.release(jobId);
        void run
          .catch((err: unknown) => this.studio.log(`could not remove the bridge shot of job ${jobId}: ${String(err)}`))
          .finally(() => {
            this.pending.delete(done);
            resolve();
          });
      }),
    );
    this.pending.add(done);
  }

  /** Remove the empty bridge shot of a failed or canceled bridge job; true when one was removed. */
  async release(jobId: string): Promise<boolean> {
    const { store, events } = this.studio;
    const job = await store.jobs.get(jobId);
    if (!job || job.tool !== BRIDGE_TOOL || !TERMINAL.has(job.status) || job.status === 'succeeded') return false;
    const shotId = job.request.shot_id;
    if (!shotId) return false;
    // Checked and removed in one transaction: a take or a job for the shot arriving in between keeps it.
    const shot = await store.tx(async () => {
      const s = await store.shots.get(shotId);
      if (!s || (await store.shots.takes(shotId)).length) return undefined;
      if ((await store.jobs.unfinishedForShot(shotId)).length) return undefined;
      await store.shots.delete(shotId);
      await store.jobs.note(jobId, `its empty bridge shot '${shotId}' was removed; the scene keeps its plain cut`);
      return s;
    });
    if (!shot) return false;
    this.studio.log(`removed the empty bridge shot ${shotId} of ${job.status} job ${jobId}`);
    events.changed(`studio://scenes/${shot.scene_id}`, `studio://jobs/${jobId}`);
    return true;
  }
}
