import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, tempDir } from '../helpers/harness.js';
import { freshDatabase, postgresSkipReason } from '../helpers/pg-test-db.js';
import { serviceUrl } from '../helpers/services.js';
import { CLI, cli } from '../cli/spawn.js';

/**
 * `studio-mcp worker` as its own process (the built CLI): it runs what a front end that runs nothing queued, and
 * SIGTERM stops it with exit code 0. Without STUDIO_REDIS_URL it refuses with a clear error.
 */
const redis = serviceUrl('STUDIO_TEST_REDIS_URL', 'Redis');
const pgSkip = postgresSkipReason();
if (redis.required && !redis.url) throw new Error(`STUDIO_REQUIRE_SERVICES=1 but ${redis.reason}`);
const skip = pgSkip ?? (redis.url ? undefined : redis.reason);

describe('studio-mcp worker without Redis', () => {
  it('refuses with a usage error naming STUDIO_REDIS_URL', async () => {
    const r = await cli(['worker'], { STUDIO_HOME: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('worker needs STUDIO_REDIS_URL');
  });

  it('serve --no-work refuses without Redis', async () => {
    const r = await cli(['--no-work'], { STUDIO_HOME: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--no-work needs STUDIO_REDIS_URL');
  });
});

describe.skipIf(skip !== undefined)(`studio-mcp worker process${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: { url: string; drop: () => Promise<void> };
  let front: Harness;
  let child: ChildProcess;
  let stderr = '';
  const home = tempDir('studio-worker-');

  beforeAll(async () => {
    db = await freshDatabase();
    const env = {
      STUDIO_HOME: home,
      STUDIO_DATABASE_URL: db.url,
      STUDIO_REDIS_URL: redis.url as string,
      STUDIO_REDIS_PREFIX: `dispatch-w${randomBytes(4).toString('hex')}`,
    };
    front = await startHarness({ home, env: { ...env, STUDIO_WAIT_SECONDS: '0' }, studio: { work: false } });
    child = spawn(process.execPath, [CLI, 'worker', '--concurrency', '1'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
  });
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await front?.close();
    await db?.drop();
  });

  it('runs a job the front end queued, then stops on SIGTERM with exit code 0', async () => {
    const id = String((await front.call('image_generate', { model: 'local/still', prompt: 'a worker made this' })).job_id);
    const job = (await front.call('job_wait', { job_id: id, timeout_seconds: 30 })).job as { status: string; result: { media_ids: string[] } };
    expect(job.status).toBe('succeeded');
    expect(job.result.media_ids).toHaveLength(1);
    const row = await front.studio.store.jobs.get(id);
    expect(row?.owner).toMatch(new RegExp(`:${child.pid}:`));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('worker stopping (SIGTERM)');
  });
});
