import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDemoFilm } from '../../scripts/demo-film.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { freshDatabase, postgresSkipReason } from '../helpers/pg-test-db.js';

/**
 * The whole studio with STUDIO_DATABASE_URL set: the demo film made through an MCP client with every record in
 * Postgres (no studio.db anywhere), and two studios on one database (as two replicas) seeing each other's records
 * and keeping one scene's shot order when they write it at the same time.
 */
const skip = postgresSkipReason();

describe.skipIf(skip !== undefined)(`the studio on Postgres${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const open: Harness[] = [];
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    for (const h of open) await h.close();
    await db?.drop();
  });
  const replica = async (): Promise<Harness> => {
    const h = await startHarness({ env: { STUDIO_DATABASE_URL: db.url } });
    open.push(h);
    return h;
  };

  it('makes the demo film with its records in Postgres; a second studio on the database sees it', async () => {
    const a = await replica();
    const film = await makeDemoFilm(a.client);
    expect(film.scene_ids).toHaveLength(2);
    expect(fs.existsSync(path.join(a.home, 'studio.db'))).toBe(false);
    const b = await replica();
    const view = (await b.call('film_get', { film_id: film.film_id })) as { scenes: { scene_id: string }[]; latest_render: { media_id: string } };
    expect(view.scenes.map((s) => s.scene_id)).toEqual(film.scene_ids);
    expect(view.latest_render.media_id).toBe(film.film_media_id);
    const scene = (await b.call('scene_get', { scene_id: film.scene_ids[0] as string })) as { shots: { shot_id: string; current_take: unknown }[] };
    expect(scene.shots.every((s) => s.current_take !== null)).toBe(true);
  }, 240_000);

  it('two studios creating shots in one scene at once keep positions 0..n-1', async () => {
    const [a, b] = [await replica(), await replica()];
    const scene = ((await a.call('scene_create', { title: 'two replicas' })) as { scene: { scene_id: string } }).scene.scene_id;
    await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).call('shot_create', { scene_id: scene, title: `shot ${i}`, prompt: 'x' })));
    const view = (await b.call('scene_get', { scene_id: scene })) as { shots: { position: number }[] };
    expect(view.shots.map((s) => s.position)).toEqual(Array.from({ length: 16 }, (_, i) => i));
  }, 60_000);
});
