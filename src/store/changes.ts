import type { Sql } from './sql.js';

/** The Postgres channel every studio process on one database publishes to and listens on. */
export const CHANGES_CHANNEL = 'studio_changes';

/**
 * One change notice: resource URIs only (never content, never a secret), whether the resource list changed, and
 * the process that made the change (so it does not hear itself twice).
 */
export interface ChangeNotice {
  origin: string;
  listChanged: boolean;
  uris: string[];
}

/** Postgres refuses NOTIFY payloads of 8000 bytes and more; notices are split well below that. */
const MAX_PAYLOAD = 7000;

/** The notices that carry `notice`, each payload under the limit (a URI is a few dozen bytes). */
export function encodeNotices(notice: ChangeNotice): string[] {
  const out: string[] = [];
  let uris: string[] = [];
  const flush = (): void => {
    out.push(JSON.stringify({ o: notice.origin, l: notice.listChanged && out.length === 0, u: uris }));
    uris = [];
  };
  for (const uri of notice.uris) {
    if (JSON.stringify({ o: notice.origin, l: true, u: [...uris, uri] }).length > MAX_PAYLOAD && uris.length) flush();
    uris.push(uri);
  }
  if (uris.length || out.length === 0) flush();
  return out;
}

/** A payload from the channel, or undefined when it is not a notice of this shape (another program's NOTIFY). */
export function decodeNotice(payload: string): ChangeNotice | undefined {
  try {
    const v = JSON.parse(payload) as { o?: unknown; l?: unknown; u?: unknown };
    if (typeof v.o !== 'string' || !Array.isArray(v.u) || !v.u.every((u): u is string => typeof u === 'string')) return undefined;
    return { origin: v.o, listChanged: v.l === true, uris: v.u };
  } catch {
    return undefined;
  }
}

/**
 * Change notices between processes that share the records (Postgres LISTEN/NOTIFY). A notice published inside a
 * store transaction is sent by that transaction (delivered at commit, never on rollback); outside one, by its own
 * statement. The embedded SQLite studio has one process per folder in the common case and no such channel: there
 * publishing does nothing and nothing is ever heard.
 */
export class ChangeFeed {
  constructor(private readonly sql: Sql) {}

  async publish(notice: ChangeNotice): Promise<void> {
    if (this.sql.dialect !== 'postgres' || this.sql.closed) return;
    for (const payload of encodeNotices(notice)) await this.sql.notify(CHANGES_CHANNEL, payload);
  }

  /**
   * Hear the notices of other processes. `onReconnect` runs after the listener connection came back from a loss:
   * notices sent meanwhile are gone, so the caller re-announces what its own subscribers may have missed.
   * Resolves to a function that stops listening.
   */
  subscribe(onNotice: (n: ChangeNotice) => void, onReconnect: () => void): Promise<() => Promise<void>> {
    return this.sql.listen(
      CHANGES_CHANNEL,
      (payload) => {
        const n = decodeNotice(payload);
        if (n) onNotice(n);
      },
      onReconnect,
    );
  }
}
