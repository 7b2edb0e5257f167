import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { docCalls, isPlaceholder, type DocCall } from './calls.js';

/**
 * The calls the MCP prompts and the README tell an agent to make are calls the server accepts: each one's
 * arguments satisfy the tool's `required` in tools/list, and each generation call, made in the order the text
 * gives on the local models with the shot set up for it (a lip-sync's shot has a take and a line), succeeds. The texts are read generically (any
 * `` `tool(arg: value)` ``), so rewording a prompt keeps this test meaningful.
 */

const GENERATION = new Set(['video_generate', 'image_generate', 'voice_tts', 'voice_v2v', 'lipsync_image', 'lipsync_video']);

interface Studio {
  h: Harness;
  characterId: string;
  filmId: string;
  sceneId: string;
  shotIds: string[];
}

/** A small studio: a character with a voice, a film with one scene of two 1 s shots of that character. */
async function smallStudio(): Promise<Studio> {
  const h = await startHarness();
  const characterId = ((await h.call('character_create', { name: 'Mara', voice_id: 'mara-warm' })) as { character: { character_id: string } }).character
    .character_id;
  const filmId = ((await h.call('film_create', { title: 'Night watch' })) as { film: { film_id: string } }).film.film_id;
  const sceneId = ((await h.call('scene_create', { film_id: filmId, title: 'Stairs' })) as { scene: { scene_id: string } }).scene.scene_id;
  const shotIds: string[] = [];
  for (const prompt of ['Mara climbs the stairs', 'Mara reaches the lamp room']) {
    const r = (await h.call('shot_create', { scene_id: sceneId, prompt, character_id: characterId, duration: 1, params: { resolution: '360p' } })) as {
      shot: { shot_id: string };
    };
    shotIds.push(r.shot.shot_id);
  }
  return { h, characterId, filmId, sceneId, shotIds };
}

/**
 * The value an agent would put where the text writes only a name or a placeholder: for an id, the last real id of
 * that name the text wrote before (a placeholder such as "<shot_id>" means the shot being talked about), else the
 * studio's own (the shot is `shot`); words for text; true for a flag. A value the text writes is used as written.
 */
function fill(s: Studio, shot: string, call: DocCall, seen: Map<string, unknown>): Record<string, unknown> {
  const real: Record<string, unknown> = {
    shot_id: shot,
    character_id: s.characterId,
    scene_id: s.sceneId,
    film_id: s.filmId,
    text: 'The light is on.',
    prompt: 'A lighthouse at dusk',
    use_last_frame: true,
    offset_seconds: 0.2,
  };
  const out: Record<string, unknown> = {};
  for (const a of call.args) {
    if (a.value !== undefined && !isPlaceholder(a.value)) out[a.name] = a.value;
    else if (seen.has(a.name)) out[a.name] = seen.get(a.name);
    else if (a.name in real) out[a.name] = real[a.name];
    else throw new Error(`${call.tool}: no test value for '${a.name}' (${JSON.stringify(a.value)}); add one to fill()`);
  }
  return out;
}

/** Real ids a call writes, remembered so a later placeholder of the same name means the same thing. */
function remember(call: DocCall, seen: Map<string, unknown>): void {
  for (const a of call.args) if (a.name.endsWith('_id') && typeof a.value === 'string' && !isPlaceholder(a.value)) seen.set(a.name, a.value);
}

/**
 * Give the shot what the call is documented to work on — the text may be a recipe for a later moment ("when the
 * shot has a line"): a lip-sync gets a take and a line, a continuing shot a previous shot with a take.
 */
async function setUp(s: Studio, tool: string, args: Record<string, unknown>): Promise<void> {
  const { store } = s.h.studio;
  const shot = typeof args.shot_id === 'string' ? await store.shots.get(args.shot_id) : undefined;
  if (!shot) return;
  const ensureTake = async (id: string): Promise<void> => {
    if (!(await store.shots.get(id))?.current_take_id) await s.h.call('video_generate', { shot_id: id });
  };
  if (args.use_last_frame === true) {
    const prev = await store.shots.previous(shot);
    if (prev) await ensureTake(prev.shot_id);
  }
  if (tool === 'lipsync_video' && args.video === undefined) await ensureTake(shot.shot_id);
  if ((tool === 'lipsync_video' || tool === 'lipsync_image') && args.audio === undefined && (await store.shots.audio(shot.shot_id)).length === 0) {
    await s.h.call('voice_tts', { shot_id: shot.shot_id, text: 'A line to sync.' });
  }
}

async function requiredOf(h: Harness): Promise<Map<string, string[]>> {
  const { tools } = await h.client.listTools();
  return new Map(tools.map((t) => [t.name, (t.inputSchema.required as string[] | undefined) ?? []]));
}

/** Check every call's names against `required`; make the generation calls in order. Returns what was made. */
async function followCalls(s: Studio, source: string, calls: DocCall[], shot: string, checkAllTools: boolean): Promise<string[]> {
  const required = await requiredOf(s.h);
  const made: string[] = [];
  const seen = new Map<string, unknown>();
  for (const call of calls) {
    if (!required.has(call.tool)) continue;
    if (!checkAllTools && !GENERATION.has(call.tool)) continue;
    const names = call.args.map((a) => a.name);
    for (const r of required.get(call.tool) ?? []) expect(names, `${source}: ${call.tool}(${names.join(', ')}) lacks required '${r}'`).toContain(r);
    remember(call, seen);
    if (!GENERATION.has(call.tool)) continue;
    const args = fill(s, shot, call, seen);
    await setUp(s, call.tool, args);
    const r = await s.h.raw(call.tool, args);
    expect(r.isError, `${source}: ${call.tool}(${JSON.stringify(args)}) → ${JSON.stringify(r.structuredContent)}`).toBeFalsy();
    expect((r.structuredContent as { status: string }).status, `${source}: ${call.tool}`).toBe('succeeded');
    made.push(call.tool);
  }
  return made;
}

async function promptText(s: Studio, name: string, args: Record<string, string>): Promise<string> {
  const r = await s.h.client.getPrompt({ name, arguments: args });
  return r.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
}

/** Real arguments for a prompt, by argument name, so a prompt with new arguments fails loudly here. */
function promptArgs(s: Studio, names: string[]): Record<string, string> {
  const real: Record<string, string> = {
    scene_id: s.sceneId,
    shot_id: s.shotIds[1] as string,
    character_id: s.characterId,
    film_id: s.filmId,
    text: 'The light is on.',
    logline: 'A lighthouse keeper waits for a fisherman who never comes home.',
    style: 'moody 35mm',
    length: '10 s',
  };
  return Object.fromEntries(
    names.map((n) => {
      const v = real[n];
      if (v === undefined) throw new Error(`no test value for prompt argument '${n}'`);
      return [n, v];
    }),
  );
}

describe('the calls the prompts document are accepted and succeed', () => {
  let s: Studio | undefined;
  afterEach(async () => {
    await s?.h.close();
    s = undefined;
  });

  /** What each prompt must make at least (a prompt that stops documenting generation calls fails here). */
  const EXPECTED: Record<string, string[]> = {
    plan_film: ['image_generate'],
    shoot_scene: ['video_generate', 'voice_tts', 'lipsync_video'],
    add_dialogue: ['voice_tts', 'lipsync_video'],
    check_continuity: ['video_generate'],
  };

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: every call satisfies tools/list's required, and its generation calls succeed in order`, async () => {
      s = await smallStudio();
      const { prompts } = await s.h.client.listPrompts();
      const def = prompts.find((p) => p.name === name);
      expect(def, `prompt ${name}`).toBeDefined();
      const text = await promptText(
        s,
        name,
        promptArgs(
          s,
          (def?.arguments ?? []).map((a) => a.name),
        ),
      );
      const made = await followCalls(s, `prompt ${name}`, docCalls(text), s.shotIds[1] as string, true);
      for (const tool of expected) expect(made, `prompt ${name} makes ${tool}`).toContain(tool);
    }, 120_000);
  }

  it('every prompt is covered above', async () => {
    s = await smallStudio();
    const { prompts } = await s.h.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
});

describe('the generation calls the README documents are accepted and succeed', () => {
  it('each `tool(arg, …)` of a generation tool satisfies required and runs on a shot whose previous shot has a take', async () => {
    const s = await smallStudio();
    try {
      // The README's flow runs on the second shot; the first has a take so use_last_frame has a frame to use.
      await s.h.call('video_generate', { shot_id: s.shotIds[0] });
      const readme = fs.readFileSync(path.resolve('README.md'), 'utf8');
      const calls = docCalls(readme).filter((c) => GENERATION.has(c.tool));
      expect(calls.length).toBeGreaterThanOrEqual(6);
      const made = await followCalls(s, 'README', calls, s.shotIds[1] as string, false);
      expect(made).toEqual(calls.map((c) => c.tool));
      expect(new Set(made)).toEqual(new Set(['video_generate', 'voice_tts', 'lipsync_video']));
    } finally {
      await s.h.close();
    }
  }, 120_000);
});
