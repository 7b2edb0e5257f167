import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runFfmpeg } from '../src/media/ffmpeg.js';
import { type Harness, startHarness, tempDir } from '../test/helpers/harness.js';
import { freshDatabase, TEST_DATABASE_URL } from '../test/helpers/pg-test-db.js';
import { clusterMissing, dropRedisKeys, sharedStudioEnv } from './cluster.js';
import { type BenchResult, cacheDir, exists, round } from './lib.js';

/**
 * Render workers (issue 12): a batch of scene renders asked for at once on a front end that runs nothing
 * (`--no-work`), done by 1 render worker, then by 2 (`worker --role render`, one render at a time each), on one
 * Postgres database, one Redis prefix and one S3 prefix. The studios are in this process, each with its own folder and
 * connections (as test/jobs/render-queue.test.ts); the renders are ffmpeg processes, so the workers' CPU is theirs.
 * Batches in the order 1, 2, 2, 1 workers, so that a change in the machine's load falls on both alike.
 */

const SCENES = 4;
const SHOTS = 2;
const CLIP_SECONDS = 3;

async function clip(): Promise<string> {
  const file = path.join(await cacheDir('scale-render'), `clip-${CLIP_SECONDS}s-640x360.mp4`);
  if (await exists(file)) return file;
  await runFfmpeg([
    ...['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=24:duration=${CLIP_SECONDS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${CLIP_SECONDS}`],
    ...['-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', file],
  ]);
  return file;
}

export async function renderFigures(): Promise<BenchResult[]> {
  const missing = clusterMissing() ?? (TEST_DATABASE_URL ? undefined : 'STUDIO_TEST_DATABASE_URL unset');
  if (missing) return [{ name: 'render: 2 render workers vs 1', value: 0, unit: 'x', note: `not measured: ${missing}` }];
  const file = await clip();
  const db = await freshDatabase();
  const id = `bench-render-${randomBytes(4).toString('hex')}`;
  const env = { ...sharedStudioEnv(db.url, id), STUDIO_ALLOWED_DIRS: path.dirname(file) };
  const open: Harness[] = [];
  /** Renders each worker started, by name, from its log. */
  const rendered = new Map<string, number>();
  const worker = async (name: string): Promise<Harness> => {
    const log = (m: string): void => void (m.startsWith('rendering scene') && rendered.set(name, (rendered.get(name) ?? 0) + 1));
    const h = await startHarness({ home: tempDir('bench-render-worker-'), env, studio: { role: 'render', log } });
    await h.studio.ready();
    open.push(h);
    return h;
  };
  try {
    const front = await startHarness({ home: tempDir('bench-render-front-'), env, studio: { work: false } });
    open.push(front);
    await front.studio.ready();
    const mediaId = String((await front.call('media_import', { path: file })).media_id);
    const scenes: string[] = [];
    for (let k = 0; k < SCENES; k++) {
      const made = (await front.call('scene_create', { title: `render ${k}`, settings: { width: 640, height: 360, fps: 24 } })) as {
        scene: { scene_id: string };
      };
      for (let i = 0; i < SHOTS; i++) {
        // A crossfade: the render encodes rather than copies.
        const transition = i === 0 ? { type: 'cut' } : { type: 'crossfade', duration: 0.5 };
        const shot = (await front.call('shot_create', { scene_id: made.scene.scene_id, title: `shot ${i}`, transition })) as { shot: { shot_id: string } };
        await front.call('shot_add_take', { shot_id: shot.shot.shot_id, media_id: mediaId });
      }
      scenes.push(made.scene.scene_id);
    }
    /** Every scene rendered again (force), all asked for at once; wall time in ms. */
    const batch = async (): Promise<number> => {
      const t0 = performance.now();
      await Promise.all(scenes.map((scene_id) => front.call('render_scene', { scene_id, force: true })));
      return performance.now() - t0;
    };

    await worker('first');
    await batch(); // warm-up: caches, connections and the queue's worker made before the clock runs
    const one = [await batch()];
    const second = await worker('second');
    const two = [await batch(), await batch()];
    const secondShare = rendered.get('second') ?? 0;
    await second.close();
    await rm(second.home, { recursive: true, force: true });
    open.splice(open.indexOf(second), 1);
    one.push(await batch());
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    return [
      {
        name: `render: ${SCENES} scene renders (${SHOTS} shots of ${CLIP_SECONDS} s, crossfade, 640x360) at once, 1 render worker`,
        value: Math.round(mean(one)),
        unit: 'ms',
        note: 'baseline, same run: mean of the first and last batch; each render is forced',
      },
      {
        name: 'render: the same batch on 2 render workers / 1',
        value: round(mean(two) / mean(one), 2),
        unit: 'x',
        note:
          `mean of 2 batches between the 1-worker ones; the second worker rendered ${secondShare} of ${2 * SCENES}; a 2-core machine shared with other ` +
          `work`,
      },
    ];
  } finally {
    for (const h of open.splice(0).reverse()) {
      await h.close();
      await rm(h.home, { recursive: true, force: true });
    }
    await db.drop();
    await dropRedisKeys(process.env.STUDIO_TEST_REDIS_URL ?? '', id);
  }
}
