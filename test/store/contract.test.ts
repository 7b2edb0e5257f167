import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import type { JobRequest, NewJob } from '../../src/store/jobs.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import type { MediaRecord } from '../../src/store/media.js';
import { tempDir } from '../helpers/harness.js';
import { freshDatabase, postgresSkipReason } from '../helpers/pg-test-db.js';

/**
 * The store contract: what every engine behind `Store` must do, run against SQLite always and against Postgres when
 * STUDIO_TEST_DATABASE_URL is set. "Two stores" are two independent connections to the same records, as two
 * processes (or replicas) would hold them.
 */
interface Backend {
  /** A new store over the backend's records (each call: another connection, as another process would open). */
  open(): Store;
}

const pgSkip = postgresSkipReason();

const backends: { name: string; skip?: string | undefined; setup: () => Promise<{ backend: Backend; teardown: () => Promise<void> }> }[] = [
  {
    name: 'sqlite',
    setup: async () => {
      const home = tempDir('studio-contract-');
      return { backend: { open: () => openStore(home) }, teardown: async () => undefined };
    },
  },
  {
    name: 'postgres',
    skip: pgSkip,
    setup: async () => {
      const db = await freshDatabase();
      return { backend: { open: () => openStore(tempDir('studio-contract-pg-'), { databaseUrl: db.url }) }, teardown: db.drop };
    },
  },
];

const request = (over: Partial<JobRequest> = {}): JobRequest => ({
  model: 'local/still',
  fields: {},
  media_fields: [],
  input_params: {},
  character_id: null,
  shot_id: null,
  parent_media_id: null,
  take_kind: null,
  start_frame_used: null,
  end_frame_used: null,
  reference_images_used: [],
  warnings: [],
  ...over,
});

const newJob = (over: Partial<JobRequest> = {}, owner = 'host:1:a'): NewJob => ({
  tool: 'image_generate',
  provider: 'local',
  model: 'local/still',
  request: request(over),
  owner,
  leaseMs: 60_000,
});

let mediaSeq = 0;
const media = (over: Partial<MediaRecord> = {}): MediaRecord => {
  const id = `med_contract_${++mediaSeq}_${Date.now()}`;
  return {
    media_id: id,
    type: 'video',
    origin: 'imported',
    provider: null,
    model: null,
    input_params: { a: [1, 2] },
    character_id: null,
    shot_id: null,
    take_number: null,
    start_frame_used: null,
    end_frame_used: null,
    reference_images_used: ['x'],
    file_path: `media/video/${id}.mp4`,
    mime: 'video/mp4',
    bytes: 3_000_000_000,
    sha256: 'f'.repeat(64),
    duration: 5.041666666666667,
    width: 1280,
    height: 720,
    fps: 24,
    has_audio: true,
    job_id: null,
    provider_request_id: null,
    parent_media_id: null,
    first_frame_id: null,
    last_frame_id: null,
    extra: { nested: { k: 'v' } },
    timestamp: new Date().toISOString(),
    ...over,
  };
};

for (const b of backends) {
  describe.skipIf(b.skip !== undefined)(`store contract on ${b.name}${b.skip ? ` (skipped: ${b.skip})` : ''}`, () => {
    let backend: Backend;
    let teardown: () => Promise<void>;
    let a: Store;
    let c: Store;

    beforeAll(async () => {
      ({ backend, teardown } = await b.setup());
      a = backend.open();
      c = backend.open();
      await Promise.all([a.ready(), c.ready()]);
    }, 60_000);
    afterAll(async () => {
      await a?.close();
      await c?.close();
      await teardown?.();
    });

    it('round-trips every kind of column: JSON, booleans, reals, integers past 2^31 as numbers', async () => {
      const m = media();
      await a.media.insert(m);
      expect(await c.media.get(m.media_id)).toEqual(m);
      const job = await a.jobs.create(newJob({ cost_usd: 0.25 }));
      const read = await c.jobs.get(job.job_id);
      expect(typeof read?.lease_until).toBe('number');
      expect(read?.lease_until).toBeGreaterThan(2 ** 31);
      expect(read?.cancel_requested).toBe(false);
      expect(read?.request.cost_usd).toBe(0.25);
    });

    it('keeps shot positions dense through insert-at, delete and reorder', async () => {
      const scene = await a.scenes.create({ title: 'positions' });
      const s0 = await a.shots.create(scene.scene_id, { title: '0' });
      const s1 = await a.shots.create(scene.scene_id, { title: '1' });
      const mid = await a.shots.create(scene.scene_id, { title: 'mid', position: 1 });
      expect((await c.shots.listByScene(scene.scene_id)).map((s) => [s.shot_id, s.position])).toEqual([
        [s0.shot_id, 0],
        [mid.shot_id, 1],
        [s1.shot_id, 2],
      ]);
      expect(await c.shots.delete(s0.shot_id)).toBe(true);
      expect((await c.shots.listByScene(scene.scene_id)).map((s) => s.position)).toEqual([0, 1]);
      await a.shots.reorder(scene.scene_id, [s1.shot_id, mid.shot_id]);
      expect((await c.shots.listByScene(scene.scene_id)).map((s) => s.shot_id)).toEqual([s1.shot_id, mid.shot_id]);
      expect((await c.shots.previous((await c.shots.get(mid.shot_id)) as never))?.shot_id).toBe(s1.shot_id);
    });

    it('two stores creating shots in one scene at once end with positions 0..n-1, each once', async () => {
      const scene = await a.scenes.create({ title: 'race' });
      const n = 24;
      await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? a : c).shots.create(scene.scene_id, { title: `s${i}` })));
      const positions = (await a.shots.listByScene(scene.scene_id)).map((s) => s.position);
      expect(positions).toEqual(Array.from({ length: n }, (_, i) => i));
    });

    it('two stores inserting at the front at once keep positions dense', async () => {
      const scene = await a.scenes.create({ title: 'front' });
      await a.shots.create(scene.scene_id, { title: 'last' });
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : c).shots.create(scene.scene_id, { title: `f${i}`, position: 0 })));
      const shots = await c.shots.listByScene(scene.scene_id);
      expect(shots.map((s) => s.position)).toEqual(Array.from({ length: 11 }, (_, i) => i));
      expect(shots[10]?.title).toBe('last');
    });

    it('two stores adding takes to one shot at once get take numbers 1..n, each once, the last one current', async () => {
      const scene = await a.scenes.create({ title: 'takes' });
      const shot = await a.shots.create(scene.scene_id, {});
      const items = Array.from({ length: 12 }, () => media());
      for (const m of items) await a.media.insert(m);
      const takes = await Promise.all(items.map((m, i) => (i % 2 ? a : c).shots.addTake(shot.shot_id, m.media_id, 'generated')));
      expect(takes.map((t) => t.take_number).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      const current = (await c.shots.get(shot.shot_id))?.current_take_id;
      const newest = (await c.shots.takes(shot.shot_id)).at(-1);
      expect(newest?.take_number).toBe(12);
      expect(takes.map((t) => t.take_id)).toContain(current);
    });

    it('never creates jobs past the budget, however many stores ask at once', async () => {
      const before = await a.jobs.spentUsd();
      const budget = before + 1.0;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : c).jobs.createWithinBudget(newJob({ cost_usd: 0.3 }), budget)));
      const made = results.filter((r) => 'job' in r);
      expect(made).toHaveLength(3);
      expect(results.filter((r) => 'refused' in r)).toHaveLength(7);
      expect(await c.jobs.spentUsd()).toBeCloseTo(before + 0.9, 9);
      // A refused call is told what was spent when it was refused (never more than the budget).
      for (const r of results) if ('refused' in r) expect(r.refused.spentUsd).toBeLessThanOrEqual(budget);
    });

    it('counts failed jobs that reached the provider (an operation id) in the spend, and not those that never did', async () => {
      const before = await a.jobs.spentUsd();
      const reached = await a.jobs.create(newJob({ cost_usd: 0.5 }));
      await a.jobs.setStatus(reached.job_id, 'running', { operation_id: 'op-1' });
      await a.jobs.fail(reached.job_id, { code: 'provider_error', message: 'x' });
      const never = await a.jobs.create(newJob({ cost_usd: 0.7 }));
      await a.jobs.fail(never.job_id, { code: 'canceled', message: 'x' }, 'canceled');
      expect(await c.jobs.spentUsd()).toBeCloseTo(before + 0.5, 9);
    });

    it('never reopens a finished job: a late status write from another process leaves the row as it ended', async () => {
      const job = await a.jobs.create(newJob({}));
      await a.jobs.setStatus(job.job_id, 'submitting');
      await c.jobs.fail(job.job_id, { code: 'canceled', message: 'canceled by the user' }, 'canceled');
      await a.jobs.setStatus(job.job_id, 'running', { operation_id: 'op-late', message: 'running at the provider' });
      const row = await c.jobs.get(job.job_id);
      expect([row?.status, row?.operation_id, row?.error?.message]).toEqual(['canceled', null, 'canceled by the user']);
    });

    it('a transaction that throws leaves nothing; one that commits is seen by the other store', async () => {
      await expect(
        a.tx(async () => {
          await a.films.create({ title: 'rolled back' });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await c.films.list()).some((f) => f.title === 'rolled back')).toBe(false);
      await a.tx(async () => {
        await a.films.create({ title: 'committed' });
      });
      expect((await c.films.list()).some((f) => f.title === 'committed')).toBe(true);
    });

    it('claims an orphaned job once, whichever store asks first', async () => {
      const job = await a.jobs.create({ ...newJob({}, 'dead-host:1:x'), leaseMs: -1000 });
      const now = Date.now();
      expect((await c.jobs.orphaned(now, 'me')).map((j) => j.job_id)).toContain(job.job_id);
      const claims = await Promise.all([a.jobs.claim(job.job_id, 'p1', 60_000, now), c.jobs.claim(job.job_id, 'p2', 60_000, now)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const owner = (await a.jobs.get(job.job_id))?.owner;
      expect(['p1', 'p2']).toContain(owner);
      // A dead owner's lease is ended so the claim can succeed; another owner's is left alone.
      const held = await a.jobs.create(newJob({}, 'live-host:2:y'));
      await c.jobs.expireLease(held.job_id, 'someone-else');
      expect((await a.jobs.get(held.job_id))?.lease_until).toBeGreaterThan(now);
      await c.jobs.expireLease(held.job_id, 'live-host:2:y');
      expect((await a.jobs.get(held.job_id))?.lease_until).toBe(0);
    });

    it("finds a shot's unfinished jobs and the failed bridge jobs whose shot is still empty", async () => {
      const scene = await a.scenes.create({ title: 'bridges' });
      const shot = await a.shots.create(scene.scene_id, {});
      const running = await a.jobs.create(newJob({ shot_id: shot.shot_id }));
      expect((await c.jobs.unfinishedForShot(shot.shot_id)).map((j) => j.job_id)).toEqual([running.job_id]);
      await a.jobs.fail(running.job_id, { code: 'provider_error', message: 'x' });
      expect(await c.jobs.unfinishedForShot(shot.shot_id)).toEqual([]);
      const bridge = await a.jobs.create({ ...newJob({ shot_id: shot.shot_id }), tool: 'video_smooth_transition' });
      await a.jobs.fail(bridge.job_id, { code: 'provider_error', message: 'x' });
      expect(await c.jobs.endedWithEmptyShot('video_smooth_transition')).toContain(bridge.job_id);
    });

    it('orders beds and renders made in the same millisecond by insertion', async () => {
      const m = media({ type: 'voice', mime: 'audio/wav', file_path: `media/voice/bed_${Date.now()}.wav` });
      await a.media.insert(m);
      const bed = { target_kind: 'scene' as const, target_id: 'scn_order', media_id: m.media_id, offset_seconds: 0, gain_db: 0, fade_in: 0, fade_out: 0 };
      const ids: string[] = [];
      for (const role of ['music', 'ambience', 'sfx'] as const) ids.push((await a.beds.add({ ...bed, role, loop: false, duck: true })).bed_id);
      expect((await c.beds.list('scene', 'scn_order')).map((x) => x.bed_id)).toEqual(ids);
      const r1 = await a.renders.insert({ kind: 'scene', target_id: 'scn_order', media_id: m.media_id, input_hash: 'h', inputs: [], settings: {}, mode: 'x' });
      const r2 = await c.renders.insert({ kind: 'scene', target_id: 'scn_order', media_id: m.media_id, input_hash: 'h', inputs: [1], settings: {}, mode: 'y' });
      expect((await a.renders.latest('scene', 'scn_order'))?.render_id).toBe(r2.render_id);
      expect((await a.renders.findByHash('scene', 'scn_order', 'h'))?.render_id).toBe(r2.render_id);
      expect((await a.renders.list('scene', 'scn_order')).map((r) => r.render_id)).toEqual([r2.render_id, r1.render_id]);
    });

    it('keeps the first end of a task and upserts cached model schemas', async () => {
      await a.tasks.create({ task_id: 'task_contract', tool: 't', owner: 'o', ttl_ms: 3_600_000, poll_ms: 100, status_message: 'go' });
      expect(await c.tasks.finish('task_contract', { status: 'completed', message: 'done', result: { ok: true } })).toBe(true);
      expect(await a.tasks.finish('task_contract', { status: 'failed', message: 'late' })).toBe(false);
      expect((await a.tasks.get('task_contract'))?.result).toEqual({ ok: true });
      await a.modelCache.put('replicate/x/y', 'v1', '{"a":1}');
      await c.modelCache.put('replicate/x/y', 'v2', '{"a":2}');
      expect(await a.modelCache.capabilities()).toContain('{"a":2}');
    });

    it('keeps 2025-era MCP sessions: subscriptions once each, a newer last_seen never overwritten, idle and gone ones forgotten', async () => {
      const id = `sess_${b.name}`;
      await a.sessions.create({ session_id: id, protocol_version: '2025-06-18', client_info: { name: 'c', version: '1' }, client_capabilities: { roots: {} } });
      await c.sessions.subscribe(id, 'studio://films');
      await a.sessions.subscribe(id, 'studio://films');
      await a.sessions.subscribe(id, 'studio://scenes/scn_1');
      await c.sessions.unsubscribe(id, 'studio://scenes/scn_1');
      await c.sessions.setLogLevel(id, 'warning');
      await a.sessions.subscribe('sess_missing', 'studio://films');
      const got = await c.sessions.get(id);
      expect(got).toMatchObject({
        session_id: id,
        protocol_version: '2025-06-18',
        client_info: { name: 'c', version: '1' },
        client_capabilities: { roots: {} },
        log_level: 'warning',
        subscriptions: ['studio://films'],
      });
      expect(await a.sessions.get('sess_missing')).toBeUndefined();
      const seen = got?.last_seen ?? 0;
      await a.sessions.touch(id, seen + 5000);
      await c.sessions.touch(id, seen + 1000);
      expect((await a.sessions.get(id))?.last_seen).toBe(seen + 5000);
      // A process that last wrote seen+1000 lets the session go idle: another wrote later, so the record stays.
      expect(await c.sessions.deleteIdle(id, seen + 1000)).toBe(false);
      expect(await a.sessions.expire(seen + 5000)).toBe(0);
      expect(await a.sessions.expire(seen + 5001)).toBe(1);
      expect(await c.sessions.get(id)).toBeUndefined();
      await a.sessions.create({ session_id: id, protocol_version: '2025-03-26', client_info: {}, client_capabilities: {} });
      expect((await c.sessions.get(id))?.subscriptions).toEqual([]);
      await c.sessions.subscribe(id, 'studio://films');
      expect(await a.sessions.delete(id)).toBe(true);
      expect(await a.sessions.delete(id)).toBe(false);
    });

    it('reads its own writes inside a transaction while the other store waits for the commit', async () => {
      const film = await a.films.create({ title: 'before' });
      let inside = '';
      await a.tx(async () => {
        await a.films.update(film.film_id, { title: 'during' });
        inside = (await a.films.get(film.film_id))?.title ?? '';
      });
      expect(inside).toBe('during');
      expect((await c.films.get(film.film_id))?.title).toBe('during');
    });
  });
}

describe('an embedded studio made before the store seam', () => {
  it('keeps its rows, records the migrations it had, and gains the new columns with their values', async () => {
    const home = tempDir('studio-legacy-');
    const db = new Database(path.join(home, 'studio.db'));
    // The schema as PRAGMA user_version recorded it: the first six migrations.
    for (const m of MIGRATIONS.slice(0, 6)) db.exec(typeof m === 'string' ? m : m.sql);
    db.pragma('user_version = 6');
    const req = JSON.stringify(request({ shot_id: 'sht_legacy', cost_usd: 1.25 }));
    db.prepare(
      `INSERT INTO jobs (id, tool, provider, model, status, request, owner, lease_until, created_at, updated_at) VALUES ('job_legacy', 't', 'local', ` +
        `'local/still', 'running', ?, 'o', 1, '2026-01-01', '2026-01-01')`,
    ).run(req);
    db.close();

    const store = openStore(home);
    try {
      expect((await store.jobs.unfinishedForShot('sht_legacy')).map((j) => j.job_id)).toEqual(['job_legacy']);
      expect(await store.jobs.spentUsd()).toBe(1.25);
    } finally {
      await store.close();
    }
    const check = new Database(path.join(home, 'studio.db'), { readonly: true });
    const versions = (check.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
    check.close();
    expect(versions).toEqual(Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
  });
});
