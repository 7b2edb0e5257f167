import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/**
 * Open (creating if needed) the studio database: WAL so readers never block the writer and several processes can
 * share one studio folder; synchronous=FULL so a committed row survives a power cut; a busy timeout so a second
 * process waits for the lock instead of surfacing SQLITE_BUSY to an agent.
 */
export function openDatabase(home: string): Db {
  fs.mkdirSync(home, { recursive: true });
  const db = new Database(path.join(home, 'studio.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  // BEGIN IMMEDIATE: two processes starting at once must not both apply migration N.
  const apply = db.transaction(() => {
    const current = Number(db.pragma('user_version', { simple: true }));
    for (let i = current; i < MIGRATIONS.length; i++) {
      db.exec(MIGRATIONS[i] ?? '');
      db.pragma(`user_version = ${i + 1}`);
    }
  });
  apply.immediate();
}
