import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCaller } from '../../src/cli/in-process.js';
import { ToolCallError } from '../../src/plans/caller.js';
import { byRoute } from '../fakes/base.js';
import { type ReplicateFake, startReplicateFake } from '../fakes/replicate.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { type Fixtures, makeFixtures } from '../security/helpers.js';

/**
 * `studio-mcp run` drives the tools through clientCaller: over STUDIO_CONFIRM_USD a paid call stops with what to do
 * (nothing created), and with --yes (confirmPaid) it is confirmed with its own token and made once.
 */
describe('plan runs and confirmations', () => {
  let fake: ReplicateFake;
  let fx: Fixtures;
  let h: Harness;
  const creates = (): number => byRoute(fake.requests, 'create').length + byRoute(fake.requests, 'create-version').length;
  const call = { model: 'replicate/bytedance/seedream-4', prompt: 'four doors', max_images: 4 };

  beforeAll(async () => {
    fx = await makeFixtures();
    fake = await startReplicateFake();
    fake.setScenario({ pollsBeforeDone: 1, outputMime: 'image/jpeg', outputUrls: [fake.addOutput('out.jpg', fs.readFileSync(fx.jpg), 'image/jpeg')] });
    h = await startHarness({
      env: { REPLICATE_API_TOKEN: 'r8_TEST_confirm_paid_0123', REPLICATE_BASE_URL: fake.url, STUDIO_CONFIRM_USD: '0.05', STUDIO_POLL_INTERVAL_MS: '20' },
    });
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
    fs.rmSync(fx.dir, { recursive: true, force: true });
  });

  it('without --yes the call stops, saying how to confirm, and nothing is created', async () => {
    const err = await clientCaller(h.client)
      .call('image_generate', call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ToolCallError);
    const f = (err as ToolCallError).failure;
    expect(f.code).toBe('confirmation_required');
    expect(f.message).toBe(
      'needs confirmation ($0.12: the estimate is above STUDIO_CONFIRM_USD=$0.05); run the plan again with --yes to confirm paid calls, or unset ' +
        'STUDIO_CONFIRM_USD',
    );
    expect(creates()).toBe(0);
    expect(await h.studio.store.jobs.list()).toEqual([]);
  });

  it('with --yes the call is confirmed with its token and made exactly once', async () => {
    const r = await clientCaller(h.client, { confirmPaid: true }).call('image_generate', { ...call, wait: true });
    expect(r.status).toBe('succeeded');
    expect(creates()).toBe(1);
    expect(await h.studio.store.jobs.list()).toHaveLength(1);
  });
});
