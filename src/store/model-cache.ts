import { nowIso } from './ids.js';
import type { Sql } from './sql.js';

/** Live model schemas read from providers, kept across restarts (the capability as JSON, with its version). */
export class ModelCacheRepo {
  constructor(private readonly sql: Sql) {}

  /** Every cached capability's JSON text (parsed and validated by the model catalog). */
  async capabilities(): Promise<string[]> {
    return (await this.sql.all<{ capability: string }>(`SELECT capability FROM model_cache ORDER BY id`)).map((r) => r.capability);
  }

  async put(id: string, version: string | null, capabilityJson: string): Promise<void> {
    await this.sql.run(
      `INSERT INTO model_cache (id, version, capability, fetched_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, ` +
        `capability = excluded.capability, fetched_at = excluded.fetched_at`,
      [id, version, capabilityJson, nowIso()],
    );
  }
}
