import fs from 'node:fs';
import path from 'node:path';
import { CreateTaskResultV2Schema, GetTaskResultV2Schema } from '@modelcontextprotocol/ext-tasks/core/v2';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { JsonValue } from '@modelcontextprotocol/ext-tasks/core';
import { createTaskSessionFromClient, resultFromTaskOutcome } from '@modelcontextprotocol/ext-tasks/client';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { createMcpServer } from '../../src/server.js';
import { Studio } from '../../src/studio/studio.js';
import { byRoute } from '../fakes/base.js';
import { FAKE_KEYS } from '../fakes/index.js';
import { startVertexFake, type VertexFake } from '../fakes/vertex.js';
import { tempDir } from '../helpers/harness.js';
import { post, rawClient, type RpcAnswer } from '../helpers/raw-2026.js';
import { withStudioDb } from '../helpers/studio-db.js';

/** The server as the HTTP transport builds it for each 2026-07-28 request. */
const buildServer = (studio: Studio) => createMcpServer(studio).server;

const VEO = 'vertex/veo-3.1-generate-001';

describe('MCP tasks (io.modelcontextprotocol/tasks, SEP-2663) over 2026-07-28', () => {
  let fake: VertexFake;
  let clip: Buffer;
  let clipPath: string;
  let home: string;
  let studio: Studio;
  let handler: McpHttpHandler;
  let rpc: ReturnType<typeof rawClient>;
  const open = (): Studio =>
    new Studio({
      config: loadConfig({
        STUDIO_HOME: home,
        STUDIO_ALLOWED_DIRS: path.dirname(clipPath),
        STUDIO_WAIT_SECONDS: '0',
        VERTEX_BASE_URL: fake.url,
        GCS_BASE_URL: fake.url,
        GOOGLE_CLOUD_PROJECT: 'fake-project',
        GOOGLE_CLOUD_LOCATION: 'us-central1',
        GOOGLE_API_KEY: FAKE_KEYS.GOOGLE_API_KEY,
        STUDIO_POLL_INTERVAL_MS: '20',
      }),
      log: () => undefined,
    });
  /** Hold every Veo operation at "running, 50 %" until released. */
  const hold = (): void => fake.setScenario({ videoBytes: clip, pollsBeforeDone: 1_000_000 });
  const release = (): void => fake.setScenario({ videoBytes: clip, pollsBeforeDone: 0 });
  const result = (a: RpcAnswer): Record<string, unknown> => {
    if (!a.result) throw new Error(`error answer: ${JSON.stringify(a)}`);
    return a.result;
  };
  /** Poll tasks/get (as the spec's client does) until `until` holds; returns that answer. */
  const poll = async (taskId: string, until: (t: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 1000; i++) {
      const t = result(await rpc('tasks/get', { taskId }));
      if (until(t)) return t;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`task ${taskId} never reached the expected state`);
  };
  const generate = async (prompt: string): Promise<Record<string, unknown>> =>
    result(await rpc('tools/call', { name: 'video_generate', arguments: { model: VEO, prompt, duration: 4 } }));

  beforeAll(async () => {
    const dir = tempDir('tasks-media-');
    const file = path.join(dir, 'clip.mp4');
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=24:duration=1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', file]);
    clip = fs.readFileSync(file);
    clipPath = file;
    fake = await startVertexFake();
    home = tempDir('tasks-home-');
    studio = open();
    handler = createMcpHandler(() => buildServer(studio));
    rpc = rawClient(handler);
  }, 60_000);
  afterAll(async () => {
    await studio.close();
    await fake.close();
  });

  it('server/discover declares the extension', async () => {
    const r = result(await rpc('server/discover', {}));
    // Beside MCP Apps (the storyboard view), which the server declares too.
    expect((r.capabilities as { extensions?: unknown }).extensions).toEqual({
      'io.modelcontextprotocol/tasks': {},
      'io.modelcontextprotocol/ui': { mimeTypes: ['text/html;profile=mcp-app'] },
    });
  });

  it('a Veo job as a task: the handle comes at once, tasks/get shows progress, the result arrives after the call returned', async () => {
    hold();
    const created = await generate('harbour at dawn');
    // The operation cannot end while held, so the handle was answered before the work finished.
    expect(CreateTaskResultV2Schema.safeParse(created).success).toBe(true);
    expect(created).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 86_400_000, pollIntervalMs: 20 });
    const taskId = String(created.taskId);
    expect(taskId).toMatch(/^task_[A-Za-z0-9_-]{22}$/);

    const working = await poll(taskId, (t) => String(t.statusMessage).startsWith('50%'));
    expect(GetTaskResultV2Schema.safeParse(working).success).toBe(true);
    expect(working).toMatchObject({ resultType: 'complete', status: 'working', statusMessage: '50%: generating at Vertex AI' });
    expect(working.result).toBeUndefined();
    const op = [...fake.operations.values()].at(-1);
    expect(op?.polls).toBeGreaterThan(0);

    release();
    const done = await poll(taskId, (t) => t.status !== 'working');
    expect(GetTaskResultV2Schema.safeParse(done).success).toBe(true);
    expect(done).toMatchObject({ status: 'completed', statusMessage: 'video_generate finished' });
    const out = (done.result as { structuredContent: { status: string; media_id: string; model: string; job_id: string } }).structuredContent;
    expect(out).toMatchObject({ status: 'succeeded', model: VEO });
    expect(await studio.library.get(out.media_id)).toMatchObject({ type: 'video', model: VEO, provider: 'vertex' });
    expect((await studio.store.jobs.get(out.job_id))?.status).toBe('succeeded');
    // The result stays retrievable: asking again gives the same answer.
    expect(result(await rpc('tasks/get', { taskId })).result).toEqual(done.result);
  });

  it('tasks/cancel on a second one cancels it: its job is canceled and the fake is polled no more', async () => {
    hold();
    const created = await generate('storm over the pier');
    const taskId = String(created.taskId);
    await poll(taskId, (t) => String(t.statusMessage).startsWith('50%'));
    const opName = [...fake.operations.keys()].at(-1) as string;
    expect(result(await rpc('tasks/cancel', { taskId }))).toMatchObject({ resultType: 'complete' });

    const after = await poll(taskId, (t) => t.status !== 'working');
    expect(GetTaskResultV2Schema.safeParse(after).success).toBe(true);
    expect(after.status).toBe('cancelled');
    const jobId = /job (job_[0-9a-f]+) is canceled/.exec(String(after.statusMessage))?.[1] as string;
    expect(await studio.store.jobs.get(jobId)).toMatchObject({ status: 'canceled', cancel_requested: true });
    // Vertex documents no cancel for Veo operations: cancelling there means we stop polling and drop the result.
    const polls = fake.operations.get(opName)?.polls;
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.operations.get(opName)?.polls).toBe(polls);
    expect(byRoute(fake.requests, 'veo-poll').filter((r) => (r.json as { operationName?: string }).operationName === opName)).toHaveLength(polls as number);
    // Cancelling a task that has ended changes nothing.
    expect(result(await rpc('tasks/cancel', { taskId }))).toMatchObject({ resultType: 'complete' });
    expect(result(await rpc('tasks/get', { taskId })).status).toBe('cancelled');
    release();
  });

  it('the ext-tasks client (a second requester, not written here) runs a Veo task to its result and cancels another', async () => {
    const capabilities = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
    const client = new Client({ name: 'ext-tasks', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities });
    await client.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch: (url, init) => handler.fetch(new Request(url, init)) }));
    let id = 0;
    // The package frames each request's envelope itself and leaves the JSON-RPC id and the transport to its host.
    const session = createTaskSessionFromClient(client, {
      endpointId: 'studio',
      rawDispatch: async (request) => {
        const a = await post(handler, { jsonrpc: '2.0', id: ++id, ...(request as { method: string; params?: Record<string, unknown> }) });
        return a.error ? { kind: 'error', error: a.error as { code: number; message: string } } : { kind: 'result', result: a.result as JsonValue };
      },
      v2RequestFraming: { protocolVersion: '2026-07-28', clientInfo: { name: 'ext-tasks', version: '1.0.0' }, clientCapabilities: capabilities },
    });
    try {
      release();
      const first = await session.callTool('video_generate', { model: VEO, prompt: 'low tide', duration: 4 });
      expect(first.kind).toBe('task');
      expect(resultFromTaskOutcome((await first.settle()).outcome)).toMatchObject({ structuredContent: { status: 'succeeded', model: VEO } });

      hold();
      const before = fake.operations.size;
      const second = await session.callTool('video_generate', { model: VEO, prompt: 'high tide', duration: 4 });
      while (fake.operations.size === before || ([...fake.operations.values()].at(-1)?.polls ?? 0) === 0) await new Promise((r) => setTimeout(r, 20));
      await second.cancel();
      const settled = await second.settle();
      expect(settled.outcome.status).toBe('cancelled');
      expect(result(await rpc('tasks/get', { taskId: String(second.handle?.taskId) })).status).toBe('cancelled');
    } finally {
      await session.close();
      await client.close();
      release();
    }
  });

  it('a client that does not declare the extension gets a plain result, and tasks/* refuse it (-32021)', async () => {
    release();
    const plain = result(await rpc('tools/call', { name: 'video_generate', arguments: { model: VEO, prompt: 'gulls', duration: 4 } }, { tasks: false }));
    expect(plain.resultType).toBe('complete');
    expect(plain.taskId).toBeUndefined();
    expect((plain.structuredContent as { job_id: string }).job_id).toMatch(/^job_/);
    const refused = await rpc('tasks/get', { taskId: 'task_x' }, { tasks: false });
    expect(refused.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } } });
  });

  it('an unknown or expired task id is invalid params (-32602) for tasks/get, tasks/update and tasks/cancel', async () => {
    for (const method of ['tasks/get', 'tasks/cancel']) {
      expect((await rpc(method, { taskId: 'task_nope' })).error).toEqual({ code: -32602, message: 'Failed to retrieve task: Task not found or expired' });
    }
    expect((await rpc('tasks/update', { taskId: 'task_nope', inputResponses: {} })).error?.code).toBe(-32602);
    // A finished task is forgotten once its time to live has run out.
    const created = result(await rpc('tools/call', { name: 'video_generate', arguments: { model: VEO, prompt: 'x', duration: 5 } }));
    const taskId = String(created.taskId);
    await poll(taskId, (t) => t.status !== 'working');
    withStudioDb(studio.config.home, (db) => db.prepare('UPDATE tasks SET expires_at = 1 WHERE id = ?').run(taskId));
    expect((await rpc('tasks/get', { taskId })).error?.code).toBe(-32602);
  });

  it('a bad call still becomes a task, which completes with the tool error (isError), not a failed task', async () => {
    const created = result(await rpc('tools/call', { name: 'video_generate', arguments: { model: VEO, prompt: 'x', duration: 5 } }));
    const done = await poll(String(created.taskId), (t) => t.status !== 'working');
    expect(done).toMatchObject({ status: 'completed', statusMessage: 'video_generate ended with an error', result: { isError: true } });
    expect(JSON.stringify(done.result)).toMatch(/duration/);
  });

  it('render and smooth-transition calls run as tasks too', async () => {
    const call = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> =>
      result(await rpc('tools/call', { name, arguments: args }, { tasks: false })).structuredContent as Record<string, unknown>;
    /** Run a long tool as a task and return its result's structuredContent once it has completed. */
    const asTask = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const created = result(await rpc('tools/call', { name, arguments: args }));
      expect(created.resultType).toBe('task');
      const done = await poll(String(created.taskId), (t) => t.status !== 'working');
      expect(done).toMatchObject({ status: 'completed', statusMessage: `${name} finished` });
      return (done.result as { structuredContent: Record<string, unknown> }).structuredContent;
    };
    const scene = (await call('scene_create', { title: 'quay', settings: { width: 320, height: 180, fps: 24 } })) as { scene: { scene_id: string } };
    // The shots' takes are the test clip (generation is covered above); the bridge and the render run as tasks.
    const media = (await call('media_import', { path: clipPath })) as { media_id: string };
    const shots: string[] = [];
    for (const prompt of ['quay', 'boat']) {
      const shot = (await call('shot_create', { scene_id: scene.scene.scene_id, prompt, model: 'local/animatic', duration: 1 })) as {
        shot: { shot_id: string };
      };
      await call('shot_add_take', { shot_id: shot.shot.shot_id, media_id: media.media_id });
      shots.push(shot.shot.shot_id);
    }
    const bridge = await asTask('video_smooth_transition', { from_shot_id: shots[0], duration: 1 });
    expect(bridge).toMatchObject({ bridged: true, status: 'succeeded' });
    const render = await asTask('render_scene', { scene_id: scene.scene.scene_id, qc: false });
    expect((await studio.library.get(String(render.media_id))).type).toBe('video');
  });

  it('results outlive the process: after a restart the finished task answers as before, a task cut off is failed naming its job', async () => {
    release();
    const finished = String((await generate('lighthouse')).taskId);
    const before = await poll(finished, (t) => t.status !== 'working');
    expect(before.status).toBe('completed');
    hold();
    const cut = String((await generate('night ferry')).taskId);
    await poll(cut, (t) => String(t.statusMessage).startsWith('50%'));
    const jobId = TaskRegistryRow(cut);
    await studio.close();

    studio = open();
    handler = createMcpHandler(() => buildServer(studio));
    rpc = rawClient(handler);
    expect(result(await rpc('tasks/get', { taskId: finished }))).toEqual(before);
    const failed = result(await rpc('tasks/get', { taskId: cut }));
    expect(GetTaskResultV2Schema.safeParse(failed).success).toBe(true);
    const message = `the server stopped while this task ran; its job ${jobId} is running: follow it with job_wait(job_id: "${jobId}")`;
    expect(failed).toMatchObject({ status: 'failed', statusMessage: message, error: { code: -32603, message } });
    release();
  });

  /** The job a task follows, read from the studio database as a second process would. */
  function TaskRegistryRow(taskId: string): string {
    const row = withStudioDb(studio.config.home, (db) => db.prepare('SELECT job_id FROM tasks WHERE id = ?').get(taskId)) as { job_id: string };
    return row.job_id;
  }
});
