import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/index.js';
import { tempDir } from './harness.js';

/**
 * Postgres for tests: STUDIO_TEST_DATABASE_URL names a server (scripts/services-up.sh exports it) whose user may
 * create databases. Each test file gets a fresh database copied from a migrated template (CREATE DATABASE … TEMPLATE,
 * ≈ 60 ms), so files never see each other's rows and none pays for the migrations.
 */
export const TEST_DATABASE_URL = process.env.STUDIO_TEST_DATABASE_URL?.trim() || undefined;

/** Why Postgres tests are skipped, or undefined when they run. With STUDIO_REQUIRE_SERVICES=1 a missing URL fails. */
export function postgresSkipReason(): string | undefined {
  if (TEST_DATABASE_URL) return undefined;
  const reason = 'STUDIO_TEST_DATABASE_URL is not set (scripts/services-up.sh starts a throwaway Postgres and exports it)';
  if (process.env.STUDIO_REQUIRE_SERVICES === '1') throw new Error(`STUDIO_REQUIRE_SERVICES=1 but ${reason}`);
  return reason;
}

/** The template's name changes with the migrations, so a template made by an older checkout is never used. */
const TEMPLATE = `studio_template_m${MIGRATIONS.length}`;
/** Serialises template creation and copies across concurrently running test files. */
const TEMPLATE_LOCK = 0x7374746d706c;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, migrated database; `drop` removes it (call it in afterAll). */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error('no STUDIO_TEST_DATABASE_URL');
  const name = `studio_t_${randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    await c.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE]);
      if (!exists.rowCount) {
        await c.query(`CREATE DATABASE ${TEMPLATE}`);
        const store = openStore(tempDir('studio-pg-template-'), { databaseUrl: withDatabase(TEST_DATABASE_URL as string, TEMPLATE) });
        await store.ready();
        await store.close();
      }
      await c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  return {
    url: withDatabase(TEST_DATABASE_URL, name),
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
