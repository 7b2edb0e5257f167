import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/plans/summary.js';
import { tempDir } from '../helpers/harness.js';
import { writePlan } from '../plans/fixtures.js';
import { cli, json } from './spawn.js';

type Json = Record<string, unknown>;

/** Two scenes of three 1 s shots at 360p: an imported and a generated reference image, a continuing shot, a lip-synced line. */
function twoScenes(): Json {
  const fast = { resolution: '360p', fps: 12 };
  const shot = (id: string, prompt: string, extra: Json = {}): Json => ({ id, prompt, duration: 1, params: fast, ...extra });
  return {
    id: 'two-scenes',
    film: { title: 'Two scenes', settings: { width: 640, height: 360, fps: 12 } },
    characters: [
      { id: 'mara', name: 'Mara', reference_images: ['mara.png'], voice_id: 'mara-warm', style_tokens: 'red scarf' },
      { id: 'tom', name: 'Tom', reference_images: [{ prompt: 'Tom, a fisherman in a yellow coat', aspect_ratio: '1:1' }], voice_id: 'tom-bright' },
    ],
    scenes: [
      {
        id: 'night',
        title: 'Night',
        shots: [
          shot('stairs', 'Mara climbs the stairs', { character: 'mara' }),
          shot('lamp', 'Mara lights the lamp', { character: 'mara', use_last_frame: true }),
          shot('sea', 'The beam sweeps the sea', { transition: { type: 'crossfade', duration: 0.3 } }),
        ],
      },
      {
        id: 'morning',
        title: 'Morning',
        shots: [
          shot('boat', 'Tom pulls his boat ashore', { character: 'tom' }),
          shot('wave', 'Tom waves at the lighthouse', { character: 'tom', dialogue: [{ text: 'Morning, Mara!', offset: 0.1 }], lipsync: true }),
          shot('gulls', 'Gulls over the harbour'),
        ],
      },
    ],
  };
}

describe('studio-mcp run (spawned)', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = tempDir();
    env = { STUDIO_HOME: path.join(dir, 'studio') };
    // The plan imports this file: running a plan lets media_import read the plan's own image folders.
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=64x64', '-frames:v', '1', path.join(dir, 'mara.png')]);
  });

  it('makes a film from 2 scenes × 3 shots, reuses everything on a second run, and redoes only a changed shot and its scene', async () => {
    const file = writePlan(dir, twoScenes());
    const first = await cli(['run', file, '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const s1 = json<RunSummary>(first);
    expect(s1.counts).toEqual({ made: 6, reused: 0, failed: 0, skipped: 0 });
    expect(s1.images).toEqual({ made: 2, reused: 0 });
    expect(s1.characters).toEqual({ created: 2, updated: 0, reused: 0 });
    expect(s1.scenes.map((s) => [s.key, s.rendered])).toEqual([
      ['night', true],
      ['morning', true],
    ]);
    expect(s1.cost).toEqual({ usd: 0, unpriced_calls: 0 });
    expect(fs.existsSync(s1.film_path ?? '')).toBe(true);
    expect(s1.film_duration).toBeGreaterThan(4);
    expect(first.stderr).toContain('character mara: created');
    expect(first.stderr).toMatch(/shot morning\/wave: made \(video, voice, lipsync\)/);

    const second = await cli(['run', file], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("plan 'two-scenes': 6 shots — 0 made, 6 reused, 0 failed");
    expect(second.stdout).toContain('everything reused: nothing was generated or rendered again');
    expect(second.stdout).toContain('scenes: 0 rendered, 2 reused (night, morning)');
    expect(second.stdout).toContain(`film: ${s1.film_path ?? ''}`);

    const changed = twoScenes() as { scenes: { shots: Json[] }[] };
    (changed.scenes[1]?.shots[2] as Json).prompt = 'Gulls circle over the harbour';
    const third = await cli(['run', writePlan(dir, changed), '--json'], env);
    expect(third.code, third.stderr).toBe(0);
    const s3 = json<RunSummary>(third);
    expect(s3.shots.filter((s) => s.status === 'made').map((s) => s.key)).toEqual(['gulls']);
    expect(s3.counts).toEqual({ made: 1, reused: 5, failed: 0, skipped: 0 });
    expect(s3.scenes.map((s) => [s.key, s.rendered])).toEqual([
      ['night', false],
      ['morning', true],
    ]);
    expect(s3.images.made).toBe(0);
    expect(s3.film_path).not.toBe(s1.film_path);
    expect(fs.existsSync(s3.film_path ?? '')).toBe(true);
  });

  it('refuses reference images plus a start frame on Veo before anything is generated, naming the shot and the rule', async () => {
    const home = { STUDIO_HOME: path.join(dir, 'refused') };
    const plan = twoScenes() as { scenes: { shots: Json[] }[] };
    plan.scenes[0]?.shots.splice(1, 1, {
      id: 'lamp',
      model: 'vertex/veo-3.1-generate-001',
      prompt: 'Mara lights the lamp',
      duration: 8,
      use_last_frame: true,
      reference_images: [{ prompt: 'the lamp room' }],
    });
    const r = await cli(['run', writePlan(dir, plan, 'veo.json')], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the plan was refused');
    expect(r.stderr).toMatch(
      new RegExp(
        /shot 'lamp' \(scene 'night'\): vertex\/veo-3\.1-generate-001: reference_images cannot be combined with start_frame.*/.source +
          /\[rule excludes: reference_images excludes start_frame, end_frame\]/.source,
      ),
    );
    expect(r.stdout).toBe('');
    for (const [tool, key] of [
      ['job_list', 'jobs'],
      ['media_list', 'media'],
      ['film_list', 'films'],
      ['character_list', 'characters'],
    ] as const) {
      const list = json<Record<string, unknown[]>>(await cli(['call', tool], home));
      expect(list[key], `${tool} after a refused plan`).toEqual([]);
    }
    expect(fs.existsSync(path.join(home.STUDIO_HOME, 'plans', 'two-scenes.state.json'))).toBe(false);
  });
});
