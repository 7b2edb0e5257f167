import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionLost, PostgresSql, readOnly } from '../../src/store/postgres.js';
import { freshDatabase, postgresSkipReason } from '../helpers/pg-test-db.js';

/**
 * The Postgres store rides out a lost connection only where sending the statement again cannot do anything twice:
 * a read, or a statement that never left the process. A write whose connection broke after it was sent may have
 * committed: its error goes to the caller. (test/reliability/faults-distributed.test.ts restarts a whole server.)
 */
describe('which errors and statements are retried', () => {
  it('connection errors: refused, reset, server shutdown or start-up, SQLSTATE class 08, pg dead-client errors', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001']) {
      expect(connectionLost(Object.assign(new Error('x'), { code }))).toBe(true);
    }
    expect(connectionLost(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(connectionLost(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(connectionLost(new Error('timeout exceeded when trying to connect'))).toBe(true);
    // The SQL's own errors are not.
    for (const code of ['23505', '42P01', '40001', '57014']) expect(connectionLost(Object.assign(new Error('x'), { code }))).toBe(false);
    expect(connectionLost(new Error('syntax error'))).toBe(false);
    expect(connectionLost(undefined)).toBe(false);
  });

  it('read-only: a plain SELECT; not a write, NOTIFY, a lock, a sequence, a row lock or SELECT INTO', () => {
    expect(readOnly('SELECT * FROM jobs WHERE id = ?')).toBe(true);
    expect(readOnly('  select count(*) AS n FROM media')).toBe(true);
    for (const sql of [
      'UPDATE jobs SET lease_until = ? WHERE id = ?',
      'INSERT INTO media (id) VALUES (?)',
      'DELETE FROM shots WHERE id = ?',
      'SELECT pg_notify(?, ?)',
      'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
      "SELECT nextval('s')",
      'SELECT * FROM jobs WHERE id = ? FOR UPDATE',
      'SELECT * INTO copy FROM jobs',
      'WITH x AS (DELETE FROM jobs RETURNING *) SELECT * FROM x',
    ]) {
      expect(readOnly(sql), sql).toBe(false);
    }
  });
});

const skip = postgresSkipReason();
describe.skipIf(skip !== undefined)(`a connection killed under a statement${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: { url: string; drop: () => Promise<void> };
  let sql: PostgresSql;
  let admin: pg.Client;

  beforeAll(async () => {
    db = await freshDatabase();
    sql = new PostgresSql(db.url, { retryMs: 10_000 });
    await sql.whenReady();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('CREATE TABLE retry_probe (n integer)');
  });
  afterAll(async () => {
    await sql?.close();
    await admin?.end();
    await db?.drop();
  });

  /** Terminate the server process running a statement that contains `marker` (as a restart or failover would). */
  async function kill(marker: string): Promise<void> {
    for (;;) {
      const r = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()', [
        `%${marker}%`,
      ]);
      if (r.rows.some((row: { ok: boolean }) => row.ok)) return;
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  it('a read is sent again on a new connection and answers', async () => {
    const read = sql.get<{ n: number }>("SELECT 42 AS n, 'read-probe' AS tag FROM pg_sleep(1)");
    await kill('read-probe');
    expect(await read).toEqual({ n: 42, tag: 'read-probe' });
  });

  it('a write is not sent again: the caller gets the error, and the row is there at most once', async () => {
    // Its outcome is taken at once: the error may arrive before kill() returns.
    const write = sql.run("INSERT INTO retry_probe SELECT 1 FROM pg_sleep(1) WHERE 'write-probe' <> ''").then(
      () => undefined,
      (err: unknown) => err,
    );
    await kill('write-probe');
    expect(await write).toMatchObject({ code: '57P01' });
    const rows = await admin.query('SELECT count(*)::int AS n FROM retry_probe');
    expect(rows.rows[0]).toEqual({ n: 0 });
    // The pool replaced the dead connection: the next statement works.
    expect(await sql.run('INSERT INTO retry_probe VALUES (2)')).toBe(1);
  });
});
