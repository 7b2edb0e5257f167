import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCaller } from '../../src/cli/in-process.js';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { PlanRefused } from '../../src/plans/errors.js';
import { parsePlan } from '../../src/plans/load.js';
import { runPlan } from '../../src/plans/runner.js';
import { PlanStateFile } from '../../src/plans/state.js';
import type { RunSummary } from '../../src/plans/summary.js';
import { validatePlan } from '../../src/plans/validate.js';
import { byRoute } from '../fakes/base.js';
import { startAllFakes, type AllFakes } from '../fakes/index.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';

type Json = Record<string, unknown>;
const MULTI = 'wavespeed/wavespeed-ai/infinitetalk/multi';

/**
 * Issue 15 part 6 in plans: a shot with two speaking characters and a two-speaker lip-sync model gets both lines
 * voiced and lip-synced in one take (one InfiniteTalk multi job on the take's first frame), and a re-run reuses it.
 */
describe('a plan shot with two speakers', () => {
  let fakes: AllFakes;
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('plan-two-');
    const clip = path.join(dir, 'two.mp4');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=24:duration=3', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=3'],
      ...['-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-c:a', 'aac', '-shortest', clip],
    ]);
    fakes = await startAllFakes();
    fakes.wavespeed.setScenario({ outputUrls: [fakes.wavespeed.addOutput('both.mp4', fs.readFileSync(clip), 'video/mp4')] });
    h = await startHarness({ env: fakes.env });
  }, 120_000);
  afterAll(async () => {
    await h.close();
    await fakes.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const plan = (lines: Json[]): Json => ({
    id: `two-${lines.length}`,
    film: { title: 'Quay', settings: { width: 640, height: 360, fps: 12 } },
    characters: [
      { id: 'mara', name: 'Mara', voice_id: 'mara-warm' },
      { id: 'ivo', name: 'Ivo', voice_id: 'ivo-low' },
    ],
    scenes: [
      {
        id: 'quay',
        title: 'Quay',
        shots: [
          { id: 'both', prompt: 'Mara and Ivo on the quay', duration: 3, params: { resolution: '360p', fps: 12 }, dialogue: lines, lipsync: { model: MULTI } },
        ],
      },
    ],
  });
  const validated = (raw: Json) =>
    validatePlan(parsePlan(raw, '/plans/two.json'), { registry: h.studio.registry, availability: (c) => h.studio.models.availability(c) });
  const run = async (raw: Json): Promise<RunSummary> => {
    const p = validated(raw);
    return runPlan(p, clientCaller(h.client), new PlanStateFile(h.home, p.id).load(), { concurrency: 1, events: { log: () => undefined } });
  };

  it('voices both lines, sends them as left/right audio in one job on the first frame, makes that the current take; a re-run reuses it', async () => {
    const raw = plan([
      { text: 'The boats are late.', character: 'mara', offset: 0.2 },
      { text: 'They always are.', character: 'ivo', offset: 1.6 },
    ]);
    const first = await run(raw);
    expect(first.ok).toBe(true);
    expect(first.shots.map((s) => [s.key, s.status, s.steps])).toEqual([['both', 'made', ['video', 'voice', 'lipsync']]]);
    const creates = byRoute(fakes.wavespeed.requests, 'create');
    expect(creates).toHaveLength(1);
    expect(creates[0]?.path).toBe('/api/v3/wavespeed-ai/infinitetalk/multi');
    expect(Object.keys(creates[0]?.json as Json).sort()).toEqual(['image', 'left_audio', 'order', 'right_audio']);

    const state = new PlanStateFile(h.home, 'two-2').load().state;
    const scene = (await h.call('scene_get', { scene_id: state.scenes.quay?.scene_id })) as {
      shots: { current_take: { kind: string } | null; dialogue: { text: string }[] }[];
    };
    expect(scene.shots[0]?.current_take?.kind).toBe('lipsync');
    expect(scene.shots[0]?.dialogue.map((d) => d.text)).toEqual(['The boats are late.', 'They always are.']);

    const again = await run(raw);
    expect(again.shots.map((s) => s.status)).toEqual(['reused']);
    expect(byRoute(fakes.wavespeed.requests, 'create')).toHaveLength(1);
  });

  it('is refused before anything runs when the shot has one line for a two-speaker model', () => {
    const refused = (() => {
      try {
        validated(plan([{ text: 'Alone.', character: 'mara' }]));
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(PlanRefused);
    expect((refused as PlanRefused).message).toContain(`${MULTI} syncs two speakers and needs two lines of dialogue on the shot (it has 1)`);
  });
});
