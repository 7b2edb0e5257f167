import fs from 'node:fs';
import { type CallToolResult, Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createMcpServer } from '../../src/server.js';
import { Studio } from '../../src/studio/studio.js';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport as LegacyInMemory } from '@modelcontextprotocol/sdk/inMemory.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { StreamableHTTPClientTransport as LegacyHttp } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { CONFIRMABLE_TOOLS } from '../../src/mcp/confirm-gate.js';
import { serveHttp } from '../../src/transports/http.js';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { modernEnvelope, post, type RpcAnswer } from '../helpers/raw-2026.js';
import { byRoute } from '../fakes/base.js';
import { type ReplicateFake, startReplicateFake } from '../fakes/replicate.js';
import { tempDir } from '../helpers/harness.js';
import { fastAdapters, makeFixtures, type Fixtures } from '../security/helpers.js';

/**
 * Issue 10 part 6 through real MCP clients: over STUDIO_CONFIRM_USD a paid call asks first — an elicitation for a
 * client that can answer one (2026-07-28: input_required; 2025 era: the SDK's shim sends elicitation/create), a
 * confirm_token for one that cannot — and nothing reaches the provider until it is confirmed.
 * replicate/bytedance/seedream-4 costs $0.03 per image: max_images 4 is $0.12, over the $0.05 threshold.
 */

const TOKEN = 'r8_SECRETCANARY_confirm_0123456789';
const MODEL = 'replicate/bytedance/seedream-4';
const EXPENSIVE = { model: MODEL, prompt: 'four doors', max_images: 4 };
const MODERN = '2026-07-28';

let fake: ReplicateFake;
let fx: Fixtures;

const creates = (): number => byRoute(fake.requests, 'create').length + byRoute(fake.requests, 'create-version').length;

interface World {
  studio: Studio;
  client: Client;
  /** Every question the client was asked. */
  asked: string[];
  jobs: () => Promise<number>;
  close: () => Promise<void>;
}

/**
 * A studio over the fake Replicate and one SDK 2.x client: `answer` makes it a client with form elicitation that
 * answers so; without it the client declares no elicitation. `era` picks the protocol revision.
 */
async function world(opts: { era: 'modern' | 'legacy'; answer?: 'accept' | 'decline'; env?: Record<string, string> }): Promise<World> {
  const home = tempDir('studio-confirm-');
  const env = { STUDIO_HOME: home, REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: fake.url, STUDIO_CONFIRM_USD: '0.05', ...opts.env };
  const config = loadConfig(env);
  const studio = new Studio({ config, log: () => undefined, adapters: fastAdapters(config) });
  const client = new Client(
    { name: 'confirm-test', version: '1.0.0' },
    {
      ...(opts.answer ? { capabilities: { elicitation: { form: {} } } } : {}),
      ...(opts.era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {}),
    },
  );
  const asked: string[] = [];
  if (opts.answer) {
    const answer = opts.answer;
    client.setRequestHandler('elicitation/create', async (req) => {
      asked.push(req.params.message);
      return answer === 'accept' ? { action: 'accept', content: { approve: true } } : { action: 'decline' };
    });
  }
  const [a, b] = InMemoryTransport.createLinkedPair();
  // The stdio entry over an in-memory pair: it serves whichever era the client opens with, as the CLI does.
  const served = serveStdio(() => createMcpServer(studio, { forwardEvents: true }).server, { transport: a });
  await client.connect(b);
  expect(client.getNegotiatedProtocolVersion() === MODERN).toBe(opts.era === 'modern');
  return {
    studio,
    client,
    asked,
    jobs: async () => (await studio.store.jobs.list()).length,
    close: async () => {
      await client.close();
      await served.close();
      await studio.close();
    },
  };
}

const call = async (w: World, args: Record<string, unknown>): Promise<CallToolResult> =>
  (await w.client.callTool({ name: 'image_generate', arguments: args })) as CallToolResult;
const body = (r: CallToolResult): Record<string, unknown> => r.structuredContent as Record<string, unknown>;
const error = (r: CallToolResult): { code: string; message: string; field?: string } => {
  expect(r.isError).toBe(true);
  return (r.structuredContent as { error: { code: string; message: string; field?: string } }).error;
};

beforeAll(async () => {
  fx = await makeFixtures();
  fake = await startReplicateFake();
});
afterAll(async () => {
  await fake.close();
  fs.rmSync(fx.dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.reset();
  fake.setScenario({ pollsBeforeDone: 1, outputMime: 'image/jpeg', outputUrls: [fake.addOutput('out.jpg', fs.readFileSync(fx.jpg), 'image/jpeg')] });
});

const QUESTION =
  'image_generate with replicate/bytedance/seedream-4 is estimated at $0.12 (the estimate is above STUDIO_CONFIRM_USD=$0.05). ' +
  'No budget is set (STUDIO_BUDGET_USD). Run it?';

describe.each(['modern', 'legacy'] as const)('confirmation by elicitation (%s era)', (era) => {
  it('over the threshold the user is asked once; yes creates exactly one prediction', async () => {
    const w = await world({ era, answer: 'accept' });
    try {
      const r = await call(w, EXPENSIVE);
      expect(r.isError).toBeFalsy();
      expect(body(r).status).toBe('succeeded');
      expect(body(r).cost_estimate_usd).toBeCloseTo(0.12);
      expect(w.asked).toEqual([QUESTION]);
      expect(creates()).toBe(1);
      expect(await w.jobs()).toBe(1);
    } finally {
      await w.close();
    }
  });

  it('no creates nothing: no job, no upload, no create at the provider', async () => {
    const w = await world({ era, answer: 'decline' });
    try {
      const e = error(await call(w, EXPENSIVE));
      expect(e).toEqual({ code: 'canceled', message: 'confirmation declined; nothing was created (image_generate was not run)', field: 'confirm_token' });
      expect(w.asked).toHaveLength(1);
      expect(fake.requests).toHaveLength(0);
      expect(await w.jobs()).toBe(0);
    } finally {
      await w.close();
    }
  });

  it('at or under the threshold nothing is asked', async () => {
    const w = await world({ era, answer: 'decline' });
    try {
      const r = await call(w, { model: MODEL, prompt: 'one door' });
      expect(body(r).status).toBe('succeeded');
      expect(w.asked).toHaveLength(0);
      expect(creates()).toBe(1);
    } finally {
      await w.close();
    }
  });
});

describe('confirmation by token (a client without elicitation)', () => {
  it('the first call returns the estimate and a token and creates nothing; the token runs the same call exactly once', async () => {
    const w = await world({ era: 'modern' });
    try {
      // The client then knows each tool's outputSchema and checks every result against it, this answer included.
      await w.client.listTools();
      const first = await call(w, EXPENSIVE);
      expect(first.isError).toBeFalsy();
      const b = body(first);
      expect(b).toMatchObject({ status: 'confirmation_required', model: MODEL, estimate_usd: 0.12, reason: 'the estimate is above STUDIO_CONFIRM_USD=$0.05' });
      expect(typeof b.confirm_token).toBe('string');
      expect(b.call).toEqual({ tool: 'image_generate', arguments: { ...EXPENSIVE, confirm_token: b.confirm_token } });
      expect(fake.requests).toHaveLength(0);
      expect(await w.jobs()).toBe(0);

      // A changed argument is refused, naming it; nothing is created.
      const changed = error(await call(w, { ...EXPENSIVE, max_images: 3, confirm_token: b.confirm_token }));
      expect(changed.field).toBe('confirm_token');
      expect(changed.message).toContain('(changed: max_images)');
      expect(fake.requests).toHaveLength(0);

      const run = await call(w, { ...EXPENSIVE, confirm_token: b.confirm_token });
      expect(body(run).status).toBe('succeeded');
      expect(creates()).toBe(1);

      const reused = error(await call(w, { ...EXPENSIVE, confirm_token: b.confirm_token }));
      expect(reused.code).toBe('invalid_input');
      expect(reused.field).toBe('confirm_token');
      expect(reused.message).toContain('already used');
      expect(creates()).toBe(1);
      expect(await w.jobs()).toBe(1);
    } finally {
      await w.close();
    }
  });

  it('a call that would cross the budget asks even under the threshold; confirmed, it runs past the budget', async () => {
    const w = await world({ era: 'legacy', env: { STUDIO_CONFIRM_USD: '1', STUDIO_BUDGET_USD: '0.05' } });
    try {
      expect(body(await call(w, { model: MODEL, prompt: 'first' })).status).toBe('succeeded');
      const second = body(await call(w, { model: MODEL, prompt: 'second' }));
      expect(second).toMatchObject({
        status: 'confirmation_required',
        estimate_usd: 0.03,
        reason: 'with $0.03 already spent, this call would exceed STUDIO_BUDGET_USD=$0.05',
        budget_left_usd: 0.02,
      });
      expect(creates()).toBe(1);
      expect(body(await call(w, { model: MODEL, prompt: 'second', confirm_token: second.confirm_token })).status).toBe('succeeded');
      expect(creates()).toBe(2);
    } finally {
      await w.close();
    }
  });
});

describe('the 2025 era from SDK 1.x', () => {
  it('an SDK 1.x client with elicitation is asked through elicitation/create; yes creates one prediction', async () => {
    const home = tempDir('studio-confirm-v1-');
    const config = loadConfig({ STUDIO_HOME: home, REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: fake.url, STUDIO_CONFIRM_USD: '0.05' });
    const studio = new Studio({ config, log: () => undefined, adapters: fastAdapters(config) });
    const { server } = createMcpServer(studio, { forwardEvents: true });
    const client = new LegacyClient({ name: 'v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { approve: true } };
    });
    const [a, b] = LegacyInMemory.createLinkedPair();
    await server.connect(a as unknown as Parameters<typeof server.connect>[0]);
    await client.connect(b);
    try {
      const r = (await client.callTool({ name: 'image_generate', arguments: EXPENSIVE })) as CallToolResult;
      expect(body(r).status).toBe('succeeded');
      expect(asked).toEqual([QUESTION]);
      expect(creates()).toBe(1);
    } finally {
      await client.close();
      await studio.close();
    }
  });
});

describe('which tools take confirm_token', () => {
  it('every tool that can spend lists it; no other tool does', async () => {
    const w = await world({ era: 'modern' });
    try {
      const { tools } = await w.client.listTools();
      const taking = tools.filter((t) => 'confirm_token' in (t.inputSchema.properties ?? {})).map((t) => t.name);
      expect(taking.sort()).toEqual([...CONFIRMABLE_TOOLS].sort());
      expect(taking).toContain('video_smooth_transition');
      expect(taking).toHaveLength(9);
    } finally {
      await w.close();
    }
  });
});

describe('over --http (2026: a fresh server instance per request; 2025: a session)', () => {
  it('a 2026-07-28 client and an SDK 1.x client are each asked once; declining creates nothing, accepting creates one', async () => {
    const home = tempDir('studio-confirm-http-');
    const config = loadConfig({ STUDIO_HOME: home, REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: fake.url, STUDIO_CONFIRM_USD: '0.05' });
    const studio = new Studio({ config, log: () => undefined, adapters: fastAdapters(config) });
    const http = await serveHttp(studio, { port: 0, host: '127.0.0.1' });
    const url = new URL(`http://127.0.0.1:${(http.address() as { port: number }).port}/mcp`);
    const asked: string[] = [];
    let answer: 'accept' | 'decline' = 'decline';
    const reply = () => (answer === 'accept' ? { action: 'accept' as const, content: { approve: true } } : { action: 'decline' as const });
    const modern = new Client({ name: 'modern', version: '1' }, { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: MODERN } } });
    modern.setRequestHandler('elicitation/create', async (req) => {
      asked.push(`modern: ${req.params.message}`);
      return reply();
    });
    const legacy = new LegacyClient({ name: 'v1', version: '1' }, { capabilities: { elicitation: {} } });
    legacy.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(`legacy: ${req.params.message}`);
      return reply();
    });
    try {
      await modern.connect(new StreamableHTTPClientTransport(url));
      await legacy.connect(new LegacyHttp(url));
      expect(modern.getNegotiatedProtocolVersion()).toBe(MODERN);
      for (const c of [modern, legacy]) {
        const no = (await c.callTool({ name: 'image_generate', arguments: EXPENSIVE })) as CallToolResult;
        expect(error(no).message).toBe('confirmation declined; nothing was created (image_generate was not run)');
      }
      expect(fake.requests).toHaveLength(0);
      answer = 'accept';
      for (const c of [modern, legacy]) {
        expect(body((await c.callTool({ name: 'image_generate', arguments: EXPENSIVE })) as CallToolResult).status).toBe('succeeded');
      }
      expect(creates()).toBe(2);
      expect(asked).toEqual([`modern: ${QUESTION}`, `legacy: ${QUESTION}`, `modern: ${QUESTION}`, `legacy: ${QUESTION}`]);
    } finally {
      await Promise.all([modern.close(), legacy.close()]);
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
      await studio.close();
    }
  });
});

describe('video_smooth_transition', () => {
  it('a paid bridge asks first and leaves no bridge shot behind; its token makes the bridge call once', async () => {
    const w = await world({ era: 'modern' });
    const tool = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> =>
      body((await w.client.callTool({ name, arguments: args })) as CallToolResult);
    try {
      const scene = ((await tool('scene_create', { title: 'c' })).scene as { scene_id: string }).scene_id;
      const shots: string[] = [];
      for (const prompt of ['door opens', 'hall light']) {
        const shot = ((await tool('shot_create', { scene_id: scene, prompt, duration: 1, model: 'local/animatic' })).shot as { shot_id: string }).shot_id;
        shots.push(shot);
        expect((await tool('video_generate', { shot_id: shot })).status).toBe('succeeded');
      }
      const args = { from_shot_id: shots[0], model: 'replicate/bytedance/seedance-1-lite', duration: 2 };
      const ask = await tool('video_smooth_transition', args);
      // 2 s at 720p, $0.036 a second.
      expect(ask).toMatchObject({ status: 'confirmation_required', model: 'replicate/bytedance/seedance-1-lite', estimate_usd: 0.072 });
      expect((await w.studio.store.shots.listByScene(scene)).map((s) => s.shot_id)).toEqual(shots);
      expect(fake.requests).toHaveLength(0);
      expect(await w.jobs()).toBe(2); // the two local takes

      await w.client.callTool({ name: 'video_smooth_transition', arguments: { ...args, confirm_token: ask.confirm_token } });
      expect(creates()).toBe(1);
      expect(await w.jobs()).toBe(3);
    } finally {
      await w.close();
    }
  });
});

describe('as a task (2026-07-28 with the tasks extension)', () => {
  it('the question comes before any handle; the confirmed call becomes a task that creates one prediction; an elicited yes too', async () => {
    const home = tempDir('studio-confirm-task-');
    const config = loadConfig({ STUDIO_HOME: home, REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: fake.url, STUDIO_CONFIRM_USD: '0.05' });
    const studio = new Studio({ config, log: () => undefined, adapters: fastAdapters(config) });
    const handler = createMcpHandler(() => createMcpServer(studio).server);
    let id = 0;
    /** One spec-framed request; `elicit` declares form elicitation beside the tasks extension. */
    const rpc = (method: string, params: Record<string, unknown>, elicit = false): Promise<RpcAnswer> =>
      post(handler, {
        jsonrpc: '2.0',
        id: ++id,
        method,
        params: {
          ...params,
          _meta: modernEnvelope({ extensions: { 'io.modelcontextprotocol/tasks': {} }, ...(elicit ? { elicitation: { form: {} } } : {}) }),
        },
      });
    const answer = (a: RpcAnswer): Record<string, unknown> => {
      if (!a.result) throw new Error(JSON.stringify(a));
      return a.result;
    };
    const settle = async (taskId: string): Promise<Record<string, unknown>> => {
      for (let i = 0; i < 500; i++) {
        const t = answer(await rpc('tasks/get', { taskId }));
        if (t.status !== 'working') return t;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('task never ended');
    };
    try {
      const ask = answer(await rpc('tools/call', { name: 'image_generate', arguments: EXPENSIVE }));
      const token = (ask.structuredContent as { status: string; confirm_token: string }).confirm_token;
      expect((ask.structuredContent as { status: string }).status).toBe('confirmation_required');
      expect(ask.taskId).toBeUndefined();
      expect(fake.requests).toHaveLength(0);

      const task = answer(await rpc('tools/call', { name: 'image_generate', arguments: { ...EXPENSIVE, confirm_token: token } }));
      expect(task).toMatchObject({ resultType: 'task', status: 'working' });
      expect(await settle(String(task.taskId))).toMatchObject({ status: 'completed' });
      expect(creates()).toBe(1);

      // With elicitation: input_required first, then the retry with the answer and the echoed state starts the task.
      const question = answer(await rpc('tools/call', { name: 'image_generate', arguments: EXPENSIVE }, true));
      expect(question.resultType).toBe('input_required');
      expect(creates()).toBe(1);
      const yes = { confirm_spend: { action: 'accept', content: { approve: true } } };
      const retry = answer(
        await rpc('tools/call', { name: 'image_generate', arguments: EXPENSIVE, inputResponses: yes, requestState: question.requestState }, true),
      );
      expect(retry).toMatchObject({ resultType: 'task' });
      expect(await settle(String(retry.taskId))).toMatchObject({ status: 'completed' });
      expect(creates()).toBe(2);
    } finally {
      await studio.close();
    }
  });
});
