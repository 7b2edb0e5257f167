import { createHash } from 'node:crypto';
import { nowIso, parseJson } from './ids.js';
import type { Sql } from './sql.js';

/**
 * The key a session is stored (and announced) under: a hash of its id, so that the database, its backups and its
 * NOTIFY traffic never hold an id a reader could present as the session.
 */
export function sessionKey(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/**
 * What a 2025-era MCP session over HTTP needs to go on in another process: the handshake the client made (the
 * negotiated protocol version, its info and capabilities), the log level it set and the resources it subscribed to.
 * Nothing else: no header, no token, no message in flight.
 */
export interface SessionRecord {
  session_id: string;
  protocol_version: string;
  client_info: Record<string, unknown>;
  client_capabilities: Record<string, unknown>;
  log_level: string | null;
  subscriptions: string[];
  created_at: string;
  /** Epoch milliseconds of the last request seen (written at most every few seconds: see legacy-sessions.ts). */
  last_seen: number;
}

/** The Postgres channel on which a process says it now serves a session (so an older copy elsewhere lets go). */
export const SESSIONS_CHANNEL = 'studio_sessions';

/**
 * A process took a session at `at` (epoch ms): the session by its key (sessionKey), `holder` names the process (an id
 * of its own, not a host name).
 */
export interface SessionTaken {
  session_key: string;
  holder: string;
  at: number;
}

interface Row {
  id: string;
  protocol_version: string;
  client_info: string;
  client_capabilities: string;
  log_level: string | null;
  created_at: string;
  last_seen: number;
}

export class SessionRepo {
  constructor(private readonly sql: Sql) {}

  async create(s: {
    session_id: string;
    protocol_version: string;
    client_info: Record<string, unknown>;
    client_capabilities: Record<string, unknown>;
  }): Promise<void> {
    await this.sql.run(`INSERT INTO mcp_sessions (id, protocol_version, client_info, client_capabilities, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)`, [
      sessionKey(s.session_id),
      s.protocol_version,
      JSON.stringify(s.client_info),
      JSON.stringify(s.client_capabilities),
      nowIso(),
      Date.now(),
    ]);
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const key = sessionKey(id);
    const r = await this.sql.get<Row>(`SELECT * FROM mcp_sessions WHERE id = ?`, [key]);
    if (!r) return undefined;
    const subs = await this.sql.all<{ uri: string }>(`SELECT uri FROM mcp_session_subscriptions WHERE session_id = ? ORDER BY uri`, [key]);
    return {
      session_id: id,
      protocol_version: r.protocol_version,
      client_info: parseJson<Record<string, unknown>>(r.client_info, {}),
      client_capabilities: parseJson<Record<string, unknown>>(r.client_capabilities, {}),
      log_level: r.log_level,
      subscriptions: subs.map((s) => s.uri),
      created_at: r.created_at,
      last_seen: r.last_seen,
    };
  }

  async setProtocolVersion(id: string, version: string): Promise<void> {
    await this.sql.run(`UPDATE mcp_sessions SET protocol_version = ? WHERE id = ?`, [version, sessionKey(id)]);
  }

  async setLogLevel(id: string, level: string): Promise<void> {
    await this.sql.run(`UPDATE mcp_sessions SET log_level = ? WHERE id = ?`, [level, sessionKey(id)]);
  }

  /** Subscribe a session to a URI (once however often asked); a session that no longer exists gains nothing. */
  async subscribe(id: string, uri: string): Promise<void> {
    await this.sql.run(
      `INSERT INTO mcp_session_subscriptions (session_id, uri) SELECT id, ? FROM mcp_sessions WHERE id = ? ON CONFLICT (session_id, uri) DO NOTHING`,
      [uri, sessionKey(id)],
    );
  }

  async unsubscribe(id: string, uri: string): Promise<void> {
    await this.sql.run(`DELETE FROM mcp_session_subscriptions WHERE session_id = ? AND uri = ?`, [sessionKey(id), uri]);
  }

  /** Record a request seen at `at` (epoch ms); an older value never overwrites a newer one another process wrote. */
  async touch(id: string, at: number): Promise<void> {
    await this.sql.run(`UPDATE mcp_sessions SET last_seen = ? WHERE id = ? AND last_seen < ?`, [at, sessionKey(id), at]);
  }

  /** Forget a session (DELETE /mcp); its subscriptions go with it. */
  async delete(id: string): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM mcp_sessions WHERE id = ?`, [sessionKey(id)])) === 1;
  }

  /**
   * Forget a session this process let go idle, unless a request reached it elsewhere since (`seen`, the last_seen
   * this process knows of, is then older than the stored one).
   */
  async deleteIdle(id: string, seen: number): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM mcp_sessions WHERE id = ? AND last_seen <= ?`, [sessionKey(id), seen])) === 1;
  }

  /** Forget every session no process has seen since `before` (epoch ms): those whose replica died or went idle. */
  async expire(before: number): Promise<number> {
    return this.sql.run(`DELETE FROM mcp_sessions WHERE last_seen < ?`, [before]);
  }

  /** Tell every other process on the database that `holder` now serves session `id` (nothing on SQLite: one process). */
  async announce(id: string, holder: string, at: number): Promise<void> {
    if (this.sql.dialect !== 'postgres' || this.sql.closed) return;
    await this.sql.notify(SESSIONS_CHANNEL, JSON.stringify({ s: sessionKey(id), h: holder, a: at }));
  }

  /** Hear other processes take sessions. Resolves to a function that stops listening. */
  hear(onTaken: (t: SessionTaken) => void): Promise<() => Promise<void>> {
    return this.sql.listen(
      SESSIONS_CHANNEL,
      (payload) => {
        const v = parseJson<{ s?: unknown; h?: unknown; a?: unknown }>(payload, {});
        if (typeof v.s === 'string' && typeof v.h === 'string' && typeof v.a === 'number') onTaken({ session_key: v.s, holder: v.h, at: v.a });
      },
      // A notice missed while the listener was away leaves an older copy in place until it idles out.
      () => undefined,
    );
  }
}
