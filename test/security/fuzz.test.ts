import fs from 'node:fs';
import path from 'node:path';
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalAdapter } from '../../src/providers/local.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';
import { DOCUMENTED_CODES, makeFixtures, type Fixtures } from './helpers.js';
import { withStudioDb } from '../helpers/studio-db.js';

/**
 * Issue 6 item 8: property-based random arguments for every tool in tools/list. Two generators per tool:
 *  - random: objects with random keys (the tool's own names, prototype-ish names, garbage) and hostile values
 *    (wrong types, huge strings, unicode, lone surrogates, NUL, nested objects, NaN/Infinity, random and real ids);
 *  - schema-aware: a valid call built from the tool's inputSchema (enums, ranges, real ids of the right kind),
 *    then mutated (a field set to a hostile value, a required field dropped, an unknown field added) or left valid.
 * Invariants: the call is answered (no protocol error, no crash, no unhandled rejection); an error is a tool error
 * (isError, structuredContent.error.code among the documented codes, a message) and never `internal`; a success has
 * structured content. Provider work of the `local` models is stubbed with tiny ready-made files so thousands of
 * calls stay cheap; validation, planning, the job queue, ingest and the library are the real ones. Models of other
 * providers have no keys here, so their calls go through validation and stop before any network.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20250106);
const RANDOM_RUNS = Number(process.env.FUZZ_RANDOM_RUNS ?? 20);
const SCHEMA_RUNS = Number(process.env.FUZZ_SCHEMA_RUNS ?? 30);

type Json = Record<string, unknown>;

let fx: Fixtures;
let h: Harness;
let tools: Tool[] = [];
const ids: Record<string, string[]> = { character: [], film: [], scene: [], shot: [], media: [], image: [], voice: [], video: [], job: [], audio: [] };
const unhandled: unknown[] = [];
const serverLog: string[] = [];
const onUnhandled = (e: unknown): void => void unhandled.push(e);

const stats = { calls: 0, errors: 0, ok: 0, byCode: new Map<string, number>(), byTool: new Map<string, number>() };
const failures: string[] = [];

/** `local` provider with the real adapter's checks but ready-made output files (fast). */
function cheapLocal(fixtures: Fixtures): ProviderAdapter {
  const real = createLocalAdapter();
  return {
    ...real,
    async start(req, ctx) {
      const src = req.capability.media_type === 'video' ? fixtures.mp4 : req.capability.media_type === 'image' ? fixtures.png : fixtures.wav;
      const out = path.join(ctx.workDir, `out${path.extname(src)}`);
      await fs.promises.mkdir(ctx.workDir, { recursive: true });
      await fs.promises.copyFile(src, out);
      const mime = req.capability.media_type === 'video' ? 'video/mp4' : req.capability.media_type === 'image' ? 'image/png' : 'audio/wav';
      return { kind: 'done', outputs: [{ kind: 'file', path: out, mime }] };
    },
  };
}

const HUGE = 'A'.repeat(1_000_000);
const DEEP = ((): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < 200; i++) v = { a: v };
  return v;
})();

const hostileConst = fc.constantFrom<unknown>(
  null,
  undefined,
  '',
  ' ',
  HUGE,
  '\u0000',
  'x\u0000y',
  '../../../../etc/passwd',
  '/etc/passwd',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
  '-i',
  'concat:a.mp4|b.mp4',
  '%00',
  "'; DROP TABLE media; --",
  '__proto__',
  'constructor',
  '\ud800',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '🎬'.repeat(2000),
  'med_0000000000000000',
  'job_0000000000000000',
  'replicate/../../etc',
  'local/../local/animatic',
  -1,
  0,
  -0,
  0.0001,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  2 ** 53 + 1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  true,
  false,
  [],
  {},
  [[[[[]]]]],
  DEEP,
  Array.from({ length: 1000 }, (_, i) => `x${i}`),
  JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
  { toString: 'x', valueOf: 1 },
);

const anyRealId = fc.constant(null).map(() => {
  const all = Object.values(ids).flat();
  return all.length ? all[Math.floor(Math.random() * all.length)] : 'none';
});

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileConst },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  { weight: 2, arbitrary: anyRealId },
);

/** Which pool a string property draws real ids from, by its name. */
function poolFor(name: string): string | undefined {
  if (name === 'character_id') return 'character';
  if (name === 'film_id') return 'film';
  if (name === 'scene_id') return 'scene';
  if (/shot_id$/.test(name) || name === 'shot_ids') return 'shot';
  if (name === 'job_id') return 'job';
  if (name === 'audio_id') return 'audio';
  if (name === 'audio') return 'voice';
  if (name === 'video') return 'video';
  if (['image', 'start_frame', 'end_frame', 'reference_images', 'mask_image', 'face'].includes(name)) return 'image';
  if (name === 'media_id') return 'media';
  if (name === 'scene_ids') return 'scene';
  return undefined;
}

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

/** A value that satisfies `s` (as far as a JSON Schema subset goes), preferring real ids and cheap sizes. */
function arbFromSchema(s: Schema, name: string, models: string[]): fc.Arbitrary<unknown> {
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  if (s.anyOf?.length || s.oneOf?.length) return fc.oneof(...(s.anyOf ?? s.oneOf ?? []).map((x) => arbFromSchema(x, name, models)));
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : ['string'];
  return fc.oneof(
    ...types.map((t): fc.Arbitrary<unknown> => {
      switch (t) {
        case 'null':
          return fc.constant(null);
        case 'boolean':
          return fc.boolean();
        case 'integer': {
          const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
          const max = Math.min(s.maximum ?? 1000, min + 1000);
          return fc.integer({ min, max });
        }
        case 'number': {
          const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 0.01 : -1000);
          // Durations stay tiny so valid local generations remain cheap.
          const cap = /duration|seconds/.test(name) ? Math.min(s.maximum ?? 2, 2) : (s.maximum ?? 1000);
          return fc.double({ min, max: Math.max(min, cap), noNaN: true, noDefaultInfinity: true });
        }
        case 'array': {
          const item = s.items ?? {};
          return fc.array(arbFromSchema(item, name, models), {
            minLength: s.minItems ?? 0,
            maxLength: Math.min(s.maxItems ?? 3, Math.max(3, s.minItems ?? 0)),
          });
        }
        case 'object': {
          const props = s.properties ?? {};
          const model: Record<string, fc.Arbitrary<unknown>> = {};
          for (const [k, v] of Object.entries(props)) model[k] = arbFromSchema(v, k, models);
          return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
        }
        default: {
          const pool = poolFor(name);
          if (name === 'model') return fc.constantFrom(...models);
          if (pool)
            return fc.oneof(
              { weight: 4, arbitrary: fc.constant(null).map(() => pick(pool)) },
              { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
            );
          const min = s.minLength ?? 0;
          return fc.string({ minLength: min, maxLength: Math.max(min, Math.min(s.maxLength ?? 30, 30)) });
        }
      }
    }),
  );
}

function pick(pool: string): string {
  const list = ids[pool] ?? [];
  return list.length ? (list[Math.floor(Math.random() * list.length)] as string) : `${pool}_missing`;
}

/** Valid calls, then mutated. */
function schemaArb(tool: Tool, models: string[]): fc.Arbitrary<Json> {
  const schema = tool.inputSchema as Schema;
  const valid = arbFromSchema({ ...schema, type: 'object' }, tool.name, models) as fc.Arbitrary<Json>;
  const names = Object.keys(schema.properties ?? {});
  const required = schema.required ?? [];
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    {
      weight: 4,
      arbitrary: fc.tuple(valid, fc.constantFrom(...(names.length ? names : ['x'])), hostile).map(([v, k, bad]) => ({ ...v, [k]: bad })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.constantFrom(...(required.length ? required : ['x']))).map(([v, k]) => {
        const c = { ...v };
        delete c[k];
        return c;
      }),
    },
    { weight: 1, arbitrary: fc.tuple(valid, fc.string({ maxLength: 12 }), hostile).map(([v, k, bad]) => ({ ...v, [k || 'extra']: bad })) },
  );
}

function randomArb(tool: Tool): fc.Arbitrary<Json> {
  const names = Object.keys((tool.inputSchema as Schema).properties ?? {});
  const key = fc.oneof(
    { weight: 3, arbitrary: names.length ? fc.constantFrom(...names) : fc.constant('x') },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '', ' ', 'model', 'wait') },
    { weight: 1, arbitrary: fc.string({ maxLength: 15 }) },
  );
  return fc.dictionary(key, hostile, { maxKeys: 6 });
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '[object]';
  }
}

function describeArgs(a: Json): string {
  return JSON.stringify(a, (_k, v: unknown) =>
    typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length})` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
  ).slice(0, 400);
}

async function callAndCheck(tool: string, args: Json): Promise<void> {
  stats.calls++;
  stats.byTool.set(tool, (stats.byTool.get(tool) ?? 0) + 1);
  let r: CallToolResult;
  try {
    r = (await h.client.callTool({ name: tool, arguments: args })) as CallToolResult;
  } catch (err) {
    failures.push(`${tool} ${describeArgs(args)} → protocol error ${String(err).slice(0, 200)}`);
    return;
  }
  if (r.isError) {
    stats.errors++;
    const e = (r.structuredContent as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof e?.code === 'string' ? e.code : '(none)';
    stats.byCode.set(code, (stats.byCode.get(code) ?? 0) + 1);
    if (!(DOCUMENTED_CODES as readonly string[]).includes(code) || code === 'internal') {
      failures.push(`${tool} ${describeArgs(args)} → code ${code}: ${String(e?.message).slice(0, 200)} | log: ${(serverLog.at(-1) ?? '').slice(0, 300)}`);
    }
    if (typeof e?.message !== 'string' || e.message === '') failures.push(`${tool} ${describeArgs(args)} → error without a message`);
    if (r.content?.[0]?.type !== 'text') failures.push(`${tool} → error without text content`);
  } else {
    stats.ok++;
    if (typeof r.structuredContent !== 'object' || r.structuredContent === null)
      failures.push(`${tool} ${describeArgs(args)} → success without structured content`);
    harvest(r.structuredContent as Json);
  }
}

/** Keep the pools of real ids fresh from what successful calls return. */
function harvest(v: unknown, key = ''): void {
  if (typeof v === 'string') {
    const m = /^(chr|film|flm|scn|sht|med|job|aud)_[0-9a-f]+$/.exec(v);
    if (!m) return;
    const pool = { chr: 'character', film: 'film', flm: 'film', scn: 'scene', sht: 'shot', med: 'media', job: 'job', aud: 'audio' }[m[1] as string] as string;
    const list = ids[pool] as string[];
    if (!list.includes(v) && list.length < 50) list.push(v);
    void key;
    return;
  }
  if (Array.isArray(v)) v.forEach((x) => harvest(x, key));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) harvest(x, k);
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  fx = await makeFixtures();
  const home = tempDir('studio-fuzz-');
  const env = { STUDIO_HOME: home, STUDIO_WAIT_SECONDS: '10', STUDIO_ALLOWED_DIRS: fx.dir };
  h = await startHarness({ home, env, studio: { adapters: new Map([['local', cheapLocal(fx)]]), log: (m) => void serverLog.push(m) } });
  tools = (await h.client.listTools()).tools;
  // Real ids of every kind, so schema-aware calls reach deep paths (not just not_found).
  for (const f of [fx.png, fx.wav, fx.mp4]) {
    const m = (await h.call('media_import', { path: f })) as { media_id: string; media: { type: string; first_frame_id: string | null } };
    ids.media?.push(m.media_id);
    ids[m.media.type]?.push(m.media_id);
    if (m.media.first_frame_id) ids.image?.push(m.media.first_frame_id);
  }
  const chr = (await h.call('character_create', { name: 'Fuzz', reference_images: ids.image?.slice(0, 1), voice_id: 'v1' })) as {
    character: { character_id: string };
  };
  ids.character?.push(chr.character.character_id);
  const film = (await h.call('film_create', { title: 'F' })) as { film: { film_id: string } };
  ids.film?.push(film.film.film_id);
  const scene = (await h.call('scene_create', { title: 'S', film_id: film.film.film_id })) as { scene: { scene_id: string } };
  ids.scene?.push(scene.scene.scene_id);
  for (let i = 0; i < 2; i++) {
    const shot = (await h.call('shot_create', { scene_id: scene.scene.scene_id, prompt: `p${i}`, duration: 1 })) as { shot: { shot_id: string } };
    ids.shot?.push(shot.shot.shot_id);
    const gen = (await h.call('video_generate', { shot_id: shot.shot.shot_id })) as { job_id: string; media_id: string; last_frame_id: string };
    ids.job?.push(gen.job_id);
    ids.video?.push(gen.media_id);
    ids.image?.push(gen.last_frame_id);
  }
  const line = (await h.call('voice_tts', { shot_id: ids.shot?.[0], text: 'hi' })) as { audio_id: string; media_id: string };
  ids.audio?.push(line.audio_id);
  ids.voice?.push(line.media_id);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await h?.close();
  fs.rmSync(fx.dir, { recursive: true, force: true });
});

describe('fuzzing every tool', () => {
  it('tools/list offers the tools to fuzz', () => {
    expect(tools.length).toBeGreaterThanOrEqual(40);
  });

  it('random arguments: every call answered with a documented tool error or a result', async () => {
    // Destructive tools last, so the pools of real ids serve the others first.
    const order = [...tools].sort((a, b) => Number(/delete|cancel/.test(a.name)) - Number(/delete|cancel/.test(b.name)));
    for (const tool of order) {
      await fc.assert(
        fc.asyncProperty(randomArb(tool), async (args) => {
          await callAndCheck(tool.name, args);
        }),
        { numRuns: RANDOM_RUNS, seed: SEED, endOnFailure: true },
      );
    }
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it('schema-aware calls and mutations: every call answered with a documented tool error or a result', async () => {
    const order = [...tools].sort((a, b) => Number(/delete|cancel/.test(a.name)) - Number(/delete|cancel/.test(b.name)));
    for (const tool of order) {
      const task = tool.name === 'video_smooth_transition' ? 'video_generate' : tool.name;
      const models = h.studio.registry.list({ task: task as never }).map((c) => c.id);
      const arb = schemaArb(tool, models.length ? models : ['local/animatic']);
      await fc.assert(
        fc.asyncProperty(arb, async (args) => {
          await callAndCheck(tool.name, args);
        }),
        { numRuns: SCHEMA_RUNS, seed: SEED + 1, endOnFailure: true },
      );
    }
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it('regressions found by fuzzing stay fixed', async () => {
    // Fresh records: the fuzzing above may have deleted the pooled ones.
    const film = ((await h.call('film_create', { title: 'R' })) as { film: { film_id: string } }).film.film_id;
    const scene = ((await h.call('scene_create', { title: 'R', film_id: film })) as { scene: { scene_id: string } }).scene.scene_id;
    const shot = ((await h.call('shot_create', { scene_id: scene, prompt: 'r' })) as { shot: { shot_id: string } }).shot.shot_id;
    // '' as character_id passed a truthiness check and broke the foreign key (internal).
    expect((await h.callError('shot_update', { shot_id: shot, character_id: '' })).code).toBe('not_found');
    expect((await h.callError('shot_create', { scene_id: scene, character_id: '' })).code).toBe('not_found');
    // '' as model was stored unchecked.
    expect(['invalid_input', 'not_found']).toContain((await h.callError('shot_update', { shot_id: shot, model: '' })).code);
    // Members an in-process client leaves undefined are absent, as over JSON (undefined title: NOT NULL → internal).
    const r = await h.raw('film_update', { film_id: film, title: undefined, description: 'd' });
    expect(r.isError).toBeFalsy();
    const nan = await h.raw('shot_update', { shot_id: shot, duration: Number.NaN });
    // NaN arrives as JSON would carry it (null: "no default duration"), never as a NaN in the database.
    expect(nan.isError ? (nan.structuredContent as { error: { code: string } }).error.code : 'ok').not.toBe('internal');
    expect((await h.studio.store.shots.get(shot))?.duration ?? null).toBeNull();
  });

  it('non-object arguments and unknown tools are refused cleanly', async () => {
    for (const name of ['', 'no_such_tool', '__proto__', 'x'.repeat(10_000), 'video_generate\u0000']) {
      await callAndCheck(name, {});
    }
    const received: [unknown, string][] = [
      [null, 'null'],
      [[], 'array'],
      ['string', 'string'],
      [42, 'number'],
    ];
    for (const [args, kind] of received) {
      // The SDK refuses a non-object `arguments` at the protocol layer, before any tool runs: a JSON-RPC error that
      // names params.arguments and what it expected. That is an answer, not a crash; the tool never sees it.
      const r = await h.client.callTool({ name: 'film_list', arguments: args as Json }).then(
        (x) => ({ ok: true as const, x, code: 0 }),
        (e: unknown) => ({ ok: false as const, x: String(e), code: (e as { code?: number }).code }),
      );
      expect(r.ok).toBe(false);
      const text = r.ok ? JSON.stringify(r.x) : r.x;
      // Invalid params (-32602), as the spec names a malformed request's parameters.
      expect(r.code).toBe(-32602);
      expect(text).toMatch(/^ProtocolError: Invalid tools\/call request: /);
      expect(text).toContain(`"message": "Invalid input: expected record, received ${kind}"`);
      expect(text.replace(/\s+/g, '')).toContain('"path":["params","arguments"]');
    }
    // The session still works after the refusals.
    const after = (await h.client.callTool({ name: 'film_list', arguments: {} })) as CallToolResult;
    expect(after.isError).toBeUndefined();
    expect((after.structuredContent as { films: unknown[] }).films).toEqual(JSON.parse(JSON.stringify(await h.studio.store.films.list())));
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it('resources/read with random and hostile URIs answers or fails cleanly (no stack, no path)', async () => {
    const uri = fc.oneof(
      fc.constantFrom(
        'studio://',
        'studio://media/',
        'studio://media/../../etc/passwd',
        'studio://jobs/%00',
        'file:///etc/passwd',
        'studio://models/../../x',
        'http://169.254.169.254/',
        'studio://characters/' + 'x'.repeat(10_000),
      ),
      fc
        .tuple(fc.constantFrom('characters', 'scenes', 'films', 'media', 'models', 'jobs', 'x'), fc.oneof(hostile.map(safeString), anyRealId))
        .map(([k, v]) => `studio://${k}/${safeString(v)}`),
      fc.webUrl(),
      fc.string(),
    );
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(uri, async (u) => {
        try {
          await h.client.readResource({ uri: u });
          answered++;
        } catch (err) {
          const text = String(err);
          // A clean JSON-RPC error: no stack trace, no server-side path.
          if (/\bat .+\.(ts|js):\d+|node_modules|\/work\/|\/tmp\//.test(text)) failures.push(`resources/read ${u.slice(0, 80)} → ${text.slice(0, 200)}`);
          answered++;
        }
      }),
      { numRuns: 200, seed: SEED },
    );
    expect(answered).toBe(200);
    stats.calls += 200;
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it('no unhandled rejection, the server still answers and the database is intact', async () => {
    await new Promise((r) => setTimeout(r, 200));
    expect(unhandled.map(String)).toEqual([]);
    const { tools: again } = await h.client.listTools();
    expect(again.length).toBe(tools.length);
    expect(withStudioDb(h.studio.config.home, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
    const summary = {
      calls: stats.calls,
      ok: stats.ok,
      tool_errors: stats.errors,
      by_code: Object.fromEntries([...stats.byCode.entries()].sort()),
      tools: stats.byTool.size,
      seed: SEED,
    };
    process.stdout.write(`fuzz summary: ${JSON.stringify(summary)}\n`);
    expect(stats.byCode.get('internal') ?? 0).toBe(0);
  });
});
