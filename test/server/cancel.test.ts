import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byRoute } from '../fakes/base.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startHarness, type Harness } from '../helpers/harness.js';

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('cancelling a running job', () => {
  let fake: ReplicateFake;
  let h: Harness;
  beforeAll(async () => {
    fake = await startReplicateFake();
    fake.setScenario({ pollsBeforeDone: 100_000 });
    h = await startHarness({ env: { REPLICATE_API_TOKEN: 'r8_cancel_test', REPLICATE_BASE_URL: fake.url, STUDIO_POLL_INTERVAL_MS: '20' } });
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  const args = { model: 'replicate/bytedance/seedance-1-lite', prompt: 'waves', duration: 5 };

  it('job_cancel cancels locally and at the provider', async () => {
    const cancelsBefore = byRoute(fake.requests, 'cancel').length;
    const started = await h.call('video_generate', { ...args, wait: false });
    const jobId = String(started.job_id);
    await until(async () => (await h.studio.store.jobs.get(jobId))?.status === 'running');
    const r = (await h.call('job_cancel', { job_id: jobId })) as { job: { status: string } };
    expect(r.job.status).toBe('canceled');
    expect(byRoute(fake.requests, 'cancel').length).toBe(cancelsBefore + 1);
    const again = (await h.call('job_cancel', { job_id: jobId })) as { job: { status: string } };
    expect(again.job.status).toBe('canceled');
    // A finished job is left as it is: no second cancel reaches the provider.
    expect(byRoute(fake.requests, 'cancel').length).toBe(cancelsBefore + 1);
  });

  it('an MCP request cancellation (notifications/cancelled) cancels the job it started', async () => {
    const cancelsBefore = byRoute(fake.requests, 'cancel').length;
    const jobsBefore = new Set((await h.studio.store.jobs.list()).map((j) => j.job_id));
    const controller = new AbortController();
    const call = h.client.callTool({ name: 'video_generate', arguments: args }, { signal: controller.signal });
    await until(async () => (await h.studio.store.jobs.list()).some((j) => !jobsBefore.has(j.job_id) && j.status === 'running'));
    controller.abort();
    await expect(call).rejects.toThrow();
    const job = (await h.studio.store.jobs.list()).find((j) => !jobsBefore.has(j.job_id));
    await until(async () => (await h.studio.store.jobs.get(job?.job_id ?? ''))?.status === 'canceled');
    expect(byRoute(fake.requests, 'cancel').length).toBe(cancelsBefore + 1);
  });
});
