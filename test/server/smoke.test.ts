import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

describe('smoke', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('generates a local animatic for a shot', async () => {
    const film = (await h.call('film_create', { title: 'F' })) as { film: { film_id: string } };
    const scene = (await h.call('scene_create', { title: 'S', film_id: film.film.film_id })) as { scene: { scene_id: string } };
    const shot = (await h.call('shot_create', { scene_id: scene.scene.scene_id, prompt: 'a cat', duration: 2 })) as { shot: { shot_id: string } };
    const r = await h.call('video_generate', { shot_id: shot.shot.shot_id });
    expect(r.status).toBe('succeeded');
    expect(r.duration).toBeCloseTo(2, 1);
  });
});
