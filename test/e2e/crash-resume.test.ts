import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { openStore } from '../../src/store/index.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { tempDir } from '../helpers/harness.js';

const CLI = path.resolve('dist/src/cli.js');

async function connect(home: string, env: Record<string, string>): Promise<{ client: Client; pid: number }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: { PATH: process.env.PATH ?? '', STUDIO_HOME: home, ...env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'crash-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, pid: transport.pid as number };
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.structuredContent)}`);
  return r.structuredContent as Record<string, unknown>;
}

async function until(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a server killed while a provider job runs resumes it after restart', () => {
  let fake: ReplicateFake;
  let env: Record<string, string>;
  beforeAll(async () => {
    fake = await startReplicateFake();
    const dir = tempDir();
    const clip = path.join(dir, 'clip.mp4');
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=24:duration=1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', clip]);
    fake.setScenario({ outputUrls: [fake.addOutput('clip.mp4', fs.readFileSync(clip), 'video/mp4')], pollsBeforeDone: 30 });
    env = { REPLICATE_API_TOKEN: 'r8_CRASHTEST_secret', REPLICATE_BASE_URL: fake.url, STUDIO_POLL_INTERVAL_MS: '50' };
  });
  afterAll(async () => fake.close());

  it('SIGKILL mid-poll, restart: the job completes and the provider saw exactly one create', async () => {
    const home = tempDir();
    const first = await connect(home, env);
    const scene = (await call(first.client, 'scene_create', { title: 's' })) as { scene: { scene_id: string } };
    const shot = (await call(first.client, 'shot_create', { scene_id: scene.scene.scene_id, prompt: 'a lighthouse' })) as { shot: { shot_id: string } };
    const started = await call(first.client, 'video_generate', {
      model: 'replicate/bytedance/seedance-1-lite',
      shot_id: shot.shot.shot_id,
      prompt: 'a lighthouse at night',
      duration: 5,
      wait: false,
    });
    const jobId = String(started.job_id);
    await until(() => fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/predictions/')).length >= 3);
    process.kill(first.pid, 'SIGKILL');
    await first.client.close().catch(() => undefined);

    // The row was committed with the prediction id before polling began.
    const store = openStore(home);
    const row = await store.jobs.get(jobId);
    await store.close();
    expect(row?.status).toBe('running');
    expect([...fake.predictions.keys()]).toHaveLength(1);
    expect(row?.operation_id).toBe([...fake.predictions.keys()][0]);

    const second = await connect(home, env);
    const done = (await call(second.client, 'job_wait', { job_id: jobId, timeout_seconds: 30 })) as {
      job: { status: string; result: { media_ids: string[]; take_number: number } };
    };
    expect(done.job.status).toBe('succeeded');
    expect(done.job.result.take_number).toBe(1);
    const creates = fake.requests.filter((r) => r.method === 'POST' && /\/predictions$/.test(r.path));
    expect(creates).toHaveLength(1);
    const media = (await call(second.client, 'media_get', { media_id: done.job.result.media_ids[0] })) as {
      media: { provider_request_id: string; job_id: string };
    };
    expect(media.media.job_id).toBe(jobId);
    expect(media.media.provider_request_id).toBe(row?.operation_id);
    await second.client.close();
  });
});
