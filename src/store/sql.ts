/**
 * The one seam between the repos and a database engine. Repos write portable SQL with `?` placeholders (the
 * Postgres driver numbers them `$1…`) and never see a driver type; each engine implements this interface once
 * (sqlite.ts, postgres.ts).
 */
export type SqlValue = string | number | null;

export type Dialect = 'sqlite' | 'postgres';

export interface Sql {
  readonly dialect: Dialect;
  /** Every row of a query. `T` names the row shape the query selects (numbers come back as numbers on both engines). */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first row, if any. */
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** A write; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Run `fn` in one transaction: every query `fn` makes (however deep, through AsyncLocalStorage) joins it; other
   * callers wait for it to end. A nested call joins the outer transaction.
   */
  tx<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Inside a transaction, serialise with every other transaction that locks the same key until this one ends (a
   * scene's shot positions, a shot's take numbers, the budget). SQLite already serialises writers (BEGIN
   * IMMEDIATE); Postgres takes a transaction-scoped advisory lock.
   */
  lock(key: string): Promise<void>;
  /**
   * Tell every listener on `channel` (Postgres NOTIFY): inside a transaction it is sent at commit and never on
   * rollback. The embedded engine has no listeners: nothing is sent.
   */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Hear `channel` on this store's one listener connection. `onReconnect` runs when that connection came back after
   * a loss (notices sent meanwhile are gone). Resolves to a function that stops listening.
   */
  listen(channel: string, onMessage: (payload: string) => void, onReconnect: () => void): Promise<() => Promise<void>>;
  readonly closed: boolean;
  close(): Promise<void>;
}

/** Thrown by a query made after close (a timer that outlived its studio), so callers can tell it from a SQL error. */
export class StoreClosedError extends Error {
  constructor() {
    super('the studio store is closed');
    this.name = 'StoreClosedError';
  }
}
