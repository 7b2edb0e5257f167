import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { applyMigrations } from './migrate.js';
import { StoreClosedError, type Sql, type SqlValue } from './sql.js';

/** A pooled client lent to one transaction; `open` goes false when the transaction ends. */
interface TxClient {
  client: pg.PoolClient;
  open: boolean;
}

/**
 * Replies typed as the SQLite engine types them: BIGINT (every INTEGER column, COUNT(*)) and NUMERIC (SUM over
 * integers) arrive from pg as strings; the studio's integers are ids of time in milliseconds, byte counts and
 * counters, all far below 2^53, so they are read as numbers.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** The shared schema SQL in Postgres's spelling: SQLite's INTEGER is 64-bit and its REAL 8-byte. */
export function postgresSchema(sql: string): string {
  return sql.replace(/\bINTEGER\b/g, 'BIGINT').replace(/\bREAL\b/g, 'DOUBLE PRECISION');
}

/** `?` placeholders numbered `$1…` (the repos' SQL has no `?` inside string literals; quoted text is skipped anyway). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}

/** A LISTEN target: names only (they are put into SQL as identifiers). */
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

interface Listening {
  channel: string;
  onMessage: (payload: string) => void;
  onReconnect: () => void;
}

/**
 * How long a query waits out an unreachable server before its error reaches the caller: a restart or a managed
 * failover takes seconds to tens of seconds; a job's lease (30 s by default) is renewed every third of that.
 */
export const DB_RETRY_MS = 30_000;
/** How long opening one connection may take before it counts as lost. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Errors of a lost or refused connection (not of the SQL): errno codes, SQLSTATE class 08, and server shutdown or start-up. */
const LOST_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03']);

export function connectionLost(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string' && (LOST_CODES.has(code) || code.startsWith('08'))) return true;
  // pg's own errors for a socket that closed under a query, a client it already knows is dead, or a connection that
  // did not come up within connectionTimeoutMillis (no code).
  return err instanceof Error && /^Connection terminated|is not queryable$|^timeout exceeded when trying to connect/.test(err.message);
}

/** pg refused to send on a client it knew was dead: the statement never left this process. */
function notSent(err: unknown): boolean {
  return err instanceof Error && /is not queryable$/.test(err.message);
}

/**
 * A statement that only reads, and so may be sent again after its connection broke: a plain SELECT, without a
 * function that acts (NOTIFY, advisory locks, sequences) and without row locks or SELECT INTO.
 */
export function readOnly(sql: string): boolean {
  return /^\s*SELECT\b/i.test(sql) && !/\b(pg_notify|pg_advisory\w*|nextval|setval|FOR\s+(UPDATE|SHARE|NO\s+KEY|KEY)|INTO)\b/i.test(sql);
}

/** Every process's migrations serialise on this advisory lock (an arbitrary constant: "studio" in ASCII). */
const MIGRATION_LOCK = 0x73747564696f;

/**
 * Postgres as the system of record (STUDIO_DATABASE_URL=postgres://…): a `pg` pool; a transaction borrows one
 * client and AsyncLocalStorage routes the transaction's queries to it. The schema is migrated once at open, under a
 * session advisory lock so concurrent processes do not race; every query waits for that.
 */
export class PostgresSql implements Sql {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly scope = new AsyncLocalStorage<TxClient>();
  private readonly ready: Promise<void>;
  private isClosed = false;
  /** The one connection that LISTENs for this store, made on the first listen() and remade after a loss. */
  private listener: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly listening = new Set<Listening>();
  private retryTimer: NodeJS.Timeout | undefined;

  /** How long a query keeps retrying while the server is unreachable (see borrow). */
  private readonly retryMs: number;

  constructor(
    private readonly url: string,
    opts: { max?: number; retryMs?: number } = {},
  ) {
    // A server that silently drops packets (a failover, a dead network) must not hang a query forever: connecting
    // gives up after CONNECT_TIMEOUT_MS (then borrow retries it like a refusal), and TCP keepalive finds dead sockets.
    this.pool = new pg.Pool({ connectionString: this.url, types: TYPES, max: opts.max ?? 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    this.retryMs = opts.retryMs ?? DB_RETRY_MS;
    // An idle client that loses its server (a restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.ready = this.migrate();
    // Surfaced by the first query that awaits it; never an unhandled rejection in between.
    this.ready.catch(() => undefined);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Resolves when the schema is current; rejects with the migration's error. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /**
   * Migrate, waiting up to retryMs for a server that is not up yet or restarting (a cluster whose processes start
   * with their database, a failover): each migration commits or rolls back whole and the advisory lock ends with its
   * connection, so a run that lost its connection can start again from the top.
   */
  private async migrate(): Promise<void> {
    const deadline = Date.now() + this.retryMs;
    for (let delay = 250; ; delay = Math.min(2_000, delay * 2)) {
      try {
        return await this.migrateOnce();
      } catch (err) {
        if (!connectionLost(err) || this.isClosed || Date.now() + delay > deadline) throw err;
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private async migrateOnce(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        // The migrations' queries all run on this client, which holds the lock.
        await applyMigrations({ sql: this.migrationSql(client), exec: async (script) => void (await client.query(script)), schema: postgresSchema });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  /** The same interface over the migration's own client (its transactions are BEGIN/COMMIT on that client). */
  private migrationSql(client: pg.PoolClient): Sql {
    const query = async <T>(text: string, params: readonly SqlValue[] = []): Promise<pg.QueryResult<T & pg.QueryResultRow>> =>
      client.query<T & pg.QueryResultRow>(numberPlaceholders(text), [...params]);
    return {
      dialect: 'postgres',
      closed: false,
      all: async <T>(text: string, params?: readonly SqlValue[]) => (await query<T>(text, params)).rows,
      get: async <T>(text: string, params?: readonly SqlValue[]) => (await query<T>(text, params)).rows[0],
      run: async (text, params) => (await query(text, params)).rowCount ?? 0,
      tx: async <T>(fn: () => Promise<T>): Promise<T> => {
        await client.query('BEGIN');
        try {
          const out = await fn();
          await client.query('COMMIT');
          return out;
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      },
      lock: async () => undefined,
      notify: async () => undefined,
      listen: async () => async () => undefined,
      close: async () => undefined,
    };
  }

  private current(): pg.PoolClient | undefined {
    const t = this.scope.getStore();
    return t?.open ? t.client : undefined;
  }

  private async query<T>(text: string, params: readonly SqlValue[]): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    if (this.isClosed) throw new StoreClosedError();
    const client = this.current();
    if (client) return client.query<T & pg.QueryResultRow>(numberPlaceholders(text), [...params]);
    await this.ready;
    return this.borrow(readOnly(text), (c) => c.query<T & pg.QueryResultRow>(numberPlaceholders(text), [...params]));
  }

  /**
   * Run `use` on a pooled connection, riding out a short loss of the server (a restart, a failover): a lost
   * connection is retried with backoff for up to `retryMs` when what was asked cannot have taken effect — the
   * failure came before anything was sent (connecting, or a client already known dead), or `safeAfterSend` (a
   * statement that only reads, a BEGIN). A write whose connection broke after it was sent may have committed: it is
   * never sent again, its error goes to the caller. Errors of the SQL itself are never retried. With `keep`, the
   * client stays borrowed (a transaction's) once `use` succeeds.
   */
  private async borrow<T>(safeAfterSend: boolean, use: (client: pg.PoolClient) => Promise<T>, keep = false): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    for (let delay = 50; ; delay = Math.min(1_000, delay * 2)) {
      let client: pg.PoolClient | undefined;
      let failure: unknown;
      try {
        client = await this.pool.connect();
        return await use(client);
      } catch (err) {
        failure = err ?? new Error('query failed');
        const sent = client !== undefined && !notSent(err);
        if (!connectionLost(err) || (sent && !safeAfterSend) || this.isClosed || Date.now() + delay > deadline) throw err;
      } finally {
        // Back to the pool, unless kept; a client whose connection broke is destroyed rather than lent again.
        if (client && (failure !== undefined || !keep)) client.release(failure !== undefined && connectionLost(failure));
      }
      await new Promise((r) => setTimeout(r, delay));
      if (this.isClosed) throw new StoreClosedError();
    }
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.query<T>(sql, params)).rows;
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.query<T>(sql, params)).rows[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }

  async tx<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current()) return fn();
    if (this.isClosed) throw new StoreClosedError();
    await this.ready;
    // BEGIN is retried like a read while the server is away: nothing has run yet. A connection lost later (inside
    // `fn`, or at COMMIT) is not: the server rolled back, or may have committed, and `fn` may do more than SQL.
    const client = await this.borrow(
      true,
      async (c) => {
        await c.query('BEGIN');
        return c;
      },
      true,
    );
    const token: TxClient = { client, open: true };
    let broken = false;
    try {
      try {
        const out = await this.scope.run(token, fn);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
    } finally {
      token.open = false;
      // A client whose ROLLBACK failed has lost its connection: destroy it rather than lend it again.
      client.release(broken);
    }
  }

  async lock(key: string): Promise<void> {
    const client = this.current();
    if (!client) throw new Error('lock() outside a transaction');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.run(`SELECT pg_notify(?, ?)`, [channel, payload]);
  }

  async listen(channel: string, onMessage: (payload: string) => void, onReconnect: () => void): Promise<() => Promise<void>> {
    if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
    if (this.isClosed) throw new StoreClosedError();
    await this.ready;
    const entry: Listening = { channel, onMessage, onReconnect };
    const known = [...this.listening].some((l) => l.channel === channel);
    this.listening.add(entry);
    if (!this.listener) await this.connectListener();
    else if (!known) await this.listener.query(`LISTEN ${channel}`);
    return async () => {
      this.listening.delete(entry);
    };
  }

  /** Connect the listener (once at a time) and LISTEN to every channel asked for so far. */
  private connectListener(): Promise<void> {
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url, types: TYPES });
      client.on('notification', (m) => {
        if (m.payload === undefined) return;
        for (const l of this.listening) if (l.channel === m.channel) l.onMessage(m.payload);
      });
      client.on('error', () => this.listenerLost(client));
      client.on('end', () => this.listenerLost(client));
      try {
        await client.connect();
        for (const ch of new Set([...this.listening].map((l) => l.channel))) await client.query(`LISTEN ${ch}`);
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
      this.listener = client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** The listener's connection broke (a server restart, a network cut): connect again, backing off, and say so. */
  private listenerLost(client: pg.Client, delayMs = 100): void {
    if (this.listener === client) this.listener = undefined;
    if (this.isClosed || this.listener || this.retryTimer || !this.listening.size) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.isClosed) return;
      this.connectListener().then(
        () => {
          for (const l of this.listening) l.onReconnect();
        },
        () => this.listenerLost(client, Math.min(5_000, delayMs * 2)),
      );
    }, delayMs);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    clearTimeout(this.retryTimer);
    this.listening.clear();
    await this.connecting?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }
}
