import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { applyMigrations } from './migrate.js';
import { StoreClosedError, type Sql, type SqlValue } from './sql.js';

/** The holder of the connection while a transaction is open; `open` goes false when it ends. */
interface TxToken {
  open: boolean;
}

/** Who holds a database file's write transaction in this process, and who waits for it. */
interface Gate {
  holder: TxToken | null;
  waiters: (() => void)[];
}

/**
 * One gate per database file, shared by every connection this process opens on it: a second connection's write
 * would otherwise wait on SQLite's lock with the event loop blocked (busy_timeout), and the transaction holding the
 * lock could never get the turn to commit.
 */
const gates = new Map<string, Gate>();

/**
 * The embedded engine: one better-sqlite3 connection to `<home>/studio.db`. WAL so readers never block the writer
 * and several processes can share one studio folder; synchronous=FULL so a committed row survives a power cut; a
 * busy timeout so a second process waits for the lock instead of surfacing SQLITE_BUSY to an agent.
 *
 * better-sqlite3 is synchronous, so one query never interleaves with another; a transaction spans awaits, though,
 * so while one is open every query from outside it waits (an in-process mutex), and the transaction's own queries
 * (recognised through AsyncLocalStorage) pass. BEGIN IMMEDIATE makes other processes wait for it too.
 */
export class SqliteSql implements Sql {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly scope = new AsyncLocalStorage<TxToken>();
  private readonly gate: Gate;
  private readonly ready: Promise<void>;

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const key = path.resolve(file);
    this.gate = gates.get(key) ?? { holder: null, waiters: [] };
    gates.set(key, this.gate);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 10000');
    // Started synchronously inside one BEGIN IMMEDIATE transaction: it holds the connection before any other call
    // can ask for it, and two processes opening one studio at once apply each migration once.
    this.ready = this.tx(() =>
      applyMigrations({ sql: this, exec: (script) => this.exec(script), schema: (sql) => sql, legacyVersion: () => this.legacyVersion() }),
    ).then(() => undefined);
    // Surfaced by every later call (turn() awaits it); never an unhandled rejection in between.
    this.ready.catch(() => undefined);
  }

  /** Resolves when the schema is current; rejects with the migration's error. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  get closed(): boolean {
    return !this.db.open;
  }

  /** The schema version recorded by PRAGMA user_version before migrations moved to the `schema_migrations` table. */
  private legacyVersion(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  private inTx(): boolean {
    const t = this.scope.getStore();
    return t?.open === true && t === this.gate.holder;
  }

  /** Wait until no transaction of another caller holds the connection. */
  private async turn(): Promise<void> {
    if (this.inTx()) return;
    await this.ready;
    while (this.gate.holder) await this.released();
  }

  /** Resolves when the current holder's transaction ends. */
  private released(): Promise<void> {
    return new Promise<void>((resolve) => this.gate.waiters.push(resolve));
  }

  private stmt(sql: string): Database.Statement {
    if (!this.db.open) throw new StoreClosedError();
    return this.db.prepare(sql);
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    await this.turn();
    return this.stmt(sql).all(...params) as T[];
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    await this.turn();
    return this.stmt(sql).get(...params) as T | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    await this.turn();
    return this.stmt(sql).run(...params).changes;
  }

  /** Several statements without parameters (migrations). */
  async exec(script: string): Promise<void> {
    await this.turn();
    if (!this.db.open) throw new StoreClosedError();
    this.db.exec(script);
  }

  async tx<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTx()) return fn();
    const token: TxToken = { open: true };
    // No await when the connection is free, so a transaction started synchronously (the migrations at open) holds
    // it before anything else can ask for it.
    // Every transaction after the migrations waits for them (theirs starts in the constructor, before `ready` is set).
    if (this.ready) await this.ready;
    while (this.gate.holder) await this.released();
    this.gate.holder = token;
    try {
      if (!this.db.open) throw new StoreClosedError();
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await this.scope.run(token, fn);
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      token.open = false;
      this.gate.holder = null;
      const waiting = this.gate.waiters;
      this.gate.waiters = [];
      for (const w of waiting) w();
    }
  }

  async lock(_key: string): Promise<void> {
    // BEGIN IMMEDIATE already holds the database's one write lock for the whole transaction.
    if (!this.inTx()) throw new Error('lock() outside a transaction');
  }

  async notify(_channel: string, _payload: string): Promise<void> {
    // No other process listens to an embedded studio: its changes are seen by whoever reads the folder next.
  }

  async listen(_channel: string, _onMessage: (payload: string) => void, _onReconnect: () => void): Promise<() => Promise<void>> {
    return async () => undefined;
  }

  async close(): Promise<void> {
    await this.turn().catch(() => undefined);
    if (this.db.open) this.db.close();
  }
}
