import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalAdapter } from '../../src/providers/local.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import type { Storyboard } from '../../src/storyboard/types.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/** The storyboard shows a shot's generation while it runs (the view polls storyboard_get), then the take it made. */
describe('a job in the storyboard', () => {
  let h: Harness;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let started: () => void = () => undefined;
  const running = new Promise<void>((r) => {
    started = r;
  });

  beforeAll(async () => {
    const local = createLocalAdapter();
    // The local provider, held at 40 % until the test lets it finish: the job is running for as long as the test needs.
    const held: ProviderAdapter = {
      ...local,
      start: async (req, ctx) => {
        ctx.onProgress?.(0.4, 'rendering animatic');
        started();
        await gate;
        return local.start(req, ctx);
      },
    };
    h = await startHarness({ env: { STUDIO_WAIT_SECONDS: '0' }, studio: { adapters: new Map([['local', held]]) } });
  });
  afterAll(async () => {
    release();
    await h.close();
  });

  it('names the running job and its progress, then the new take once it is done', async () => {
    const scene = ((await h.call('scene_create', { title: 'Jobs' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shot = (
      (await h.call('shot_create', { scene_id: scene, prompt: 'a lamp', model: 'local/animatic', duration: 1, params: { resolution: '360p' } })) as {
        shot: { shot_id: string };
      }
    ).shot.shot_id;
    const g = await h.call('video_generate', { shot_id: shot });
    expect(g.status).not.toBe('succeeded');
    await running;
    const during = (await h.call('storyboard_get', { scene_id: scene })) as unknown as Storyboard;
    const s = during.scenes[0]?.shots[0];
    expect(s?.job).toEqual({ job_id: g.job_id, state: (await h.studio.store.jobs.get(String(g.job_id)))?.status, progress: '40% rendering animatic' });
    expect(['submitting', 'running']).toContain(s?.job?.state);
    expect(s?.takes).toEqual([]);
    expect(s?.first_frame).toBeNull();

    release();
    await h.call('job_wait', { job_id: g.job_id, timeout_seconds: 60 });
    const after = (await h.call('storyboard_get', { scene_id: scene })) as unknown as Storyboard;
    const done = after.scenes[0]?.shots[0];
    expect(done?.job).toBeNull();
    expect(done?.takes.map((t) => [t.take_number, t.current])).toEqual([[1, true]]);
    expect(done?.first_frame?.thumb_uri).toBe(`studio://media/${done?.takes[0]?.media_id}/frame/first`);
    expect(after.version).not.toBe(during.version);
  });
});
