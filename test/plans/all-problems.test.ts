import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CapabilityRegistry } from '../../src/capabilities/registry.js';
import { PlanRefused } from '../../src/plans/errors.js';
import { parsePlan } from '../../src/plans/load.js';
import { validatePlan, type PlanContext } from '../../src/plans/validate.js';
import { cli, json } from '../cli/spawn.js';
import { tempDir } from '../helpers/harness.js';
import { smallPlan, writePlan } from './fixtures.js';

/**
 * A refused plan names every problem in one run: structure, references, files, models and the capability dry-run
 * are all collected (a malformed value is cut away so the later checks still run on the rest), and `--check`
 * estimates the cost of a plan of remote models without any key.
 */

let registry: CapabilityRegistry;
let everywhere: PlanContext;
/** Only local models run here (no keys), as on a machine without any provider configured. */
let localOnly: PlanContext;
beforeAll(() => {
  registry = CapabilityRegistry.load();
  everywhere = { registry, availability: () => ({ available: true }) };
  localOnly = { registry, availability: (cap) => (cap.provider === 'local' ? { available: true } : { available: false, reason: 'no key', env: ['KEY'] }) };
});

function refusal(raw: unknown, ctx: PlanContext): string[] {
  try {
    validatePlan(parsePlan(raw, '/plans/eight.json'), ctx);
  } catch (err) {
    if (err instanceof PlanRefused) return err.problems;
    throw err;
  }
  throw new Error('the plan was not refused');
}

/** Eight problems from five stages: structure (3), references (1), files (1), models (2), capability rules (1). */
function eightProblems(): Record<string, unknown> {
  return smallPlan({
    characters: [
      { id: 'mara', name: 'Mara', voice_id: 'mara-warm' },
      // Malformed entry (no name): skipped, so shots naming 'tom' are not reported again.
      { id: 'tom' },
    ],
    shots: [
      { id: 'a', promt: 'typo', prompt: 'Mara at the window', character: 'mara', duration: 1 },
      { id: 'b', prompt: 'Tom waves', character: 'tom', duration: -1 },
      { id: 'c', prompt: 'Ghost', character: 'ghost', reference_images: ['does-not-exist.png'] },
      { id: 'd', model: 'nobody/nothing', prompt: 'x' },
      { id: 'e', prompt: 'y', dialogue: [{ text: 'Hi', character: 'mara' }], lipsync: { model: 'local/still' } },
      {
        id: 'f',
        model: 'vertex/veo-3.1-generate-001',
        prompt: 'Mara turns',
        duration: 8,
        use_last_frame: true,
        reference_images: [{ prompt: 'the lamp room' }],
      },
    ],
  });
}

describe('a refused plan lists every problem in one pass', () => {
  it('returns all 8 problems of 5 stages at once, in stage order', () => {
    const p = refusal(eightProblems(), everywhere);
    expect(p).toHaveLength(8);
    expect(p.slice(0, 3)).toEqual([
      'characters[1].name: required',
      "scenes[0].shots[0]: unknown key 'promt'",
      'scenes[0].shots[1].duration: Too small: expected number to be >0',
    ]);
    expect(p[3]).toBe("shot 'c' (scene 'one'): character 'ghost' is not in the plan's characters");
    expect(p[4]).toBe("shot 'c' (scene 'one') reference image 1: the image file '/plans/does-not-exist.png' does not exist or cannot be read");
    expect(p[5]).toMatch(/^shot 'd' \(scene 'one'\): unknown model 'nobody\/nothing'; known models for video_generate: local\/animatic, /);
    expect(p[6]).toMatch(/^shot 'e' \(scene 'one'\) lipsync: 'local\/still' is a image_generate model, not a lipsync_video model/);
    expect(p[7]).toMatch(
      new RegExp(
        /^shot 'f' \(scene 'one'\): vertex\/veo-3\.1-generate-001: reference_images cannot be combined with start_frame.*/.source +
          /\[rule excludes: reference_images excludes start_frame, end_frame\]$/.source,
      ),
    );
    // The malformed character is skipped, so the shot naming it is not reported a second time.
    expect(p.join('\n')).not.toContain("character 'tom'");
  });

  it('fixing the structural problems reveals nothing new: the rest were already reported', () => {
    const before = refusal(eightProblems(), everywhere);
    const fixed = eightProblems() as { characters: Record<string, unknown>[]; scenes: { shots: Record<string, unknown>[] }[] };
    (fixed.characters[1] as Record<string, unknown>).name = 'Tom';
    const shots = fixed.scenes[0]?.shots ?? [];
    delete shots[0]?.promt;
    (shots[1] as Record<string, unknown>).duration = 1;
    expect(refusal(fixed, everywhere)).toEqual(before.slice(3));
  });

  it('reports a bad field and a field the model lacks of one call together, and still checks its rules', () => {
    const raw = smallPlan({
      shots: [{ id: 'a', model: 'vertex/veo-3.1-generate-001', prompt: 'x', duration: 5, params: { camera: 'dolly', resolution: '4k' } }],
    });
    const p = refusal(raw, everywhere);
    expect(p).toHaveLength(2);
    expect(p[0]).toMatch(/^shot 'a' \(scene 'one'\): vertex\/veo-3\.1-generate-001 does not take camera/);
    expect(p[1]).toMatch(/^shot 'a' \(scene 'one'\): vertex\/veo-3\.1-generate-001: field 'duration' .*4, 6, 8/);
  });
});

describe('--check estimates without keys', () => {
  const remote = (): Record<string, unknown> =>
    smallPlan({
      shots: [
        { id: 'a', model: 'replicate/bytedance/seedance-1-lite', prompt: 'x', duration: 5 },
        { id: 'b', model: 'vertex/veo-3.1-generate-001', prompt: 'y', duration: 4 },
      ],
    });

  it('turns models that cannot run here into warnings under checkOnly, and keeps them problems for a run', () => {
    const checked = validatePlan(parsePlan(remote(), '/plans/remote.json'), { ...localOnly, checkOnly: true });
    const full = validatePlan(parsePlan(remote(), '/plans/remote.json'), everywhere);
    expect(checked.estimate).toEqual(full.estimate);
    expect(checked.warnings).toEqual([
      "shot 'a' (scene 'one'): replicate/bytedance/seedance-1-lite is not available here: no key (set KEY)",
      "shot 'b' (scene 'one'): vertex/veo-3.1-generate-001 is not available here: no key (set KEY)",
    ]);
    expect(refusal(remote(), localOnly)).toHaveLength(2);
  });

  it('studio-mcp run --check prints the estimate with no key set; run without --check refuses', async () => {
    const dir = tempDir();
    const file = writePlan(dir, remote());
    const env = { STUDIO_HOME: path.join(dir, 'studio') };
    const expected = validatePlan(parsePlan(remote(), file), everywhere).estimate;
    const check = await cli(['run', file, '--check', '--json'], env);
    expect(check.code, check.stderr).toBe(0);
    const out = json<{ ok: boolean; estimate: unknown; warnings: string[] }>(check);
    expect(out.ok).toBe(true);
    expect(out.estimate).toEqual(expected);
    expect(out.warnings.filter((w) => w.includes('is not available here'))).toHaveLength(2);
    const run = await cli(['run', file, '--json'], env);
    expect(run.code).toBe(1);
    expect(json<{ refused: boolean; problems: string[] }>(run).problems.filter((p) => p.includes('is not available here'))).toHaveLength(2);
  }, 60_000);
});
