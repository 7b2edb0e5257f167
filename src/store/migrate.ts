import { MIGRATIONS, type Migration } from './migrations.js';
import type { Sql } from './sql.js';

/** What a migration run needs from an engine beyond queries: running a script, and how to read its types. */
export interface MigrationTarget {
  sql: Sql;
  /** Run several statements (no parameters). */
  exec(script: string): Promise<void>;
  /** The engine's spelling of the shared schema SQL (identity for SQLite). */
  schema(sql: string): string;
  /** The last migration a studio recorded before the `schema_migrations` table existed (SQLite's user_version). */
  legacyVersion?: () => number;
}

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`;

/**
 * Apply every migration not yet recorded in `schema_migrations`, each in its own transaction with its record, so a
 * crash leaves either both or neither. The caller makes concurrent runs wait (SQLite: BEGIN IMMEDIATE inside each
 * transaction re-reads the table; Postgres: an advisory lock around the whole run).
 */
export async function applyMigrations(target: MigrationTarget, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  const { sql } = target;
  await target.exec(MIGRATIONS_TABLE);
  const legacy = target.legacyVersion?.() ?? 0;
  if (legacy > 0) {
    await sql.tx(async () => {
      const n = await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM schema_migrations`);
      if (Number(n?.n ?? 0) > 0) return;
      const at = new Date().toISOString();
      for (let v = 1; v <= legacy; v++) await sql.run(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, [v, at]);
    });
  }
  let applied = 0;
  for (let i = 0; i < migrations.length; i++) {
    const version = i + 1;
    const m = migrations[i] as Migration;
    const ran = await sql.tx(async () => {
      if (await sql.get<{ version: number }>(`SELECT version FROM schema_migrations WHERE version = ?`, [version])) return false;
      await target.exec(target.schema(typeof m === 'string' ? m : m.sql));
      if (typeof m !== 'string' && sql.dialect === 'sqlite') await target.exec(m.sqliteBackfill);
      await sql.run(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, [version, new Date().toISOString()]);
      return true;
    });
    if (ran) applied++;
  }
  return applied;
}
