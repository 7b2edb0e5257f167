import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';

/**
 * The bridge shot of `video_smooth_transition` lives and dies with its job (issue 11, defect 2). With a real
 * bridge model the job outlives the tool's wait (Veo: minutes against 45 s), so the tool returns while the job
 * runs; when the job then fails or is canceled — now, or after a restart — its empty shot is removed and the scene
 * renders with the plain cut it had before.
 */

const BRIDGE_MODEL = 'replicate/bytedance/seedance-1-lite';
const CUT = { type: 'cut', duration: 0 };

interface Film {
  h: Harness;
  scene: string;
  shots: string[];
}

describe('a bridge whose job fails after video_smooth_transition returned', () => {
  let fake: ReplicateFake;
  const open: Harness[] = [];
  const env = (waitSeconds: string): Record<string, string> => ({
    STUDIO_WAIT_SECONDS: waitSeconds,
    STUDIO_POLL_INTERVAL_MS: '20',
    REPLICATE_API_TOKEN: 'r8_test_bridge',
    REPLICATE_BASE_URL: fake.url,
  });
  const harness = async (home?: string, waitSeconds = '0'): Promise<Harness> => {
    const h = await startHarness({ env: env(waitSeconds), ...(home ? { home } : {}) });
    open.push(h);
    return h;
  };
  const finish = async (h: Harness, jobId: string): Promise<{ status: string; message: string | null; error: { code: string } | null }> =>
    ((await h.call('job_wait', { job_id: jobId, timeout_seconds: 120 })) as { job: { status: string; message: string | null; error: { code: string } | null } })
      .job;
  const sceneShots = async (h: Harness, scene: string): Promise<string[]> =>
    ((await h.call('scene_get', { scene_id: scene })) as { shots: { shot_id: string }[] }).shots.map((s) => s.shot_id);

  /** A scene of two local shots with takes (generated with the wait bound at 0, so each is waited for as a job). */
  const film = async (home?: string, waitSeconds = '0'): Promise<Film> => {
    const h = await harness(home, waitSeconds);
    const scene = ((await h.call('scene_create', { title: 'bridges' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shots: string[] = [];
    for (const prompt of ['door opens', 'hall light']) {
      const id = ((await h.call('shot_create', { scene_id: scene, prompt, duration: 1, model: 'local/animatic' })) as { shot: { shot_id: string } }).shot
        .shot_id;
      const g = (await h.call('video_generate', { shot_id: id })) as { job_id: string };
      expect((await finish(h, g.job_id)).status).toBe('succeeded');
      shots.push(id);
    }
    return { h, scene, shots };
  };
  const bridge = async ({ h, scene, shots }: Film): Promise<{ bridge_shot_id: string; job_id: string }> => {
    const r = (await h.call('video_smooth_transition', { from_shot_id: shots[0], model: BRIDGE_MODEL })) as {
      bridged: boolean;
      status: string;
      bridge_shot_id: string;
      job_id: string;
    };
    expect(r.bridged).toBe(true);
    expect(['queued', 'submitting', 'running']).toContain(r.status);
    expect(await sceneShots(h, scene)).toEqual([shots[0], r.bridge_shot_id, shots[1]]);
    return r;
  };

  beforeAll(async () => {
    fake = await startReplicateFake();
  });
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
    fake.reset();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('a failed bridge job removes its empty shot; the scene keeps its plain cut and renders', async () => {
    fake.setScenario({ outcome: 'failed', pollsBeforeDone: 3, error: 'content moderation' });
    const f = await film();
    const r = await bridge(f);
    const job = await finish(f.h, r.job_id);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('safety_blocked');
    await f.h.studio.continuity.bridges.idle();
    expect(await f.h.studio.store.shots.get(r.bridge_shot_id)).toBeUndefined();
    expect(await sceneShots(f.h, f.scene)).toEqual(f.shots);
    expect((await f.h.studio.store.shots.get(f.shots[1] as string))?.transition).toEqual(CUT);
    expect((await f.h.studio.store.shots.get(f.shots[1] as string))?.position).toBe(1);
    expect((await f.h.studio.store.jobs.get(r.job_id))?.message).toBe(`its empty bridge shot '${r.bridge_shot_id}' was removed; the scene keeps its plain cut`);
    const render = (await f.h.call('render_scene', { scene_id: f.scene })) as { media_id: string };
    expect((await f.h.studio.library.get(render.media_id)).type).toBe('video');
  }, 120_000);

  it('a canceled bridge job removes its empty shot', async () => {
    fake.setScenario({ outcome: 'succeeded', pollsBeforeDone: 100_000 });
    const f = await film();
    const r = await bridge(f);
    const canceled = (await f.h.call('job_cancel', { job_id: r.job_id })) as { job: { status: string } };
    expect(canceled.job.status).toBe('canceled');
    await f.h.studio.continuity.bridges.idle();
    expect(await f.h.studio.store.shots.get(r.bridge_shot_id)).toBeUndefined();
    expect(await sceneShots(f.h, f.scene)).toEqual(f.shots);
  }, 120_000);

  it('a bridge job that fails after a restart (resumed on start-up) removes its shot', async () => {
    fake.setScenario({ outcome: 'succeeded', pollsBeforeDone: 100_000 });
    const home = tempDir();
    const f = await film(home);
    const r = await bridge(f);
    // Wait until the operation id is stored, then stop: the next process resumes the job by polling it.
    for (let i = 0; i < 500 && !(await f.h.studio.store.jobs.get(r.job_id))?.operation_id; i++) await new Promise((res) => setTimeout(res, 10));
    expect((await f.h.studio.store.jobs.get(r.job_id))?.status).toBe('running');
    await f.h.close();
    open.splice(0);
    // The next process is this same one (same pid), so its owner looks alive: let the lease run out instead.
    const store = openStore(home);
    await store.jobs.expireLease(r.job_id, (await store.jobs.get(r.job_id))?.owner ?? null);
    await store.close();

    fake.setScenario({ outcome: 'failed', pollsBeforeDone: 0, error: 'content moderation' });
    const h = await harness(home);
    const job = await finish(h, r.job_id);
    expect(job.status).toBe('failed');
    await h.studio.continuity.bridges.idle();
    expect(await h.studio.store.shots.get(r.bridge_shot_id)).toBeUndefined();
    expect(await sceneShots(h, f.scene)).toEqual(f.shots);
  }, 120_000);

  it('a bridge job that ended failed without its shot being removed (the process died in between) is cleaned up on start-up', async () => {
    fake.setScenario({ outcome: 'succeeded', pollsBeforeDone: 100_000 });
    const home = tempDir();
    const f = await film(home);
    const r = await bridge(f);
    await f.h.close();
    open.splice(0);
    // What a process that died right after recording the failure leaves behind.
    const store = openStore(home);
    await store.jobs.fail(r.job_id, { code: 'provider_error', message: 'content moderation' });
    expect((await store.shots.get(r.bridge_shot_id))?.current_take_id).toBeNull();
    await store.close();

    const h = await harness(home);
    await h.studio.ready();
    expect(await h.studio.store.shots.get(r.bridge_shot_id)).toBeUndefined();
    expect(await sceneShots(h, f.scene)).toEqual(f.shots);
  }, 120_000);

  it('a bridge shot that got a take from another job is kept when its first job fails', async () => {
    fake.setScenario({ outcome: 'failed', pollsBeforeDone: 40, error: 'content moderation' });
    const f = await film();
    const r = await bridge(f);
    // The agent shoots the bridge shot itself with the local model while the Replicate job still runs.
    const own = (await f.h.call('video_generate', { shot_id: r.bridge_shot_id, model: 'local/animatic', prompt: 'a hallway' })) as { job_id: string };
    expect((await finish(f.h, own.job_id)).status).toBe('succeeded');
    expect((await finish(f.h, r.job_id)).status).toBe('failed');
    await f.h.studio.continuity.bridges.idle();
    expect(await sceneShots(f.h, f.scene)).toEqual([f.shots[0], r.bridge_shot_id, f.shots[1]]);
    expect(await f.h.studio.store.shots.takes(r.bridge_shot_id)).toHaveLength(1);
  }, 120_000);

  it('a bridge job that fails within the wait: the tool reports the provider error and removes the shot itself', async () => {
    fake.setScenario({ outcome: 'failed', pollsBeforeDone: 1, error: 'content moderation' });
    const f = await film(undefined, '60');
    const err = await f.h.callError('video_smooth_transition', { from_shot_id: f.shots[0], model: BRIDGE_MODEL });
    expect(err.code).toBe('safety_blocked');
    expect(err.model).toBe(BRIDGE_MODEL);
    await f.h.studio.continuity.bridges.idle();
    expect(await sceneShots(f.h, f.scene)).toEqual(f.shots);
  }, 120_000);
});
