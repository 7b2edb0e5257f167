import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LEASE_MS } from '../../src/jobs/lease.js';
import { ORPHANED_SQL } from '../../src/store/jobs.js';
import { Studio } from '../../src/studio/studio.js';
import { tempDir } from '../helpers/harness.js';
import { withStudioDb } from '../helpers/studio-db.js';

/**
 * Orphaned jobs (issue 11, defect 3): however long the job history, a job left unfinished by a dead process is
 * found and resumed; a job another live process holds is left alone.
 */
describe('resuming orphaned jobs', () => {
  const open: Studio[] = [];
  const studioAt = (home: string, resume: boolean): Studio => {
    const s = new Studio({ config: loadConfig({ STUDIO_HOME: home }), log: () => undefined, resume });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('10,050 finished jobs and orphans older than all of them: the orphans are resumed on start-up', async () => {
    const home = tempDir();
    const setup = studioAt(home, false);
    const { request, cap } = await setup.planner.prepare({ tool: 'image_generate', task: 'image_generate', args: { model: 'local/still', prompt: 'orphan' } });
    const make = async (owner: string, leaseMs: number) => {
      const job = await setup.store.jobs.create({ tool: 'image_generate', provider: cap.provider, model: cap.id, request, owner, leaseMs });
      withStudioDb(home, (db) => db.prepare(`UPDATE jobs SET created_at = '2020-01-01T00:00:00.000Z' WHERE id = ?`).run(job.job_id));
      return job.job_id;
    };
    // Another machine's process whose lease ran out; a process of this machine that died with its lease still
    // running; another machine's process that is alive (lease running): only the first two are orphans.
    const expired = await make('other-host:4242:aaaa', -1_000);
    const deadHere = await make(`${os.hostname()}:2147483646:bbbb`, LEASE_MS);
    const alive = await make('other-host:4343:cccc', 10 * LEASE_MS);
    withStudioDb(home, (db) => {
      const finished = db.prepare(
        `INSERT INTO jobs (id, tool, provider, model, status, request, created_at, updated_at, finished_at) VALUES (?, 'image_generate', 'local', ` +
          `'local/still', ?, '{}', ?, ?, ?)`,
      );
      db.transaction(() => {
        for (let i = 0; i < 10_050; i++) {
          const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
          finished.run(`job_done_${i}`, i % 3 === 0 ? 'failed' : 'succeeded', at, at, at);
        }
      })();
    });
    await setup.close();
    open.splice(0);

    const studio = studioAt(home, true);
    // The start-up resume runs in the background: a pass of our own waits for the store and takes what is left.
    await studio.queue.resumeOrphans();
    const jobs = studio.store.jobs;
    expect((await jobs.get(expired))?.owner).toBe(studio.queue.owner);
    expect((await jobs.get(deadHere))?.owner).toBe(studio.queue.owner);
    expect((await jobs.get(alive))?.owner).toBe('other-host:4343:cccc');
    const [a, b] = await Promise.all([expired, deadHere].map((id) => studio.queue.wait(id, { timeoutMs: 60_000 })));
    expect(a?.status).toBe('succeeded');
    expect(b?.status).toBe('succeeded');
    expect(a?.result?.media_ids).toHaveLength(1);
    // Nothing else is left to take: a second pass finds no orphan.
    expect(await studio.queue.resumeOrphans()).toBe(0);
  });

  it('the orphan query reads unfinished jobs through an index, never the finished history', async () => {
    const studio = studioAt(tempDir(), false);
    await studio.ready();
    const rows = withStudioDb(studio.config.home, (db) => db.prepare(`EXPLAIN QUERY PLAN ${ORPHANED_SQL}`).all(Date.now(), studio.queue.owner)) as {
      detail: string;
    }[];
    const plan = rows.map((r) => r.detail).join('\n');
    expect(plan).toMatch(/USING INDEX jobs_unfinished/);
    expect(plan).not.toMatch(/SCAN jobs$/m);
  });
});
