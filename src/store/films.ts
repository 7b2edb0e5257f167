import type { Db } from './db.js';
import { newId, nowIso, parseJson } from './ids.js';

/** How a scene (and so the film) is rendered. Missing values are taken from the film, then from defaults. */
export interface RenderSettings {
  width?: number;
  height?: number;
  fps?: number;
  sample_rate?: number;
  loudnorm?: boolean;
}

export interface Film {
  film_id: string;
  title: string;
  description: string | null;
  settings: RenderSettings;
  created_at: string;
  updated_at: string;
}

export interface Scene {
  scene_id: string;
  film_id: string | null;
  position: number;
  title: string;
  description: string | null;
  settings: RenderSettings;
  created_at: string;
  updated_at: string;
}

interface FilmRow {
  id: string;
  title: string;
  description: string | null;
  settings: string;
  created_at: string;
  updated_at: string;
}
interface SceneRow extends FilmRow {
  film_id: string | null;
  position: number;
}

const filmFromRow = (r: FilmRow): Film => ({
  film_id: r.id,
  title: r.title,
  description: r.description,
  settings: parseJson<RenderSettings>(r.settings, {}),
  created_at: r.created_at,
  updated_at: r.updated_at,
});

const sceneFromRow = (r: SceneRow): Scene => ({
  scene_id: r.id,
  film_id: r.film_id,
  position: r.position,
  title: r.title,
  description: r.description,
  settings: parseJson<RenderSettings>(r.settings, {}),
  created_at: r.created_at,
  updated_at: r.updated_at,
});

export class FilmRepo {
  constructor(private readonly db: Db) {}

  create(input: { title: string; description?: string | null; settings?: RenderSettings }): Film {
    const id = newId('flm');
    const now = nowIso();
    this.db
      .prepare(`INSERT INTO films (id, title, description, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(id, input.title, input.description ?? null, JSON.stringify(input.settings ?? {}), now, now);
    return this.get(id) as Film;
  }

  get(id: string): Film | undefined {
    const r = this.db.prepare(`SELECT * FROM films WHERE id = ?`).get(id) as FilmRow | undefined;
    return r ? filmFromRow(r) : undefined;
  }

  list(): Film[] {
    return (this.db.prepare(`SELECT * FROM films ORDER BY created_at, id`).all() as FilmRow[]).map(filmFromRow);
  }

  update(id: string, patch: { title?: string; description?: string | null; settings?: RenderSettings }): Film | undefined {
    const cur = this.get(id);
    if (!cur) return undefined;
    const next = { ...cur, ...patch, settings: { ...cur.settings, ...(patch.settings ?? {}) } };
    this.db
      .prepare(`UPDATE films SET title = ?, description = ?, settings = ?, updated_at = ? WHERE id = ?`)
      .run(next.title, next.description, JSON.stringify(next.settings), nowIso(), id);
    return this.get(id);
  }

  delete(id: string): boolean {
    return this.db.prepare(`DELETE FROM films WHERE id = ?`).run(id).changes > 0;
  }
}

export class SceneRepo {
  constructor(private readonly db: Db) {}

  create(input: { title: string; description?: string | null; film_id?: string | null; position?: number; settings?: RenderSettings }): Scene {
    const id = newId('scn');
    const now = nowIso();
    const filmId = input.film_id ?? null;
    const position = this.insertPosition(filmId, input.position);
    this.db
      .prepare(`INSERT INTO scenes (id, film_id, position, title, description, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(id, filmId, position, input.title, input.description ?? null, JSON.stringify(input.settings ?? {}), now, now);
    if (filmId) this.renumber(filmId);
    return this.get(id) as Scene;
  }

  /** Make room at `position` (0-based) within a film, or append. */
  private insertPosition(filmId: string | null, position: number | undefined): number {
    if (!filmId) return 0;
    const count = (this.db.prepare(`SELECT COUNT(*) AS n FROM scenes WHERE film_id = ?`).get(filmId) as { n: number }).n;
    if (position === undefined || position >= count) return count;
    const at = Math.max(0, position);
    this.db.prepare(`UPDATE scenes SET position = position + 1 WHERE film_id = ? AND position >= ?`).run(filmId, at);
    return at;
  }

  /** Positions are kept dense (0..n-1) so they read as the order an agent sees. */
  private renumber(filmId: string): void {
    const ids = this.db.prepare(`SELECT id FROM scenes WHERE film_id = ? ORDER BY position, created_at`).all(filmId) as { id: string }[];
    const upd = this.db.prepare(`UPDATE scenes SET position = ? WHERE id = ?`);
    ids.forEach((r, i) => upd.run(i, r.id));
  }

  get(id: string): Scene | undefined {
    const r = this.db.prepare(`SELECT * FROM scenes WHERE id = ?`).get(id) as SceneRow | undefined;
    return r ? sceneFromRow(r) : undefined;
  }

  list(filmId?: string): Scene[] {
    const rows = filmId
      ? (this.db.prepare(`SELECT * FROM scenes WHERE film_id = ? ORDER BY position`).all(filmId) as SceneRow[])
      : (this.db.prepare(`SELECT * FROM scenes ORDER BY film_id, position, created_at`).all() as SceneRow[]);
    return rows.map(sceneFromRow);
  }

  update(
    id: string,
    patch: { title?: string; description?: string | null; settings?: RenderSettings; film_id?: string | null; position?: number },
  ): Scene | undefined {
    const cur = this.get(id);
    if (!cur) return undefined;
    const settings = { ...cur.settings, ...(patch.settings ?? {}) };
    this.db
      .prepare(`UPDATE scenes SET title = ?, description = ?, settings = ?, updated_at = ? WHERE id = ?`)
      .run(patch.title ?? cur.title, patch.description === undefined ? cur.description : patch.description, JSON.stringify(settings), nowIso(), id);
    if (patch.film_id !== undefined && patch.film_id !== cur.film_id) {
      const position = this.insertPosition(patch.film_id, patch.position);
      this.db.prepare(`UPDATE scenes SET film_id = ?, position = ? WHERE id = ?`).run(patch.film_id, position, id);
      if (cur.film_id) this.renumber(cur.film_id);
      if (patch.film_id) this.renumber(patch.film_id);
    }
    return this.get(id);
  }

  /** Set the order of a film's scenes; `ids` must be exactly the film's scenes. */
  reorder(filmId: string, ids: string[]): void {
    const upd = this.db.prepare(`UPDATE scenes SET position = ?, updated_at = ? WHERE id = ? AND film_id = ?`);
    const now = nowIso();
    ids.forEach((id, i) => upd.run(i, now, id, filmId));
  }

  delete(id: string): boolean {
    const cur = this.get(id);
    const ok = this.db.prepare(`DELETE FROM scenes WHERE id = ?`).run(id).changes > 0;
    if (ok && cur?.film_id) this.renumber(cur.film_id);
    return ok;
  }
}
