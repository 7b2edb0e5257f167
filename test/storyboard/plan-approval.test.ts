import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCaller } from '../../src/cli/in-process.js';
import { parsePlan } from '../../src/plans/load.js';
import { runPlan } from '../../src/plans/runner.js';
import { PlanStateFile } from '../../src/plans/state.js';
import { formatSummary, type RunSummary } from '../../src/plans/summary.js';
import { validatePlan } from '../../src/plans/validate.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { smallPlan } from '../plans/fixtures.js';

type Json = Record<string, unknown>;

/** A take a person approved in the storyboard (take_approve) is kept by a plan run, whatever the plan now says. */
describe('a plan run and an approved take', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  const fast = { resolution: '360p', fps: 12 };
  const plan = (promptA: string): Json =>
    smallPlan({
      id: 'approved',
      shots: [
        { id: 'a', prompt: promptA, duration: 1, params: fast },
        { id: 'b', prompt: 'Mara turns around', duration: 1, params: fast, use_last_frame: true },
      ],
    });
  const run = async (raw: Json): Promise<RunSummary> => {
    const p = validatePlan(parsePlan(raw, '/plans/approved.json'), { registry: h.studio.registry, availability: (c) => h.studio.models.availability(c) });
    return runPlan(p, clientCaller(h.client), new PlanStateFile(h.home, p.id).load(), { concurrency: 2, events: { log: () => undefined } });
  };
  const status = (s: RunSummary): Record<string, string> =>
    Object.fromEntries(s.shots.map((x) => [x.key, x.status + (x.steps.length ? `:${x.steps.join('+')}` : '')]));
  const takesOf = async (shotId: string) => (await h.studio.store.shots.takes(shotId)).map((t) => [t.take_number, t.approved_at !== null]);

  it('never regenerates or replaces a shot whose current take is approved, says so, and resumes once the approval is withdrawn', async () => {
    const first = await run(plan('Mara at the window'));
    expect(first.ok).toBe(true);
    expect(status(first)).toEqual({ a: 'made:video', b: 'made:video' });
    const a = first.shots[0]?.shot_id as string;
    const current = (await h.studio.store.shots.get(a))?.current_take_id as string;
    await h.call('take_approve', { shot_id: a, take_id: current, approved: true });

    // The plan changes shot a: its approved take stays, and b (which continues from it) has nothing to redo.
    const second = await run(plan('Mara at the open window'));
    expect(second.ok).toBe(true);
    expect(status(second)).toEqual({ a: 'reused', b: 'reused' });
    expect(second.shots[0]?.kept_approved_take).toBe(1);
    expect(second.shots[1]?.kept_approved_take).toBeUndefined();
    expect(formatSummary(second)).toContain('  kept    one/a: approved take 1');
    expect((await h.studio.store.shots.get(a))?.current_take_id).toBe(current);
    expect(await takesOf(a)).toEqual([[1, true]]);

    // Approval withdrawn: the plan's change is made, and the shot that continues from it follows.
    await h.call('take_approve', { shot_id: a, take_id: current, approved: false });
    const third = await run(plan('Mara at the open window'));
    expect(status(third)).toEqual({ a: 'made:video', b: 'made:video' });
    expect(third.shots[0]?.kept_approved_take).toBeUndefined();
    expect(await takesOf(a)).toEqual([
      [1, false],
      [2, false],
    ]);
  });

  it('runs as usual when the approved take is not the current one (a person picked another take since)', async () => {
    const raw = smallPlan({ id: 'picked', shots: [{ id: 'a', prompt: 'The quay', duration: 1, params: fast }] });
    const p = () => validatePlan(parsePlan(raw, '/plans/picked.json'), { registry: h.studio.registry, availability: (c) => h.studio.models.availability(c) });
    const go = () => runPlan(p(), clientCaller(h.client), new PlanStateFile(h.home, 'picked').load(), { concurrency: 1, events: { log: () => undefined } });
    const first = await go();
    const a = first.shots[0]?.shot_id as string;
    const take1 = (await h.studio.store.shots.get(a))?.current_take_id as string;
    await h.call('take_approve', { shot_id: a, take_id: take1, approved: true });
    // Someone adds another take and makes it current; the plan puts its own take back (it does not regenerate).
    const clip = await h.call('video_generate', { model: 'local/animatic', prompt: 'another quay', duration: 1, ...fast });
    await h.call('shot_add_take', { shot_id: a, media_id: clip.media_id });
    const second = await go();
    expect(status(second)).toEqual({ a: 'reused' });
    expect(second.shots[0]?.kept_approved_take).toBeUndefined();
    expect((await h.studio.store.shots.get(a))?.current_take_id).toBe(take1);
  });

  it('keeps an approved shot (and a scene holding one) that the plan dropped, and names the call that deletes it', async () => {
    const two = (shots: Json[], scenes?: Json[]): Json => ({ ...smallPlan({ id: 'dropped', shots }), ...(scenes ? { scenes } : {}) });
    const shotA = { id: 'a', prompt: 'The harbour at dawn', duration: 1, params: fast };
    const shotB = { id: 'b', prompt: 'The lighthouse', duration: 1, params: fast };
    const go = (raw: Json) => {
      const p = validatePlan(parsePlan(raw, '/plans/dropped.json'), { registry: h.studio.registry, availability: (c) => h.studio.models.availability(c) });
      return runPlan(p, clientCaller(h.client), new PlanStateFile(h.home, p.id).load(), { concurrency: 1, events: { log: () => undefined } });
    };
    const first = await go(two([shotA, shotB]));
    expect(first.ok).toBe(true);
    const [a, b] = first.shots.map((s) => s.shot_id as string) as [string, string];
    const sceneId = (await h.studio.store.shots.get(a))?.scene_id as string;
    await h.call('take_approve', { shot_id: a, take_id: (await h.studio.store.shots.get(a))?.current_take_id as string, approved: true });

    // Both shots dropped: the approved one stays (with a warning naming its delete call), the other goes.
    const second = await go(two([{ id: 'c', prompt: 'The quay', duration: 1, params: fast }]));
    expect(second.ok).toBe(true);
    expect(await h.studio.store.shots.get(b)).toBeUndefined();
    expect((await h.studio.store.shots.get(a))?.scene_id).toBe(sceneId);
    expect(second.warnings).toContainEqual(expect.stringContaining(`its current take 1 is approved; it is kept — delete it with shot_delete(shot_id: "${a}")`));
    expect(formatSummary(second).join('\n')).toContain(`warning: shot one/a is no longer in the plan but its current take 1 is approved`);

    // The whole scene dropped: it holds the approved shot, so it stays in the film too.
    const third = await go(two([], [{ id: 'two', title: 'Two', shots: [{ id: 'd', prompt: 'The pier', duration: 1, params: fast }] }]));
    expect(third.ok).toBe(true);
    expect((await h.studio.store.shots.get(a))?.scene_id).toBe(sceneId);
    expect(third.warnings).toContainEqual(
      expect.stringContaining(`scene one is no longer in the plan but holds approved takes (shots '${a}' (take 1)); it is kept in the film`),
    );
  });
});
