import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { Studio } from '../src/studio/studio.js';
import { round, type BenchResult } from './lib.js';

/**
 * Incremental film renders: a 4-scene film (3 shots of 2 s each per scene, local animatic at 480p, crossfades so
 * every scene is really encoded), then one shot changes. render_film re-renders only that scene and joins by stream
 * copy; the baseline re-renders every scene (force). Both are timed in alternating rounds.
 */

async function generate(studio: Studio, shotId: string): Promise<void> {
  const prepared = await studio.planner.prepare({ tool: 'video_generate', task: 'video_generate', args: { shot_id: shotId } });
  const job = await studio.queue.submit('video_generate', prepared.cap, prepared.request);
  const done = await studio.queue.wait(job.job_id, { timeoutMs: 120_000 });
  if (done.status !== 'succeeded') throw new Error(`generation failed: ${JSON.stringify(done.error)}`);
}

export async function run(): Promise<BenchResult[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-film-'));
  const studio = new Studio({ config: loadConfig({ STUDIO_HOME: home }), log: () => undefined });
  try {
    const film = await studio.project.createFilm({ title: 'bench', settings: { width: 854, height: 480, fps: 24 } });
    const shots: string[][] = [];
    for (let s = 0; s < 4; s++) {
      const scene = await studio.project.createScene({ title: `scene ${s + 1}`, film_id: film.film_id });
      const ids: string[] = [];
      for (let k = 0; k < 3; k++) {
        const shot = await studio.project.createShot(scene.scene_id, {
          prompt: `scene ${s + 1} shot ${k + 1}`,
          model: 'local/animatic',
          duration: 2,
          ...(k > 0 ? { transition: { type: 'crossfade' as const, duration: 0.25 } } : {}),
        });
        await generate(studio, shot.shot_id);
        ids.push(shot.shot_id);
      }
      shots.push(ids);
    }
    await studio.render.renderFilm(film.film_id);

    const incremental: number[] = [];
    const full: number[] = [];
    let reusedScenes = 0;
    for (let r = 0; r < 3; r++) {
      const shot = shots[r % 4]?.[1] as string;
      await studio.project.updateShot(shot, { prompt: `changed in round ${r + 1}` });
      await generate(studio, shot);
      let t0 = performance.now();
      const inc = await studio.render.renderFilm(film.film_id);
      incremental.push(performance.now() - t0);
      reusedScenes = inc.scenes.filter((s) => s.reused).length;
      t0 = performance.now();
      await studio.render.renderFilm(film.film_id, { force: true });
      full.push(performance.now() - t0);
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const ratio = median(full) / median(incremental);
    return [
      {
        name: 'render_film after one shot changed (incremental)',
        value: round(median(incremental), 0),
        unit: 'ms',
        note: `median of 3 rounds; ${reusedScenes} of 4 scenes reused`,
      },
      { name: 'render_film of every scene (force)', value: round(median(full), 0), unit: 'ms', note: 'median of 3 rounds' },
      { name: 'full / incremental', value: round(ratio, 2), unit: 'x', target: '>= 3', pass: ratio >= 3 },
    ];
  } finally {
    await studio.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

export const notes =
  'A scene whose takes, dialogue, transitions and settings hash the same as its last render is reused; the film is then joined from the scene renders by ' +
  'stream copy (they share one encoder configuration).';
