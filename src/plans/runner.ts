import PQueue from 'p-queue';
import type { ToolCaller } from './caller.js';
import type { RunContext, RunEvents } from './context.js';
import { runShot } from './shot-run.js';
import type { PlanStateFile } from './state.js';
import { syncCharacters, syncFilm, syncScenes, syncShots } from './structure.js';
import type { FilmTimeline, RunSummary, ShotOutcome, ShotStatus } from './summary.js';
import type { ValidatedPlan } from './validate.js';

export interface RunOptions {
  /** Generation calls in flight at once (the studio's per-provider queues bound them further). */
  concurrency: number;
  events: RunEvents;
}

/**
 * Run a validated plan: records first, then every shot — shots that continue from their predecessor wait for it,
 * the others run side by side — then the film (render_film, which re-renders only the scenes that changed).
 */
export async function runPlan(plan: ValidatedPlan, caller: ToolCaller, stateFile: PlanStateFile, opts: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  stateFile.lock();
  try {
    const ctx: RunContext = {
      plan,
      caller,
      state: stateFile,
      events: opts.events,
      filmId: '',
      characters: new Map(),
      images: new Map(),
      sceneIds: new Map(),
      shotIds: new Map(),
      views: new Map(),
      tally: {
        characters: { created: 0, updated: 0, reused: 0 },
        images: { made: 0, reused: 0 },
        cost: { usd: 0, unpriced_calls: 0 },
        warnings: [...plan.warnings],
      },
    };
    const queue = new PQueue({ concurrency: Math.max(1, opts.concurrency) });
    const pendingImages = new Map<string, Promise<string>>();

    await syncCharacters(ctx, queue, pendingImages);
    await syncFilm(ctx);
    await syncScenes(ctx);
    await syncShots(ctx);

    const allShots = plan.scenes.flatMap((s) => s.shots);
    const total = allShots.length + 1;
    let done = 0;
    const outcomes = new Map<string, Promise<ShotOutcome>>();
    for (const shot of allShots) {
      const before = shot.predecessor ? outcomes.get(shot.predecessor) : undefined;
      outcomes.set(
        shot.key,
        (async (): Promise<ShotOutcome> => {
          // Wait outside the queue, so a waiting shot never holds a slot its predecessor needs.
          const pred = before ? await before : undefined;
          let out: ShotOutcome;
          if (pred && (pred.status === 'failed' || pred.status === 'skipped')) {
            out = {
              key: shot.key,
              scene: shot.sceneKey,
              status: 'skipped',
              steps: [],
              reason: `it continues from shot ${pred.key}, which ${pred.status === 'failed' ? 'failed' : 'was skipped'}`,
            };
            opts.events.log(`shot ${shot.sceneKey}/${shot.key}: skipped (${out.reason})`);
          } else {
            out = (await queue.add(() => runShot(ctx, shot, pred, pendingImages))) as ShotOutcome;
          }
          opts.events.progress?.(++done / total, `${done}/${allShots.length} shots`);
          return out;
        })(),
      );
    }
    const shots = await Promise.all(outcomes.values());
    const counts: Record<ShotStatus, number> = { made: 0, reused: 0, failed: 0, skipped: 0 };
    for (const s of shots) counts[s.status]++;

    const summary: RunSummary = {
      ok: false,
      plan_id: plan.id,
      state_file: stateFile.file,
      film_id: ctx.filmId,
      film_path: null,
      film_duration: null,
      film_reused: null,
      everything_reused: false,
      counts,
      shots,
      scenes: [],
      characters: ctx.tally.characters,
      images: ctx.tally.images,
      cost: ctx.tally.cost,
      warnings: ctx.tally.warnings,
      seconds: 0,
    };
    if (counts.failed || counts.skipped) {
      summary.render_error = `${counts.failed + counts.skipped} shot(s) failed or were skipped; fix them and run the plan again (finished shots are reused)`;
    } else {
      try {
        const r = (await caller.call('render_film', { film_id: ctx.filmId }, (p, m) =>
          opts.events.progress?.((allShots.length + p) / total, `render: ${m ?? 'film'}`),
        )) as {
          file_path: string;
          duration: number | null;
          reused: boolean;
          scenes: { scene_id: string; reused: boolean }[];
          timeline?: FilmTimeline;
          warnings?: string[];
        };
        const keyOf = new Map([...ctx.sceneIds.entries()].map(([k, id]) => [id, k]));
        summary.scenes = r.scenes.map((s) => ({ key: keyOf.get(s.scene_id) ?? s.scene_id, scene_id: s.scene_id, rendered: !s.reused }));
        summary.film_path = r.file_path;
        summary.film_duration = r.duration;
        summary.film_reused = r.reused;
        if (r.timeline) summary.timeline = r.timeline;
        if (r.warnings?.length) summary.warnings.push(...r.warnings);
        summary.ok = true;
        summary.everything_reused = counts.made === 0 && ctx.tally.images.made === 0 && r.reused && summary.scenes.every((s) => !s.rendered);
        opts.events.progress?.(1, 'film rendered');
      } catch (err) {
        summary.render_error = err instanceof Error ? err.message : String(err);
      }
    }
    summary.seconds = (Date.now() - started) / 1000;
    return summary;
  } finally {
    stateFile.unlock();
  }
}
