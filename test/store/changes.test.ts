import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGES_CHANNEL, decodeNotice, encodeNotices, type ChangeNotice } from '../../src/store/changes.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';
import { freshDatabase, postgresSkipReason } from '../helpers/pg-test-db.js';

/** Change notices between processes on one database (Postgres LISTEN/NOTIFY), and their wire shape. */
describe('change notices: the payload', () => {
  it('carries URIs only, split under the 8000-byte NOTIFY limit, the list change said once', () => {
    const uris = Array.from({ length: 400 }, (_, i) => `studio://scenes/scn_${String(i).padStart(16, '0')}`);
    const payloads = encodeNotices({ origin: 'host:1:abc', listChanged: true, uris });
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    const back = payloads.map((p) => decodeNotice(p) as ChangeNotice);
    expect(back.flatMap((n) => n.uris)).toEqual(uris);
    expect(back.map((n) => n.listChanged)).toEqual([true, ...Array(payloads.length - 1).fill(false)]);
    expect(back.every((n) => n.origin === 'host:1:abc')).toBe(true);
  });

  it("ignores another program's payloads on the channel", () => {
    expect(decodeNotice('hello')).toBeUndefined();
    expect(decodeNotice('{"o":1,"u":[]}')).toBeUndefined();
    expect(decodeNotice('{"o":"x","u":[2]}')).toBeUndefined();
  });
});

const skip = postgresSkipReason();

describe.skipIf(skip !== undefined)(`change notices on Postgres${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const stores: Store[] = [];
  const harnesses: Harness[] = [];
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    for (const h of harnesses) await h.close();
    for (const s of stores) await s.close();
    await db?.drop();
  });
  const store = (): Store => {
    const s = openStore(tempDir('studio-changes-'), { databaseUrl: db.url });
    stores.push(s);
    return s;
  };
  const until = async (cond: () => boolean, ms = 10_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it('a notice published in a transaction arrives at commit; a rolled-back one never does', async () => {
    const [a, b] = [store(), store()];
    const heard: ChangeNotice[] = [];
    await b.changes.subscribe(
      (n) => heard.push(n),
      () => undefined,
    );
    await expect(
      a.tx(async () => {
        await a.films.create({ title: 'never' });
        await a.changes.publish({ origin: 'a', listChanged: true, uris: ['studio://films/rolled-back'] });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await a.tx(async () => {
      const f = await a.films.create({ title: 'kept' });
      await a.changes.publish({ origin: 'a', listChanged: true, uris: [`studio://films/${f.film_id}`] });
      // Not yet: the transaction has not committed.
      await new Promise((r) => setTimeout(r, 50));
      expect(heard).toEqual([]);
    });
    await until(() => heard.length === 1);
    expect(heard[0]?.uris[0]).toMatch(/^studio:\/\/films\/flm_/);
    await new Promise((r) => setTimeout(r, 50));
    expect(heard.some((n) => n.uris.includes('studio://films/rolled-back'))).toBe(false);
  });

  it('the listener connection comes back after the server drops it, says so, and hears again', async () => {
    const [a, b] = [store(), store()];
    const heard: string[] = [];
    let reconnects = 0;
    await b.changes.subscribe(
      (n) => heard.push(...n.uris),
      () => reconnects++,
    );
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`, [
        `LISTEN ${CHANGES_CHANNEL}`,
      ]);
      expect(killed.rowCount).toBeGreaterThanOrEqual(1);
    } finally {
      await admin.end();
    }
    await until(() => reconnects >= 1);
    await a.changes.publish({ origin: 'a', listChanged: false, uris: ['studio://scenes/after-reconnect'] });
    await until(() => heard.includes('studio://scenes/after-reconnect'));
  });

  it('a change made through one studio reaches the subscribers of another as `updated` (latency printed)', async () => {
    const [a, b] = [await startHarness({ env: { STUDIO_DATABASE_URL: db.url } }), await startHarness({ env: { STUDIO_DATABASE_URL: db.url } })];
    harnesses.push(a, b);
    await Promise.all([a.studio.ready(), b.studio.ready()]);
    const scene = ((await b.call('scene_create', { title: 'watched' })) as { scene: { scene_id: string } }).scene.scene_id;
    const uri = `studio://scenes/${scene}`;
    const arrivals: number[] = [];
    let listChanges = 0;
    a.studio.events.on('updated', (u) => {
      if (u === uri) arrivals.push(performance.now());
    });
    a.studio.events.on('listChanged', () => listChanges++);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = arrivals.length;
      const t0 = performance.now();
      await b.call('scene_update', { scene_id: scene, title: `watched ${i}` });
      await until(() => arrivals.length > before);
      latencies.push((arrivals[before] as number) - t0);
    }
    await b.call('shot_create', { scene_id: scene, prompt: 'x' });
    await until(() => arrivals.length > 20);
    // Something created through B changes the resource list A's clients see.
    const lists = listChanges;
    await b.call('film_create', { title: 'new in B' });
    await until(() => listChanges > lists);
    // B's own changes are not heard twice: one local `updated` per change.
    const own: string[] = [];
    b.studio.events.on('updated', (u) => own.push(u));
    await b.call('scene_update', { scene_id: scene, title: 'once' });
    await new Promise((r) => setTimeout(r, 100));
    expect(own.filter((u) => u === uri)).toHaveLength(1);
    const sorted = [...latencies].sort((x, y) => x - y);
    const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
    process.stdout.write(`cross-studio change (tool call through B → updated on A): p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms\n`);
    expect(latencies).toHaveLength(20);
  }, 60_000);
});
