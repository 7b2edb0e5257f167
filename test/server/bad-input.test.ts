import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { withStudioDb } from '../helpers/studio-db.js';

/** Every row of every table, so "the database is unchanged" is checked, not assumed. */
function snapshot(h: Harness): string {
  return withStudioDb(h.studio.config.home, (db) => {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type='table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]));
  });
}

describe('bad input gives a clear tool error and changes nothing', () => {
  let h: Harness;
  let sceneId: string;
  let emptySceneId: string;
  let shotId: string;
  beforeAll(async () => {
    h = await startHarness();
    const scene = (await h.call('scene_create', { title: 'S' })) as { scene: { scene_id: string } };
    sceneId = scene.scene.scene_id;
    emptySceneId = ((await h.call('scene_create', { title: 'Empty' })) as { scene: { scene_id: string } }).scene.scene_id;
    shotId = ((await h.call('shot_create', { scene_id: sceneId, prompt: 'p', duration: 1 })) as { shot: { shot_id: string } }).shot.shot_id;
  });
  afterAll(async () => h.close());

  const outside = path.join(os.tmpdir(), 'definitely-outside-studio.png');

  const cases: { name: string; tool: string; args: () => Record<string, unknown>; field: string; code: string; says: RegExp }[] = [
    {
      name: 'unknown scene id',
      tool: 'shot_create',
      args: () => ({ scene_id: 'scn_nope', prompt: 'x' }),
      field: 'scene_id',
      code: 'not_found',
      says: /scene 'scn_nope' does not exist/,
    },
    {
      name: 'unknown shot id for generation',
      tool: 'video_generate',
      args: () => ({ shot_id: 'sht_nope', prompt: 'x' }),
      field: 'shot_id',
      code: 'not_found',
      says: /shot 'sht_nope'/,
    },
    {
      name: 'unknown character id',
      tool: 'video_generate',
      args: () => ({ prompt: 'x', character_id: 'chr_nope' }),
      field: 'character_id',
      code: 'not_found',
      says: /character 'chr_nope'/,
    },
    {
      name: 'unknown media id as a start frame',
      tool: 'video_generate',
      args: () => ({ prompt: 'x', start_frame: 'med_nope' }),
      field: 'start_frame',
      code: 'not_found',
      says: /media 'med_nope'/,
    },
    {
      name: 'unknown model',
      tool: 'video_generate',
      args: () => ({ prompt: 'x', model: 'nobody/nothing' }),
      field: 'model',
      code: 'invalid_input',
      says: /unknown model 'nobody\/nothing'.*local\/animatic/,
    },
    {
      name: 'a model of another task',
      tool: 'video_generate',
      args: () => ({ prompt: 'x', model: 'local/still' }),
      field: 'model',
      code: 'invalid_input',
      says: /image_generate model/,
    },
    {
      name: 'missing required prompt',
      tool: 'video_generate',
      args: () => ({ model: 'local/animatic' }),
      field: 'prompt',
      code: 'invalid_input',
      says: /prompt/,
    },
    { name: 'missing required name', tool: 'character_create', args: () => ({}), field: 'name', code: 'invalid_input', says: /'name' is required/ },
    {
      name: 'wrong type of duration',
      tool: 'video_generate',
      args: () => ({ prompt: 'x', duration: 'long' }),
      field: 'duration',
      code: 'invalid_input',
      says: /duration/,
    },
    {
      name: 'out-of-range duration',
      tool: 'video_generate',
      args: () => ({ prompt: 'x', duration: 99 }),
      field: 'duration',
      code: 'invalid_input',
      says: /duration/,
    },
    {
      name: 'an enum value the model lacks',
      tool: 'video_generate',
      args: () => ({ prompt: 'x', aspect_ratio: '4:3' }),
      field: 'aspect_ratio',
      code: 'invalid_input',
      says: /aspect_ratio/,
    },
    {
      name: 'a field the model does not take',
      tool: 'image_generate',
      args: () => ({ prompt: 'x', start_frame: 'med_x' }),
      field: 'start_frame',
      code: 'invalid_input',
      says: /local\/still does not take start_frame/,
    },
    {
      name: 'wrong type in a studio tool',
      tool: 'shot_create',
      args: () => ({ scene_id: sceneId, duration: 'two' }),
      field: 'duration',
      code: 'invalid_input',
      says: /'duration'/,
    },
    {
      name: 'an unknown argument',
      tool: 'film_create',
      args: () => ({ title: 'x', colour: 'red' }),
      field: 'colour',
      code: 'invalid_input',
      says: /unknown argument/,
    },
    {
      name: 'a path outside the allowed folders',
      tool: 'media_import',
      args: () => ({ path: outside }),
      field: 'path',
      code: 'invalid_input',
      says: /outside the folders/,
    },
    { name: 'a path with ..', tool: 'media_import', args: () => ({ path: '../../etc/passwd' }), field: 'path', code: 'invalid_input', says: /'\.\.'/ },
    {
      name: 'a URL as a path',
      tool: 'media_import',
      args: () => ({ path: 'http://169.254.169.254/latest' }),
      field: 'path',
      code: 'invalid_input',
      says: /not a URL/,
    },
    {
      name: 'rendering an empty scene',
      tool: 'render_scene',
      args: () => ({ scene_id: emptySceneId }),
      field: 'scene_id',
      code: 'invalid_input',
      says: /has no shots/,
    },
    {
      name: 'rendering a scene whose shot has no take',
      tool: 'render_scene',
      args: () => ({ scene_id: sceneId }),
      field: 'shot_id',
      code: 'invalid_input',
      says: /has no take/,
    },
    {
      name: 'use_last_frame on the first shot',
      tool: 'video_generate',
      args: () => ({ shot_id: shotId, use_last_frame: true }),
      field: 'use_last_frame',
      code: 'invalid_input',
      says: /first shot/,
    },
    {
      name: 'reordering with a missing shot',
      tool: 'shot_reorder',
      args: () => ({ scene_id: sceneId, shot_ids: ['sht_other'] }),
      field: 'shot_ids',
      code: 'invalid_input',
      says: /exactly once/,
    },
    {
      name: 'unknown job',
      tool: 'job_wait',
      args: () => ({ job_id: 'job_nope', timeout_seconds: 0 }),
      field: 'job_id',
      code: 'not_found',
      says: /job 'job_nope'/,
    },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.code} naming '${c.field}'`, async () => {
      fs.writeFileSync(outside, 'not really a png');
      const before = snapshot(h);
      const err = await h.callError(c.tool, c.args());
      expect(err.code).toBe(c.code);
      expect(err.field).toBe(c.field);
      expect(err.message).toMatch(c.says);
      expect(snapshot(h)).toBe(before);
    });
  }

  it('an unknown tool is a clear error', async () => {
    const err = await h.callError('no_such_tool', {});
    expect(err.message).toMatch(/unknown tool 'no_such_tool'/);
  });
});

describe('clients that send every argument as a string', () => {
  it('numbers and booleans spelled as strings are read as such where the schema says so', async () => {
    const h = await startHarness();
    try {
      const r = await h.call('video_generate', { prompt: 'strings', duration: '1.5', seed: '7', wait: 'true' });
      expect(r.status).toBe('succeeded');
      expect(r.duration).toBeCloseTo(1.5, 1);
      const err = await h.callError('video_generate', { prompt: 'x', duration: '1.5s' });
      expect(err.field).toBe('duration');
      const s = (await h.call('scene_create', { title: '42' })) as { scene: { title: string } };
      expect(s.scene.title).toBe('42');
    } finally {
      await h.close();
    }
  });
});
