import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

describe('experimental MCP tasks', () => {
  let h: Harness;
  beforeAll(async () => {
    // A wait bound of 0 s: a plain call would answer with the job id; a task must carry the result itself.
    h = await startHarness({ env: { STUDIO_WAIT_SECONDS: '0' } });
  });
  afterAll(async () => h.close());

  it('generation and render tools say they support tasks', async () => {
    const { tools } = await h.client.listTools();
    const bySupport = (n: string) => (tools.find((t) => t.name === n) as { execution?: { taskSupport?: string } } | undefined)?.execution?.taskSupport;
    expect(bySupport('video_generate')).toBe('optional');
    expect(bySupport('render_film')).toBe('optional');
    expect(bySupport('character_list')).toBeUndefined();
    expect(h.client.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
  });

  it('a video_generate task finishes with the media, while a plain call returns the job id', async () => {
    const plain = await h.call('video_generate', { prompt: 'fog', duration: 1 });
    expect(plain.status).not.toBe('succeeded');
    expect(plain.job_id).toMatch(/^job_/);

    const created = await h.client.request(
      { method: 'tools/call', params: { name: 'video_generate', arguments: { prompt: 'fog rolling in', duration: 1 }, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    const taskId = created.task.taskId;
    let status = created.task.status;
    for (let i = 0; i < 200 && status === 'working'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await h.client.experimental.tasks.getTask(taskId)).status;
    }
    expect(status).toBe('completed');
    const result = await h.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    const out = result.structuredContent as { status: string; media_id: string };
    expect(out.status).toBe('succeeded');
    expect(h.studio.library.get(out.media_id).type).toBe('video');
  });

  it('a task for a bad call fails with the tool error', async () => {
    const created = await h.client.request(
      { method: 'tools/call', params: { name: 'video_generate', arguments: { prompt: 'x', duration: 'long' }, task: {} } },
      CreateTaskResultSchema,
    );
    let status = created.task.status;
    for (let i = 0; i < 50 && status === 'working'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await h.client.experimental.tasks.getTask(created.task.taskId)).status;
    }
    expect(status).toBe('failed');
    const result = await h.client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.structuredContent)).toMatch(/duration/);
  });
});
