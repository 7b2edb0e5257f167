import type { Sql, SqlValue } from './sql.js';

/**
 * Every table of a studio (migrations.ts), parents before children so the target's foreign keys hold at every
 * insert. `schema_migrations` is not copied: the target's own migrations write it.
 */
export const STUDIO_TABLES = [
  'characters',
  'films',
  'scenes',
  'shots',
  'media',
  'takes',
  'shot_audio',
  'jobs',
  'renders',
  'audio_beds',
  'tasks',
  'model_cache',
] as const;

export type StudioTable = (typeof STUDIO_TABLES)[number];

/** Rows read and written per statement (well below Postgres's 65,535 parameters for the widest table). */
const BATCH = 200;
const COLUMN = /^[a-z_][a-z0-9_]*$/;

/** Rows per table. */
export async function countRows(sql: Sql): Promise<Record<StudioTable, number>> {
  const out = {} as Record<StudioTable, number>;
  for (const t of STUDIO_TABLES) out[t] = Number((await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))?.n ?? 0);
  return out;
}

/**
 * Copy every row of `table` from `from` to `to` in id order, a batch per transaction. A row already in the target
 * (an interrupted run wrote it) is left as it is, so a re-run continues where the last one stopped.
 */
export async function copyTable(from: Sql, to: Sql, table: StudioTable): Promise<number> {
  let after = '';
  let written = 0;
  for (;;) {
    const rows = await from.all<Record<string, SqlValue>>(`SELECT * FROM ${table} WHERE id > ? ORDER BY id LIMIT ${BATCH}`, [after]);
    if (rows.length === 0) return written;
    const columns = Object.keys(rows[0] as Record<string, SqlValue>);
    const bad = columns.find((c) => !COLUMN.test(c));
    if (bad) throw new Error(`table ${table} has a column named '${bad}', which no studio migration makes`);
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const params = rows.flatMap((r) => columns.map((c) => r[c] ?? null));
    written += await to.tx(() =>
      to.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')} ON CONFLICT (id) DO NOTHING`, params),
    );
    after = String((rows[rows.length - 1] as Record<string, SqlValue>).id);
  }
}

/** The target's record of a copy in progress or done: which studio it came from. */
export interface MigrationRecord {
  source: string;
  started_at: string;
  finished_at: string | null;
}

const RECORD_TABLE = `CREATE TABLE IF NOT EXISTS studio_migration (id TEXT PRIMARY KEY, source TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT)`;

export async function readMigrationRecord(sql: Sql): Promise<MigrationRecord | undefined> {
  await sql.run(RECORD_TABLE);
  return sql.get<MigrationRecord>(`SELECT source, started_at, finished_at FROM studio_migration WHERE id = 'source'`);
}

/** Claim the target for `source` (before anything is copied); a second claim by the same source keeps the first. */
export async function startMigrationRecord(sql: Sql, source: string): Promise<void> {
  await sql.run(RECORD_TABLE);
  await sql.run(`INSERT INTO studio_migration (id, source, started_at) VALUES ('source', ?, ?) ON CONFLICT (id) DO NOTHING`, [
    source,
    new Date().toISOString(),
  ]);
}

export async function finishMigrationRecord(sql: Sql): Promise<void> {
  await sql.run(`UPDATE studio_migration SET finished_at = ? WHERE id = 'source'`, [new Date().toISOString()]);
}
