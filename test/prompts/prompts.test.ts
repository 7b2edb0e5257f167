import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { docCalls } from './calls.js';

/** Every `tool_name(arg: value, …)` written in a prompt, with its top-level argument names. */
function toolCalls(text: string): { tool: string; args: string[] }[] {
  return docCalls(text).map((c) => ({ tool: c.tool, args: c.args.filter((a) => a.value !== undefined).map((a) => a.name) }));
}

describe('MCP prompts', () => {
  let h: Harness;
  let sceneId: string;
  let shotIds: string[];
  let characterId: string;
  beforeAll(async () => {
    h = await startHarness();
    const c = (await h.call('character_create', { name: 'Mara', voice_id: 'mara-warm' })) as { character: { character_id: string } };
    characterId = c.character.character_id;
    const s = (await h.call('scene_create', { title: 'Night watch' })) as { scene: { scene_id: string } };
    sceneId = s.scene.scene_id;
    shotIds = [];
    for (const prompt of ['Mara climbs the stairs', 'Mara reaches the lamp room']) {
      const shot = (await h.call('shot_create', { scene_id: sceneId, prompt, character_id: characterId, duration: 1, params: { resolution: '360p' } })) as {
        shot: { shot_id: string };
      };
      shotIds.push(shot.shot.shot_id);
    }
    await h.call('video_generate', { shot_id: shotIds[0] });
    await h.call('video_generate', { shot_id: shotIds[1], use_last_frame: true });
  });
  afterAll(async () => h.close());

  const argsFor = (name: string): Record<string, string> => {
    switch (name) {
      case 'plan_film':
        return { logline: 'A lighthouse keeper waits for a fisherman who never comes home.', style: 'moody 35mm', length: '60 s' };
      case 'shoot_scene':
      case 'check_continuity':
        return { scene_id: sceneId };
      case 'add_dialogue':
        return { shot_id: shotIds[1] as string, character_id: characterId, text: 'The light is on.' };
      default:
        throw new Error(`no test arguments for prompt ${name}`);
    }
  };

  it('lists the four workflows with their arguments', async () => {
    const { prompts } = await h.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['plan_film', 'shoot_scene', 'add_dialogue', 'check_continuity']);
    const byName = new Map(prompts.map((p) => [p.name, p]));
    expect(byName.get('plan_film')?.arguments).toEqual([
      expect.objectContaining({ name: 'logline', required: true }),
      expect.objectContaining({ name: 'style', required: false }),
      expect.objectContaining({ name: 'length', required: false }),
    ]);
    expect(byName.get('add_dialogue')?.arguments?.map((a) => a.name)).toEqual(['shot_id', 'character_id', 'text']);
    for (const p of prompts) expect(p.description, p.name).toBeTruthy();
  });

  it('every prompt is retrievable, and names only real tools with real arguments', async () => {
    const { prompts } = await h.client.listPrompts();
    const { tools } = await h.client.listTools();
    const schemas = new Map(tools.map((t) => [t.name, Object.keys(t.inputSchema.properties ?? {})]));
    for (const p of prompts) {
      const r = await h.client.getPrompt({ name: p.name, arguments: argsFor(p.name) });
      expect(r.messages.length, p.name).toBeGreaterThan(0);
      const text = r.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
      const calls = toolCalls(text);
      expect(calls.length, `${p.name} names tools`).toBeGreaterThan(2);
      for (const c of calls) {
        expect(schemas.has(c.tool), `${p.name}: tool ${c.tool} exists`).toBe(true);
        for (const a of c.args) expect(schemas.get(c.tool), `${p.name}: ${c.tool} takes ${a}`).toContain(a);
      }
    }
  });

  it('plan_film lists the real models with availability and explains frames versus references', async () => {
    const r = await h.client.getPrompt({ name: 'plan_film', arguments: argsFor('plan_film') });
    const text = (r.messages[0]!.content as { text: string }).text;
    expect(text).toContain('A lighthouse keeper waits');
    expect(text).toContain('`local/animatic`');
    expect(text).toMatch(/`vertex\/veo-3\.1-generate-001` — .*reference images OR frames, never both.*not available here/);
    expect(text).toMatch(/`replicate\/[^`]+` — .*not available here: .*REPLICATE_API_TOKEN/);
    expect(text).toContain('Reference images are identity guidance');
    expect(text).toContain('never used as a start or end frame');
  });

  it('shoot_scene and check_continuity read the scene as it is', async () => {
    const shoot = await h.client.getPrompt({ name: 'shoot_scene', arguments: { scene_id: sceneId } });
    const text = (shoot.messages[0]!.content as { text: string }).text;
    expect(text).toContain(`video_generate(shot_id: "${shotIds[1]}", use_last_frame: true)`);
    expect(text).toContain(`render_scene(scene_id: "${sceneId}")`);
    expect(text).toContain('already has take 1');
    const check = await h.client.getPrompt({ name: 'check_continuity', arguments: { scene_id: sceneId } });
    const report = (check.messages[0]!.content as { text: string }).text;
    expect(report).toContain("shot 2 starts on shot 1's exact last frame");
    expect(report).toContain(`extract_frames(scene_id: "${sceneId}")`);
  });

  it('refuses unknown prompts, missing arguments and unknown ids with a clear message', async () => {
    await expect(h.client.getPrompt({ name: 'nope', arguments: {} })).rejects.toThrow(/unknown prompt 'nope'/);
    await expect(h.client.getPrompt({ name: 'plan_film', arguments: {} })).rejects.toThrow(/needs 'logline'/);
    await expect(h.client.getPrompt({ name: 'shoot_scene', arguments: { scene_id: 'scn_missing' } })).rejects.toThrow(/scene 'scn_missing' does not exist/);
    await expect(h.client.getPrompt({ name: 'add_dialogue', arguments: { shot_id: shotIds[0] as string, character_id: 'chr_x', text: 'hi' } })).rejects.toThrow(
      /character 'chr_x' does not exist/,
    );
  });
});
