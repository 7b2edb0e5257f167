import fs from 'node:fs';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
// The named export: under NodeNext the default import of this CommonJS module is the module object, not the class.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allTools } from '../../src/tools/index.js';
import { outputJsonSchema } from '../../src/tools/zod-tool.js';
import { startHarness, type Harness } from '../helpers/harness.js';

type Json = Record<string, unknown>;

/** Tools without an outputSchema: none (the generation and model tools' came with the one-tool-list branch). */
const SCHEMA_ELSEWHERE = new Set<string>();

/**
 * Lists: their items are an index to pick from (reachable through the studio://media/{id} template), not linked. A
 * storyboard is one too: every take of every shot, which its view reads through the template when it draws them.
 */
const LISTS = new Set(['media_list', 'job_list', 'storyboard_show', 'storyboard_get']);

/** Every `media_id` / `media_ids` value in a result. */
function mediaIds(v: unknown, into: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) mediaIds(x, into);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'media_id' && typeof x === 'string') into.push(x);
      else if (k === 'media_ids' && Array.isArray(x)) into.push(...(x as string[]));
      else mediaIds(x, into);
    }
  }
  return into;
}

describe('every tool publishes an outputSchema that its successful results match (JSON Schema 2020-12)', () => {
  let h: Harness;
  const validators = new Map<string, ValidateFunction>();
  /** Each tool called, with every successful result it gave. */
  const results = new Map<string, CallToolResult[]>();
  let toolNames: string[] = [];
  const stored = { shots: [] as string[] };

  const call = async (name: string, args: Json = {}): Promise<Json> => {
    const r = (await h.client.callTool({ name, arguments: args })) as CallToolResult;
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
    results.set(name, [...(results.get(name) ?? []), r]);
    return r.structuredContent as Json;
  };
  const id = (o: Json, key: string, field: string): string => String((o[key] as Json)[field]);

  beforeAll(async () => {
    h = await startHarness();
    const { tools } = await h.client.listTools();
    toolNames = tools.map((t) => t.name);
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    for (const t of tools) if (t.outputSchema) validators.set(t.name, ajv.compile(t.outputSchema));

    // A small film made offline, touching every tool once or more.
    const ref = await call('image_generate', { model: 'local/still', prompt: 'Mara, portrait', aspect_ratio: '1:1' });
    const mara = id(await call('character_create', { name: 'Mara', reference_images: [ref.media_id], voice_id: 'mara-warm' }), 'character', 'character_id');
    await call('character_update', { character_id: mara, style_tokens: 'sea light' });
    const tom = id(await call('character_create', { name: 'Tom' }), 'character', 'character_id');
    await call('character_list');

    const film = id(await call('film_create', { title: 'Lamp', settings: { width: 320, height: 240, fps: 12 } }), 'film', 'film_id');
    await call('film_update', { film_id: film, description: 'a short' });
    await call('film_list');
    const s1 = id(await call('scene_create', { film_id: film, title: 'Night' }), 'scene', 'scene_id');
    const s2 = id(await call('scene_create', { film_id: film, title: 'Morning' }), 'scene', 'scene_id');
    await call('scene_update', { scene_id: s2, description: 'dawn' });
    await call('scene_reorder', { film_id: film, scene_ids: [s2, s1] });
    await call('scene_reorder', { film_id: film, scene_ids: [s1, s2] });

    const shot = async (scene: string, prompt: string): Promise<string> =>
      id(await call('shot_create', { scene_id: scene, prompt, model: 'local/animatic', duration: 1, character_id: mara }), 'shot', 'shot_id');
    const a1 = await shot(s1, 'Mara climbs the stairs');
    const a2 = await shot(s1, 'Mara looks out to sea');
    const b1 = await shot(s2, 'Tom on the beach');
    const a3 = await shot(s1, 'The lamp turns');
    stored.shots = [a1, a2, a3];
    await call('shot_update', { shot_id: b1, character_id: tom });
    await call('shot_reorder', { scene_id: s1, shot_ids: [a2, a1, a3] });
    await call('shot_reorder', { scene_id: s1, shot_ids: [a1, a2, a3] });

    await call('video_generate', { shot_id: a1 });
    await call('use_last_frame', { shot_id: a2 });
    await call('video_generate', { shot_id: a2 });
    await call('video_generate', { shot_id: b1 });
    await call('video_generate', { shot_id: a3 });
    // A second take of the first shot from the library: the continuing shot's cut goes stale (stale_shots).
    const other = await call('video_generate', { model: 'local/animatic', prompt: 'the stairs again', duration: 1 });
    await call('shot_add_take', { shot_id: a1, media_id: other.media_id });
    await call('shot_select_take', { shot_id: a1, take_number: 1 });

    const line = await call('voice_tts', { shot_id: a2, character_id: mara, text: 'The light is out.', offset_seconds: 0.1 });
    await call('shot_update_dialogue', { audio_id: line.audio_id, gain_db: -2 });
    const loose = await call('voice_tts', { model: 'local/voice', text: 'Hello.', voice_id: 'tom-bright' });
    const changed = await call('voice_v2v', { audio: loose.media_id, character_id: mara });
    const added = await call('shot_add_dialogue', { shot_id: b1, audio: changed.media_id, offset_seconds: 0 });
    await call('shot_remove_dialogue', { shot_id: b1, audio_id: (added.dialogue as Json).audio_id });
    await call('lipsync_video', { shot_id: a2 });
    await call('lipsync_image', { image: ref.media_id, audio: loose.media_id });

    const music = await call('music_generate', { model: 'local/music', prompt: 'strings', duration: 3 });
    const wave = await call('sfx_generate', { model: 'local/sfx', prompt: 'a wave', duration: 1 });
    const filmBed = id(await call('film_add_audio', { film_id: film, media_id: music.media_id, loop: true }), 'bed', 'bed_id');
    const sceneBed = id(await call('scene_add_audio', { scene_id: s2, media_id: wave.media_id, role: 'sfx' }), 'bed', 'bed_id');

    await call('extract_frames', { shot_id: a1, which: 'both', contact_sheet: true });
    await call('extract_frames', { media_id: other.media_id, times: [0.5] });
    await call('extract_frames', { scene_id: s1 });

    await call('render_scene', { scene_id: s1 });
    await call('render_check', { scene_id: s1 });
    await call('render_film', { film_id: film });
    await call('render_check', { film_id: film });
    await call('subtitles_export', { film_id: film, format: 'both' });
    await call('scene_get', { scene_id: s1 });
    await call('film_get', { film_id: film });
    await call('storyboard_show', { scene_id: s1 });
    await call('storyboard_get', { film_id: film });
    const approvedTake = (await h.studio.store.shots.get(a1))?.current_take_id;
    await call('take_approve', { shot_id: a1, take_id: approvedTake, approved: true });
    await call('scene_remove_audio', { bed_id: sceneBed });
    await call('film_remove_audio', { bed_id: filmBed });

    const refFile = path.join(h.home, 'import-me.png');
    fs.copyFileSync(h.studio.library.absPath(await h.studio.library.get(String(ref.media_id))), refFile);
    const imported = await call('media_import', { path: refFile, character_id: mara });
    await call('media_get', { media_id: imported.media_id });
    await call('media_list', { include_frames: true, limit: 5 });
    await call('media_list', { detail: 'full', limit: 2 });

    const job = String(line.job_id);
    await call('job_get', { job_id: job });
    await call('job_wait', { job_id: job, timeout_seconds: 1 });
    await call('job_cancel', { job_id: job });
    await call('job_list', { limit: 3 });
    await call('job_list', { detail: 'full', limit: 2 });

    await call('video_get_capabilities', { model: 'local/animatic' });
    await call('image_get_capabilities', { model: 'local/still' });
    await call('model_get_capabilities', { model: 'local/voice' });
    await call('models_list', { limit: 3 });
    await call('video_smooth_transition', { from_shot_id: a2, model: 'local/animatic', duration: 1 });

    await call('shot_delete', { shot_id: b1 });
    await call('scene_delete', { scene_id: s2 });
    await call('character_delete', { character_id: mara, force: true });
    await call('film_delete', { film_id: film });
  }, 240_000);
  afterAll(async () => h.close());

  it('every tool has an outputSchema with an object root, except those another branch adds', () => {
    const missing = toolNames.filter((n) => !validators.has(n));
    expect(missing.sort()).toEqual([...SCHEMA_ELSEWHERE].filter((n) => toolNames.includes(n)).sort());
    expect(validators.size).toBeGreaterThanOrEqual(40);
  });

  it('the flow called every tool in tools/list', () => {
    expect(toolNames.filter((n) => !results.has(n))).toEqual([]);
  });

  it("every successful result matches its tool's outputSchema, and has every member its shape requires", () => {
    const shapes = new Map(allTools().map((t) => [t.name, t.outputShape]));
    const failures: string[] = [];
    let checked = 0;
    for (const [name, rs] of results) {
      const validate = validators.get(name);
      if (!validate) continue;
      for (const r of rs) {
        checked++;
        if (!validate(r.structuredContent)) failures.push(`${name}: ${JSON.stringify(validate.errors)}`);
        // The published root lists no required members (it admits error results too); the shape does.
        const strict = shapes.get(name)?.safeParse(r.structuredContent);
        if (!strict?.success) failures.push(`${name} (shape): ${strict?.error.message ?? 'no shape'}`);
      }
    }
    expect(failures).toEqual([]);
    // Each call of the flow to a tool with a schema (the generation and model tools' come from another branch).
    expect(checked).toBe(73);
  });

  it('the schemas name what the flow relied on: stale shots after a retake, a storyboard, a paged list', () => {
    const [a1, a2] = stored.shots;
    const retake = results.get('shot_add_take')?.[0]?.structuredContent as Json;
    expect(retake.stale_shots).toEqual([expect.objectContaining({ shot_id: a2, from_shot_id: a1, shot_number: 2 })]);
    const back = results.get('shot_select_take')?.[0]?.structuredContent as Json;
    expect(back).not.toHaveProperty('stale_shots');
    const board = results.get('extract_frames')?.[2]?.structuredContent as Json;
    expect((board.rows as { left: Json; right: Json }[]).map((r) => [r.left.shot_id, r.right.shot_id])).toEqual([
      [a1, a2],
      [a2, stored.shots[2]],
    ]);
    const page = results.get('media_list')?.[0] as CallToolResult;
    expect(typeof (page.structuredContent as Json).next_cursor).toBe('string');
    // A result that breaks a schema's promise is caught (the validator is not vacuous).
    const sceneGet = validators.get('scene_get') as ValidateFunction;
    expect(sceneGet({ scene_id: 'scn_1', shots: [{ shot_id: 7 }], latest_render: null })).toBe(false);
    expect(validators.get('job_get')?.({ job: { job_id: 'job_1' } })).toBe(false);
  });

  it('every media item a result names is reachable as a studio://media/{id} resource link', async () => {
    const unlinked: string[] = [];
    for (const [name, rs] of results) {
      if (LISTS.has(name)) continue;
      for (const r of rs) {
        const uris = new Set(r.content.filter((c) => c.type === 'resource_link').map((c) => (c as { uri: string }).uri));
        for (const m of mediaIds(r.structuredContent)) if (!uris.has(`studio://media/${m}`)) unlinked.push(`${name}: ${m}`);
      }
    }
    expect(unlinked).toEqual([]);

    const get = results.get('media_get')?.[0] as CallToolResult;
    const media = (get.structuredContent as Json).media as Json;
    const link = get.content.find((c) => c.type === 'resource_link') as { uri: string; mimeType: string; name: string; description: string };
    expect(link).toEqual({
      type: 'resource_link',
      uri: `studio://media/${String(media.media_id)}`,
      name: `image ${String(media.media_id)}`,
      mimeType: 'application/json',
      description: 'metadata of a image/png file',
    });
    // The link reads as the item's metadata record: the same JSON media_get returns.
    const read = await h.client.readResource({ uri: link.uri });
    expect(read.contents).toHaveLength(1);
    expect(read.contents[0]?.mimeType).toBe('application/json');
    expect(JSON.parse(String((read.contents[0] as { text: string }).text))).toEqual(media);

    // Frames and the start frame are named for what they are to the result.
    const frames = results.get('extract_frames')?.[0] as CallToolResult;
    const names = frames.content.filter((c) => c.type === 'resource_link').map((c) => (c as { name: string }).name);
    expect(names).toEqual(['frame first', 'frame last', 'contact sheet']);
    const start = results.get('use_last_frame')?.[0] as CallToolResult;
    expect(start.content.filter((c) => c.type === 'resource_link').map((c) => (c as { uri: string; name: string }).name)).toEqual(['start frame']);
  });

  it('a published schema leaves out only what allows everything anyway', () => {
    const shape = z.looseObject({
      id: z.string(),
      n: z.number().int(),
      take: z.looseObject({ media_id: z.string() }).nullable(),
      params: z.record(z.string(), z.unknown()),
      // Field names are not keywords: a member called `minimum` or `additionalProperties` stays.
      properties: z.looseObject({ minimum: z.number(), additionalProperties: z.looseObject({}) }),
    });
    expect(outputJsonSchema(shape)).toEqual({
      type: 'object',
      properties: {
        id: { type: 'string' },
        n: { type: 'integer' },
        take: { type: ['object', 'null'], properties: { media_id: { type: 'string' } }, required: ['media_id'] },
        params: { type: 'object' },
        properties: {
          type: 'object',
          properties: { minimum: { type: 'number' }, additionalProperties: { type: 'object' } },
          required: ['minimum', 'additionalProperties'],
        },
        error: { type: 'object' },
      },
    });
    const validate = new Ajv2020({ strict: true }).compile(outputJsonSchema(shape));
    const ok = { id: 'a', n: 1, take: null, params: { x: 1 }, properties: { minimum: 0, additionalProperties: {} }, extra: true };
    expect(validate(ok)).toBe(true);
    expect(validate({ ...ok, take: { media_id: 3 } })).toBe(false);
    expect(validate({ ...ok, n: 1.5 })).toBe(false);
  });

  it('an SDK 1.x client accepts every result, errors included (it validates isError results too)', async () => {
    // What a 1.x Client does once it has read tools/list: check structuredContent against the tool's outputSchema
    // with this validator, whether or not the result is an error (modelcontextprotocol/typescript-sdk#1943).
    const legacy = new AjvJsonSchemaValidator();
    const { tools } = await h.client.listTools();
    const rejected: string[] = [];
    const error = (await h.raw('shot_create', { scene_id: 'scn_nope', prompt: 'x' })) as CallToolResult;
    expect(error.isError).toBe(true);
    expect((error.structuredContent as { error: Json }).error).toMatchObject({ code: 'not_found', field: 'scene_id' });
    for (const t of tools) {
      if (!t.outputSchema) continue;
      const validate = legacy.getValidator(t.outputSchema);
      for (const r of [...(results.get(t.name) ?? []), error]) {
        const v = validate(r.structuredContent);
        if (!v.valid) rejected.push(`${t.name}: ${v.errorMessage ?? ''}`);
      }
    }
    expect(rejected).toEqual([]);
  });
});
