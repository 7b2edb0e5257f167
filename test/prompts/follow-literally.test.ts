import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

/** The concrete calls a prompt text prescribes, in order: `tool(arg: value, …)` with no `<placeholder>` in it. */
function concreteCalls(text: string): { tool: string; args: Record<string, unknown> }[] {
  const out: { tool: string; args: Record<string, unknown> }[] = [];
  for (const m of text.matchAll(/`([a-z]+(?:_[a-z]+)+)\(([^`]*)\)`/g)) {
    const body = m[2] as string;
    if (body.includes('<')) continue;
    const json = `{${body.replace(/(^|,\s*)([a-z_]+):/g, '$1"$2":')}}`;
    out.push({ tool: m[1] as string, args: JSON.parse(json) as Record<string, unknown> });
  }
  return out;
}

async function promptText(h: Harness, name: string, args: Record<string, string>): Promise<string> {
  const p = await h.client.getPrompt({ name, arguments: args });
  const first = p.messages[0]?.content;
  if (first?.type !== 'text') throw new Error('prompt without text');
  return first.text;
}

describe('prompts followed literally', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  it('shoot_scene then check_continuity end with a clean scene in a bounded number of calls', async () => {
    const mara = ((await h.call('character_create', { name: 'Mara', voice_id: 'mara' })) as { character: { character_id: string } }).character.character_id;
    const tom = ((await h.call('character_create', { name: 'Tom', voice_id: 'tom' })) as { character: { character_id: string } }).character.character_id;
    const sceneId = ((await h.call('scene_create', { title: 'Quay' })) as { scene: { scene_id: string } }).scene.scene_id;
    const plan = [
      { prompt: 'Mara walks along the quay', character_id: mara, duration: 3 },
      { prompt: 'Mara stops at the edge', character_id: mara, duration: 2, continues: true },
      { prompt: 'Tom in his boat (reverse angle)', character_id: tom, duration: 3 },
      { prompt: 'Tom waves', character_id: tom, duration: 2, continues: true },
    ];
    const ids: string[] = [];
    for (const p of plan)
      ids.push(((await h.call('shot_create', { scene_id: sceneId, model: 'local/animatic', ...p })) as { shot: { shot_id: string } }).shot.shot_id);
    // The script's lines, written before shooting (the prompt then lip-syncs them in place).
    await h.call('voice_tts', { shot_id: ids[0], character_id: mara, text: 'Tom!', offset_seconds: 0.5 });
    await h.call('voice_tts', { shot_id: ids[2], character_id: tom, text: 'Coming home.', offset_seconds: 0.5 });

    const shoot = concreteCalls(await promptText(h, 'shoot_scene', { scene_id: sceneId }));
    expect(shoot.map((c) => c.tool)).toEqual([
      'video_generate',
      'lipsync_video',
      'video_generate',
      'video_generate',
      'lipsync_video',
      'video_generate',
      'render_scene',
    ]);
    expect(shoot.filter((c) => c.args.use_last_frame === true).map((c) => c.args.shot_id)).toEqual([ids[1], ids[3]]);
    let last: Record<string, unknown> = {};
    for (const c of shoot) last = await h.call(c.tool, c.args);
    const render = last as { warnings: string[]; stale_cuts?: unknown[]; timeline: { start: number; end: number }[] };
    expect(render.warnings).toEqual([]);
    expect(render.stale_cuts).toBeUndefined();
    render.timeline.forEach((t, i) => expect(Math.abs(t.end - t.start - (plan[i]?.duration ?? 0))).toBeLessThanOrEqual(0.05));

    // An edit upstream: check_continuity lists the exact calls, which leave the scene clean with its lip-syncs.
    await h.call('video_generate', { shot_id: ids[0], prompt: 'Mara runs along the quay' });
    const check = await promptText(h, 'check_continuity', { scene_id: sceneId });
    expect(check).toContain('STALE');
    const todo = concreteCalls(check.slice(0, check.indexOf('Then look:')));
    expect(todo.map((c) => `${c.tool}:${String(c.args.shot_id)}`)).toEqual([`lipsync_video:${ids[0]}`, `video_generate:${ids[1]}`]);
    for (const c of todo) await h.call(c.tool, c.args);
    const clean = (await h.call('render_scene', { scene_id: sceneId, strict: true })) as { warnings: string[]; timeline: { lipsync?: boolean }[] };
    expect(clean.warnings).toEqual([]);
    expect(clean.timeline.map((t) => t.lipsync === true)).toEqual([true, false, true, false]);
    const recheck = await promptText(h, 'check_continuity', { scene_id: sceneId });
    expect(recheck).toContain('Nothing is stale');
  });
});
