import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * Run `fn` on a connection of its own to an embedded studio's SQLite file, as a second process (or a person with
 * the sqlite3 shell) would: for tests that look below the store (integrity, raw rows) or plant rows an older
 * version wrote. The studio code itself never sees a driver.
 */
export function withStudioDb<T>(home: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path.join(home, 'studio.db'));
  db.pragma('busy_timeout = 10000');
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
