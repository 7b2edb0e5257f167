import type { CompleteRequestParams } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COMPLETIONS, complete } from '../../src/completions.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const prompt = (name: string, arg: string, value: string): CompleteRequestParams => ({ ref: { type: 'ref/prompt', name }, argument: { name: arg, value } });
const template = (uri: string, arg: string, value: string, context?: Record<string, string>): CompleteRequestParams => ({
  ref: { type: 'ref/resource', uri },
  argument: { name: arg, value },
  ...(context ? { context: { arguments: context } } : {}),
});

describe('completion/complete for prompt arguments and resource template variables', () => {
  let h: Harness;
  let mara: string;
  let tom: string;
  let sceneA: string;
  let sceneB: string;
  let shots: string[];
  beforeAll(async () => {
    h = await startHarness();
    const character = async (name: string) =>
      ((await h.call('character_create', { name, voice_id: name.toLowerCase() })) as { character: { character_id: string } }).character.character_id;
    mara = await character('Mara');
    tom = await character('Tom');
    const scene = async (title: string) => ((await h.call('scene_create', { title })) as { scene: { scene_id: string } }).scene.scene_id;
    sceneA = await scene('Night watch');
    sceneB = await scene('Morning tide');
    shots = [];
    for (const [sceneId, title] of [
      [sceneA, 'Stairs'],
      [sceneB, 'Boat'],
    ] as const) {
      const s = (await h.call('shot_create', { scene_id: sceneId, title, prompt: title, duration: 1 })) as { shot: { shot_id: string } };
      shots.push(s.shot.shot_id);
    }
  });
  afterAll(async () => h.close());

  const values = async (p: CompleteRequestParams) => (await complete(h.studio, p)).completion.values;

  it('offers every scene id for an empty scene_id of shoot_scene, and narrows by id prefix', async () => {
    expect((await values(prompt('shoot_scene', 'scene_id', ''))).sort()).toEqual([sceneA, sceneB].sort());
    expect(await values(prompt('check_continuity', 'scene_id', sceneA.slice(0, sceneA.length - 2)))).toEqual([sceneA]);
  });

  it('finds ids by their name or title, ignoring case', async () => {
    expect(await values(prompt('add_dialogue', 'character_id', 'mar'))).toEqual([mara]);
    expect(await values(prompt('add_dialogue', 'character_id', 'TOM'))).toEqual([tom]);
    expect(await values(prompt('shoot_scene', 'scene_id', 'tide'))).toEqual([sceneB]);
    expect(await values(prompt('add_dialogue', 'shot_id', 'boat'))).toEqual([shots[1]]);
  });

  it('offers the shots of every scene for add_dialogue shot_id', async () => {
    expect((await values(prompt('add_dialogue', 'shot_id', 'sht_'))).sort()).toEqual([...shots].sort());
  });

  it('completes resource template variables: scene, character, provider, then the models of that provider', async () => {
    expect(await values(template('studio://scenes/{scene_id}', 'scene_id', 'night'))).toEqual([sceneA]);
    expect(await values(template('studio://characters/{character_id}', 'character_id', 'ma'))).toEqual([mara]);
    expect(await values(template('studio://models/{provider}/{model}', 'provider', 'loc'))).toEqual(['local']);
    const local = await values(template('studio://models/{provider}/{model}', 'model', '', { provider: 'local' }));
    expect(local).toEqual(expect.arrayContaining(['animatic', 'still']));
    expect(local.every((m) => !m.startsWith('local/'))).toBe(true);
  });

  it('reports total and hasMore, with at most the spec maximum of 100 values', async () => {
    const r = await complete(h.studio, prompt('shoot_scene', 'scene_id', ''));
    expect(r.completion).toEqual({ values: expect.any(Array), total: 2, hasMore: false });
    expect(MAX_COMPLETIONS).toBe(100);
  });

  it('answers no values (not an error) for free text, an unknown prompt, template or argument', async () => {
    const none = { completion: { values: [], total: 0, hasMore: false } };
    expect(await complete(h.studio, prompt('plan_film', 'logline', 'A'))).toEqual(none);
    expect(await complete(h.studio, prompt('test_prompt_with_arguments', 'arg1', 'test'))).toEqual(none);
    expect(await complete(h.studio, prompt('shoot_scene', 'character_id', ''))).toEqual(none);
    expect(await complete(h.studio, template('studio://nothing/{scene_id}', 'scene_id', ''))).toEqual(none);
    expect(await complete(h.studio, prompt('shoot_scene', 'scene_id', 'zzz'))).toEqual(none);
  });
});
