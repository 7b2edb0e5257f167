import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CapabilityRegistry } from '../../src/capabilities/registry.js';
import { PlanRefused } from '../../src/plans/errors.js';
import { loadPlanFile, parsePlan } from '../../src/plans/load.js';
import { validatePlan, type PlanContext } from '../../src/plans/validate.js';
import { tempDir } from '../helpers/harness.js';
import { smallPlan } from './fixtures.js';

let registry: CapabilityRegistry;
/** Every model counts as available, so the capability checks of remote models are tested without keys. */
let everywhere: PlanContext;
beforeAll(() => {
  registry = CapabilityRegistry.load();
  everywhere = { registry, availability: () => ({ available: true }) };
});

function problems(raw: unknown, ctx: PlanContext = everywhere): string[] {
  try {
    validatePlan(parsePlan(raw, '/plans/test.json'), ctx);
  } catch (err) {
    if (err instanceof PlanRefused) return err.problems;
    throw err;
  }
  return [];
}

describe('plan validation (before anything is generated)', () => {
  it('accepts the small offline plan and resolves continuity, models and defaults', () => {
    const plan = validatePlan(parsePlan(smallPlan(), '/plans/small.json'), everywhere);
    const shots = plan.scenes[0]?.shots ?? [];
    expect(shots.map((s) => [s.key, s.model, s.predecessor])).toEqual([
      ['a', 'local/animatic', undefined],
      ['b', 'local/animatic', 'a'],
      ['c', 'local/animatic', undefined],
    ]);
    expect(shots[2]?.lipsyncModel).toBe('local/lipsync-video');
    expect(plan.estimate).toEqual({ usd: 0, unpriced: 0 });
  });

  it('names unknown keys and bad values with their path', () => {
    const raw = smallPlan({ shots: [{ id: 'a', promt: 'typo', duration: -1 }] });
    const p = problems(raw);
    expect(p).toContain("scenes[0].shots[0]: unknown key 'promt'");
    expect(p.some((x) => x.startsWith('scenes[0].shots[0].duration:'))).toBe(true);
  });

  it('refuses a transition into the first shot of a scene (it has nothing to come from)', () => {
    const p = problems(smallPlan({ shots: [{ id: 'a', prompt: 'x', duration: 1, transition: { type: 'fade_black', duration: 1 } }] }));
    expect(p).toEqual(["shot 'a' (scene 'one'): a fade_black into the first shot of a scene has no shot to come from; put it on the next shot"]);
  });

  it('refuses reference images plus a start frame (use_last_frame) on Veo, naming the shot and the rule', () => {
    const raw = smallPlan({
      shots: [
        { id: 'a', prompt: 'Mara at the window', duration: 1 },
        {
          id: 'b',
          model: 'vertex/veo-3.1-generate-001',
          prompt: 'Mara turns',
          duration: 8,
          use_last_frame: true,
          reference_images: [{ prompt: 'the lamp room' }],
        },
      ],
    });
    const p = problems(raw);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^shot 'b' \(scene 'one'\): vertex\/veo-3\.1-generate-001: reference_images cannot be combined with start_frame/);
    expect(p[0]).toContain('[rule excludes: reference_images excludes start_frame, end_frame]');
  });

  it("skips a character's reference images on Veo with use_last_frame, with a warning (injection, not a refusal)", () => {
    const raw = smallPlan({
      characters: [{ id: 'mara', name: 'Mara', reference_images: [{ prompt: 'Mara portrait' }] }],
      shots: [
        { id: 'a', prompt: 'Mara at the window', duration: 1, character: 'mara' },
        { id: 'b', model: 'vertex/veo-3.1-generate-001', prompt: 'Mara turns', duration: 8, use_last_frame: true, character: 'mara' },
      ],
    });
    const plan = validatePlan(parsePlan(raw, '/plans/x.json'), everywhere);
    expect(plan.warnings.join('\n')).toMatch(/shot 'b'.*reference images skipped/);
  });

  it('checks model fields, references and continuity all at once', () => {
    const raw = smallPlan({
      shots: [
        { id: 'a', prompt: 'x', use_last_frame: true, character: 'nobody' },
        { id: 'b', model: 'vertex/veo-3.1-generate-001', prompt: 'y', duration: 5 },
        { id: 'c', model: 'local/animatic', prompt: 'z', params: { camera: 'dolly' } },
        { id: 'd', prompt: 'w', lipsync: true },
        { id: 'd', prompt: 'again', reference_images: ['missing.png'] },
        { id: 'e', model: 'local/still', prompt: 'not a video model' },
      ],
    });
    const p = problems(raw).join('\n');
    expect(p).toContain("shot id 'd' is used more than once");
    expect(p).toContain("shot 'a' (scene 'one'): character 'nobody' is not in the plan's characters");
    expect(p).toContain("shot 'a' (scene 'one'): use_last_frame on the first shot of a scene");
    expect(p).toMatch(/shot 'b' \(scene 'one'\): vertex\/veo-3\.1-generate-001: field 'duration'.*4, 6, 8/);
    expect(p).toMatch(/shot 'c' \(scene 'one'\): local\/animatic does not take camera/);
    expect(p).toContain("shot 'd' (scene 'one'): lipsync needs a line of dialogue");
    expect(p).toMatch(/reference image 1: the image file '.*missing\.png' does not exist/);
    expect(p).toMatch(/shot 'e' \(scene 'one'\): .*local\/still/);
  });

  it('refuses models that cannot run here, saying which variable to set', () => {
    const raw = smallPlan({ shots: [{ id: 'a', model: 'replicate/bytedance/seedance-1-lite', prompt: 'x', duration: 5 }] });
    const ctx: PlanContext = {
      registry,
      availability: (cap) =>
        cap.provider === 'local' ? { available: true } : { available: false, reason: 'Replicate needs an API token', env: ['REPLICATE_API_TOKEN'] },
    };
    expect(problems(raw, ctx)).toEqual([
      "shot 'a' (scene 'one'): replicate/bytedance/seedance-1-lite is not available here: Replicate needs an API token (set REPLICATE_API_TOKEN)",
    ]);
  });

  it('estimates the cost where prices are known', () => {
    const raw = smallPlan({
      shots: [
        { id: 'a', model: 'replicate/bytedance/seedance-1-lite', prompt: 'x', duration: 5 },
        { id: 'b', model: 'vertex/veo-3.1-generate-001', prompt: 'y', duration: 4 },
      ],
    });
    const plan = validatePlan(parsePlan(raw, '/plans/x.json'), everywhere);
    expect(plan.estimate.usd).toBeCloseTo(0.18, 6);
    expect(plan.estimate.unpriced).toBe(1);
  });

  it('reads YAML, and the shipped examples are valid plans', () => {
    const file = path.join(tempDir(), 'p.yaml');
    fs.writeFileSync(
      file,
      'film: { title: Y }\nscenes:\n  - id: s\n    title: S\n    shots:\n      - { id: a, prompt: hello }\n      - { id: b, prompt: there, transition: ' +
        'crossfade }\n',
    );
    const loaded = loadPlanFile(file);
    expect(loaded.id).toBe('p');
    expect(validatePlan(loaded, everywhere).scenes[0]?.shots[1]?.transition).toEqual({ type: 'crossfade', duration: 0.5 });
    for (const example of ['examples/demo-plan.json', 'examples/veo-plan.yaml']) {
      const plan = validatePlan(loadPlanFile(path.resolve(example)), everywhere);
      expect(plan.scenes.length, example).toBeGreaterThan(0);
    }
  });
});
