import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClip } from '../helpers/clips.js';
import { byRoute } from '../fakes/base.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { tempDir } from '../helpers/harness.js';
import { call, checkStudio, rng, spawnServer, strayProcesses, type StudioCheck } from './helpers.js';

/**
 * Issue 6 item 6: a crash loop. The built server runs over stdio on ONE studio folder; each iteration starts it,
 * fires a mix of work (a Replicate video job against the fake, a local animatic, a local voice line attached to a
 * shot, a forced scene render) and SIGKILLs it at a random moment. After every kill, with the server dead:
 *  - PRAGMA integrity_check is ok and there are no foreign key violations;
 *  - every media row's file exists with the recorded size and sha256 (no partial file is a media item), frame links
 *    resolve, and sidecars that exist parse and match their row;
 *  - no job has more than one generated media row (ingest is idempotent).
 * At the end one more start finishes everything (job_wait), and then every job is succeeded, failed or canceled;
 * every Replicate job was created at the provider at most once (exactly once when it succeeded) — prompts are
 * unique per job, so the fake's create log maps to jobs; succeeded voice jobs kept their dialogue line.
 *
 * CRASH_ITERATIONS (default 50) and CRASH_SEED replay or extend the loop (scripts/nightly-crash-loop.sh).
 */

const ITERATIONS = Number(process.env.CRASH_ITERATIONS ?? 50);
const SEED = Number(process.env.CRASH_SEED ?? 6006);
/** Longest wait before the kill, after the work was fired (ms). */
const MAX_KILL_MS = Number(process.env.CRASH_MAX_KILL_MS ?? 1600);

interface Kill {
  iteration: number;
  afterMs: number;
  check: StudioCheck;
}

describe('crash loop: SIGKILL at random moments during generation and rendering', () => {
  let fake: ReplicateFake;
  let home: string;
  let env: Record<string, string>;
  const kills: Kill[] = [];
  const strays: number[] = [];
  const seenNonTerminal = new Set<string>();
  let sceneId = '';
  const shots: string[] = [];

  beforeAll(async () => {
    fake = await startReplicateFake();
    const dir = tempDir('studio-crash-fix-');
    const clip = path.join(dir, 'clip.mp4');
    await testClip(clip);
    fake.setScenario({ outputUrls: [fake.addOutput('clip.mp4', fs.readFileSync(clip), 'video/mp4')], pollsBeforeDone: 4 });
    home = tempDir('studio-crash-');
    env = { REPLICATE_API_TOKEN: 'r8_CRASHLOOP_0123456789', REPLICATE_BASE_URL: fake.url, STUDIO_POLL_INTERVAL_MS: '40', STUDIO_WAIT_SECONDS: '0' };

    // A scene with two shots that already have takes, so renders have something to render from the first kill on.
    const s = await spawnServer(home, env);
    const scene = (await call(s.client, 'scene_create', { title: 'crash' })) as { scene: { scene_id: string } };
    sceneId = scene.scene.scene_id;
    for (let i = 0; i < 2; i++) {
      const shot = (await call(s.client, 'shot_create', { scene_id: sceneId, prompt: `setup ${i}`, duration: 1, params: { resolution: '360p', fps: 12 } })) as {
        shot: { shot_id: string };
      };
      shots.push(shot.shot.shot_id);
      await call(s.client, 'video_generate', { shot_id: shot.shot.shot_id, wait: true });
    }
    await s.client.close();
  });

  afterAll(async () => {
    await fake.close();
  });

  it(
    `survives ${ITERATIONS} SIGKILLs with the studio intact after each`,
    async () => {
      const random = rng(SEED);
      for (let i = 0; i < ITERATIONS; i++) {
        const s = await spawnServer(home, env);
        const pending: Promise<unknown>[] = [];
        const fire = (name: string, args: Record<string, unknown>): void => {
          pending.push(s.client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 }).catch(() => undefined));
        };
        // The mix: what runs at the moment of the kill varies with the random delay and with what resumes.
        fire('video_generate', {
          model: 'replicate/bytedance/seedance-1-lite',
          shot_id: shots[0],
          prompt: `crash ${i} replicate`,
          duration: 5,
          resolution: '480p',
          fps: 24,
          wait: false,
        });
        // Local work is CPU-bound and is redone from the start when resumed, so not every kind every time: a backlog
        // would only make the final drain slow.
        if (random() < 0.6)
          fire('video_generate', {
            model: 'local/animatic',
            shot_id: shots[1],
            prompt: `crash ${i} local`,
            duration: 1,
            resolution: '360p',
            fps: 12,
            wait: false,
          });
        if (random() < 0.4) fire('voice_tts', { shot_id: shots[1], text: `crash ${i} line`, wait: false });
        if (random() < 0.5) fire('render_scene', { scene_id: sceneId, force: true });
        const afterMs = Math.floor(random() * MAX_KILL_MS);
        await new Promise((r) => setTimeout(r, afterMs));
        process.kill(s.pid, 'SIGKILL');
        await s.client.close().catch(() => undefined);
        await Promise.all(pending);
        // ffmpeg children of the dead server: counted (they die on their broken pipes), then reaped so CI stays fast.
        for (const pid of strayProcesses(home)) {
          strays.push(pid);
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        const check = checkStudio(home);
        for (const j of check.jobs) if (!['succeeded', 'failed', 'canceled'].includes(j.status)) seenNonTerminal.add(j.id);
        kills.push({ iteration: i, afterMs, check });
        const problems = [
          ...(check.integrity === 'ok' ? [] : [`integrity: ${check.integrity}`]),
          ...(check.foreignKeyViolations ? [`${check.foreignKeyViolations} foreign key violations`] : []),
          ...check.badMedia,
          ...check.danglingFrames,
          ...check.badSidecars,
          ...[...check.generatedPerJob.entries()].filter(([, n]) => n > 1).map(([j, n]) => `job ${j} has ${n} generated media rows`),
        ];
        expect(problems, `after kill ${i} at +${afterMs} ms (seed ${SEED})`).toEqual([]);
      }
    },
    Math.max(600_000, ITERATIONS * 5_000),
  );

  it('after a final restart every job ends succeeded, failed or canceled; nothing was submitted twice', async () => {
    const s = await spawnServer(home, env);
    const listed = (await call(s.client, 'job_list', { limit: 500, detail: 'full' })) as { jobs: { job_id: string; done: boolean }[] };
    for (const j of listed.jobs.filter((x) => !x.done)) await call(s.client, 'job_wait', { job_id: j.job_id, timeout_seconds: 60 });
    await s.client.close();
    const check = checkStudio(home);

    const nonTerminal = check.jobs.filter((j) => !['succeeded', 'failed', 'canceled'].includes(j.status));
    expect(nonTerminal.map((j) => `${j.id} ${j.status}`)).toEqual([]);

    // The fake's create log, keyed by the unique prompt of each job.
    const creates = new Map<string, number>();
    for (const r of byRoute(fake.requests, 'create')) {
      const prompt = ((r.json as { input?: { prompt?: string } } | undefined)?.input?.prompt ?? '').trim();
      creates.set(prompt, (creates.get(prompt) ?? 0) + 1);
    }
    const twice = [...creates.entries()].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    const replicateJobs = check.jobs.filter((j) => j.model.startsWith('replicate/'));
    for (const j of replicateJobs.filter((x) => x.status === 'succeeded')) expect(creates.get(j.prompt ?? ''), `creates of ${j.id}`).toBe(1);
    for (const j of replicateJobs) expect(creates.get(j.prompt ?? '') ?? 0).toBeLessThanOrEqual(1);

    // Each succeeded job has exactly its one output; a succeeded voice line for a shot is still attached to it.
    const bad: string[] = [];
    for (const j of check.jobs.filter((x) => x.status === 'succeeded')) {
      if ((check.generatedPerJob.get(j.id) ?? 0) !== 1) bad.push(`${j.id}: ${check.generatedPerJob.get(j.id) ?? 0} outputs`);
    }
    expect(bad).toEqual([]);
    expect(check.integrity).toBe('ok');
    expect(check.badMedia).toEqual([]);

    const resumed = [...seenNonTerminal].filter((id) => check.jobs.find((j) => j.id === id)?.status === 'succeeded').length;
    const byStatus: Record<string, number> = {};
    for (const j of check.jobs) byStatus[j.status] = (byStatus[j.status] ?? 0) + 1;
    const lostLines = check.jobs.filter((j) => j.status === 'succeeded' && j.attach && !isAttached(check, j.id)).length;
    process.stdout.write(
      `crash loop: ${kills.length} kills (seed ${SEED}), kill delays ${Math.min(...kills.map((k) => k.afterMs))}-${Math.max(...kills.map((k) => k.afterMs))} ` +
        `ms; jobs ${JSON.stringify(byStatus)}; ` +
        `interrupted and later succeeded: ${resumed}; replicate creates ${[...creates.values()].reduce((a, b) => a + b, 0)} for ${replicateJobs.length} ` +
        `jobs; ` +
        `media rows ${check.mediaRows}; orphan files ${check.orphanFiles}; missing sidecars ${check.missingSidecars}; stray ffmpeg ${strays.length}; lost ` +
        `dialogue lines ${lostLines}\n`,
    );
    expect(lostLines).toBe(0);
    // Sidecars a kill left unwritten were repaired when the server started again.
    expect(check.missingSidecars).toBe(0);
    // Failed jobs may only be the ones killed while being submitted (never re-submitted: that could pay twice).
    const failedWhy = check.jobs.filter((j) => j.status === 'failed').map((j) => j.error ?? '');
    process.stdout.write(`crash loop failed jobs: ${JSON.stringify(failedWhy)}\n`);
    for (const why of failedWhy) expect(why).toMatch(/stopped while this job was being submitted/);
  }, 300_000);

  it('ffmpeg children of a killed server exit on their own (broken pipes) instead of running on', async () => {
    const s = await spawnServer(home, env);
    const shot = (await call(s.client, 'shot_create', { scene_id: sceneId, prompt: 'long', duration: 8 })) as { shot: { shot_id: string } };
    void s.client.callTool({ name: 'video_generate', arguments: { shot_id: shot.shot.shot_id, resolution: '720p', fps: 30 } }).catch(() => undefined);
    const start = Date.now();
    while (strayProcesses(home).length === 0 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(strayProcesses(home).length).toBeGreaterThan(0); // ffmpeg is running for it
    process.kill(s.pid, 'SIGKILL');
    await s.client.close().catch(() => undefined);
    // They notice on their next write to the dead server's pipes (well under a second when idle; allow for load).
    const killedAt = Date.now();
    while (strayProcesses(home).length > 0 && Date.now() - killedAt < 5000) await new Promise((r) => setTimeout(r, 50));
    const left = strayProcesses(home);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    expect(left).toEqual([]);
    // Leave the folder consistent for anything after: finish the job in a last run.
    const again = await spawnServer(home, env);
    const jobs = (await call(again.client, 'job_list', { limit: 5, detail: 'full' })) as { jobs: { job_id: string; done: boolean }[] };
    for (const j of jobs.jobs.filter((x) => !x.done)) await call(again.client, 'job_wait', { job_id: j.job_id, timeout_seconds: 60 });
    await again.client.close();
    expect(checkStudio(home).integrity).toBe('ok');
  });
});

/** Whether the generated media of a job is a dialogue line of a shot. */
function isAttached(check: StudioCheck, jobId: string): boolean {
  return (check.mediaByJob.get(jobId) ?? []).some((m) => check.audioMedia.has(m));
}
