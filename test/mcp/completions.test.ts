import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { complete, MAX_COMPLETIONS } from '../../src/mcp/completions.js';
import { Studio } from '../../src/studio/studio.js';
import { tempDir } from '../helpers/harness.js';

/** Issue 10 part 7: completion values for prompt arguments and resource template variables. */

let studio: Studio;
let home: string;
const ids: Record<string, string> = {};

beforeAll(() => {
  home = tempDir('studio-complete-');
  studio = new Studio({ config: loadConfig({ STUDIO_HOME: home }), log: () => undefined, resume: false });
  // Records made one second apart, so "most recent first" has one right answer.
  vi.useFakeTimers({ toFake: ['Date'] });
  let t = Date.parse('2026-12-01T10:00:00Z');
  const tick = (): void => {
    t += 1000;
    vi.setSystemTime(t);
  };
  const { store } = studio;
  tick();
  ids.mara = store.characters.create({ name: 'Mara' }).character_id;
  tick();
  ids.marcus = store.characters.create({ name: 'Marcus' }).character_id;
  tick();
  ids.otto = store.characters.create({ name: 'Otto' }).character_id;
  tick();
  ids.film = store.films.create({ title: 'Harbour Lights' }).film_id;
  tick();
  ids.sceneA = store.scenes.create({ title: 'Dock at dawn', film_id: ids.film }).scene_id;
  tick();
  ids.sceneB = store.scenes.create({ title: 'Dinner' }).scene_id;
  tick();
  ids.shotA1 = store.shots.create(ids.sceneA, { title: 'wide' }).shot_id;
  tick();
  ids.shotB1 = store.shots.create(ids.sceneB, { title: 'close' }).shot_id;
  tick();
  ids.shotA2 = store.shots.create(ids.sceneA, { title: 'wider' }).shot_id;
  vi.useRealTimers();
});

afterAll(async () => {
  await studio.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const prompt = (name: string) => ({ type: 'ref/prompt' as const, name });
const template = (uri: string) => ({ type: 'ref/resource' as const, uri });

describe('completion/complete values', () => {
  it('character ids match by name or id prefix, case-insensitive, most recent first', () => {
    expect(complete(studio, prompt('add_dialogue'), 'character_id', 'mar')).toEqual({ values: [ids.marcus, ids.mara], total: 2, hasMore: false });
    expect(complete(studio, prompt('add_dialogue'), 'character_id', '')).toEqual({ values: [ids.otto, ids.marcus, ids.mara], total: 3, hasMore: false });
    expect(complete(studio, template('studio://characters/{character_id}'), 'character_id', ids.otto?.slice(0, 12) ?? '').values).toEqual([ids.otto]);
    expect(complete(studio, prompt('add_dialogue'), 'character_id', 'zed')).toEqual({ values: [], total: 0, hasMore: false });
  });

  it('scene ids for the prompts and the template; film ids by title', () => {
    expect(complete(studio, prompt('shoot_scene'), 'scene_id', '').values).toEqual([ids.sceneB, ids.sceneA]);
    expect(complete(studio, prompt('check_continuity'), 'scene_id', 'DOCK').values).toEqual([ids.sceneA]);
    expect(complete(studio, template('studio://scenes/{scene_id}'), 'scene_id', 'd').values).toEqual([ids.sceneB, ids.sceneA]);
    expect(complete(studio, template('studio://films/{film_id}'), 'film_id', 'harb').values).toEqual([ids.film]);
  });

  it('shot ids, narrowed to the scene when the context names one', () => {
    expect(complete(studio, prompt('add_dialogue'), 'shot_id', 'wi').values).toEqual([ids.shotA2, ids.shotA1]);
    expect(complete(studio, prompt('add_dialogue'), 'shot_id', '').values).toEqual([ids.shotA2, ids.shotB1, ids.shotA1]);
    expect(complete(studio, prompt('add_dialogue'), 'shot_id', '', { arguments: { scene_id: ids.sceneB as string } }).values).toEqual([ids.shotB1]);
  });

  it('providers and models in alphabetical order; the model narrowed by the provider already chosen', () => {
    const models = template('studio://models/{provider}/{model}');
    expect(complete(studio, models, 'provider', '')).toEqual({
      values: ['elevenlabs', 'local', 'replicate', 'vertex', 'wavespeed'],
      total: 5,
      hasMore: false,
    });
    expect(complete(studio, models, 'provider', 'V').values).toEqual(['vertex']);
    expect(complete(studio, models, 'model', 'l', { arguments: { provider: 'local' } }).values).toEqual(['lipsync', 'lipsync-video']);
    expect(complete(studio, models, 'model', 'veo-3.1', { arguments: { provider: 'vertex' } }).values).toEqual([
      'veo-3.1-fast-generate-001',
      'veo-3.1-generate-001',
      'veo-3.1-lite-generate-001',
    ]);
    // Without a provider, every model's name after its provider.
    expect(complete(studio, models, 'model', 'bytedance/seedream').values).toContain('bytedance/seedream-4');
  });

  it('free-text arguments, unknown prompts, templates and arguments get no values (never an error)', () => {
    const none = { values: [], total: 0, hasMore: false };
    expect(complete(studio, prompt('plan_film'), 'logline', 'a')).toEqual(none);
    expect(complete(studio, prompt('add_dialogue'), 'text', 'a')).toEqual(none);
    expect(complete(studio, prompt('test_prompt_with_arguments'), 'arg1', 'test')).toEqual(none);
    expect(complete(studio, prompt('shoot_scene'), 'character_id', '')).toEqual(none); // not an argument of that prompt
    expect(complete(studio, template('studio://nothing/{scene_id}'), 'scene_id', '')).toEqual(none);
    expect(complete(studio, template('studio://scenes/{scene_id}'), 'film_id', '')).toEqual(none);
  });

  it('at most 100 values, with the total and hasMore', async () => {
    const home2 = tempDir('studio-complete-many-');
    const many = new Studio({ config: loadConfig({ STUDIO_HOME: home2 }), log: () => undefined, resume: false });
    try {
      for (let i = 0; i < 130; i++) many.store.characters.create({ name: `extra ${i}` });
      const r = complete(many, prompt('add_dialogue'), 'character_id', 'EXTRA');
      expect(r.values).toHaveLength(MAX_COMPLETIONS);
      expect(r.total).toBe(130);
      expect(r.hasMore).toBe(true);
      expect(new Set(r.values).size).toBe(MAX_COMPLETIONS);
    } finally {
      await many.close();
      fs.rmSync(home2, { recursive: true, force: true });
    }
  });
});
