import type { Sql } from './sql.js';
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
  constructor(private readonly sql: Sql) {}

  async create(input: { title: string; description?: string | null; settings?: RenderSettings }): Promise<Film> {
    const id = newId('flm');
    const now = nowIso();
    await this.sql.run(`INSERT INTO films (id, title, description, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`, [
      id,
      input.title,
      input.description ?? null,
      JSON.stringify(input.settings ?? {}),
      now,
      now,
    ]);
    return (await this.get(id)) as Film;
  }

  async get(id: string): Promise<Film | undefined> {
    const r = await this.sql.get<FilmRow>(`SELECT * FROM films WHERE id = ?`, [id]);
    return r ? filmFromRow(r) : undefined;
  }

  async list(): Promise<Film[]> {
    return (await this.sql.all<FilmRow>(`SELECT * FROM films ORDER BY created_at, id`)).map(filmFromRow);
  }

  async update(id: string, patch: { title?: string; description?: string | null; settings?: RenderSettings }): Promise<Film | undefined> {
    return this.sql.tx(async () => {
      const cur = await this.get(id);
      if (!cur) return undefined;
      const next = { ...cur, ...patch, settings: { ...cur.settings, ...(patch.settings ?? {}) } };
      await this.sql.run(`UPDATE films SET title = ?, description = ?, settings = ?, updated_at = ? WHERE id = ?`, [
        next.title,
        next.description,
        JSON.stringify(next.settings),
        nowIso(),
        id,
      ]);
      return this.get(id);
    });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM films WHERE id = ?`, [id])) > 0;
  }
}

/** A film's scene positions are one sequence: every change to it locks the film, so concurrent writers queue. */
const filmLock = (filmId: string): string => `film:${filmId}`;

export class SceneRepo {
  constructor(private readonly sql: Sql) {}

  async create(input: { title: string; description?: string | null; film_id?: string | null; position?: number; settings?: RenderSettings }): Promise<Scene> {
    const id = newId('scn');
    const now = nowIso();
    const filmId = input.film_id ?? null;
    return this.sql.tx(async () => {
      if (filmId) await this.sql.lock(filmLock(filmId));
      const position = await this.insertPosition(filmId, input.position);
      await this.sql.run(`INSERT INTO scenes (id, film_id, position, title, description, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
        id,
        filmId,
        position,
        input.title,
        input.description ?? null,
        JSON.stringify(input.settings ?? {}),
        now,
        now,
      ]);
      if (filmId) await this.renumber(filmId);
      return (await this.get(id)) as Scene;
    });
  }

  /** Make room at `position` (0-based) within a film, or append (inside the caller's transaction, film locked). */
  private async insertPosition(filmId: string | null, position: number | undefined): Promise<number> {
    if (!filmId) return 0;
    const count = Number((await this.sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM scenes WHERE film_id = ?`, [filmId]))?.n ?? 0);
    if (position === undefined || position >= count) return count;
    const at = Math.max(0, position);
    await this.sql.run(`UPDATE scenes SET position = position + 1 WHERE film_id = ? AND position >= ?`, [filmId, at]);
    return at;
  }

  /** Positions are kept dense (0..n-1) so they read as the order an agent sees. */
  private async renumber(filmId: string): Promise<void> {
    const ids = await this.sql.all<{ id: string }>(`SELECT id FROM scenes WHERE film_id = ? ORDER BY position, created_at`, [filmId]);
    for (const [i, r] of ids.entries()) await this.sql.run(`UPDATE scenes SET position = ? WHERE id = ? AND position <> ?`, [i, r.id, i]);
  }

  async get(id: string): Promise<Scene | undefined> {
    const r = await this.sql.get<SceneRow>(`SELECT * FROM scenes WHERE id = ?`, [id]);
    return r ? sceneFromRow(r) : undefined;
  }

  async list(filmId?: string): Promise<Scene[]> {
    const rows = filmId
      ? await this.sql.all<SceneRow>(`SELECT * FROM scenes WHERE film_id = ? ORDER BY position`, [filmId])
      : await this.sql.all<SceneRow>(`SELECT * FROM scenes ORDER BY film_id, position, created_at`);
    return rows.map(sceneFromRow);
  }

  async update(
    id: string,
    patch: { title?: string; description?: string | null; settings?: RenderSettings; film_id?: string | null; position?: number },
  ): Promise<Scene | undefined> {
    return this.sql.tx(async () => {
      const cur = await this.get(id);
      if (!cur) return undefined;
      const settings = { ...cur.settings, ...(patch.settings ?? {}) };
      await this.sql.run(`UPDATE scenes SET title = ?, description = ?, settings = ?, updated_at = ? WHERE id = ?`, [
        patch.title ?? cur.title,
        patch.description === undefined ? cur.description : patch.description,
        JSON.stringify(settings),
        nowIso(),
        id,
      ]);
      if (patch.film_id !== undefined && patch.film_id !== cur.film_id) {
        // Both films' sequences change; locked in a fixed order so two moves in opposite directions cannot deadlock.
        for (const f of [cur.film_id, patch.film_id].filter((x): x is string => !!x).sort()) await this.sql.lock(filmLock(f));
        const position = await this.insertPosition(patch.film_id, patch.position);
        await this.sql.run(`UPDATE scenes SET film_id = ?, position = ? WHERE id = ?`, [patch.film_id, position, id]);
        if (cur.film_id) await this.renumber(cur.film_id);
        if (patch.film_id) await this.renumber(patch.film_id);
      }
      return this.get(id);
    });
  }

  /** Set the order of a film's scenes; `ids` must be exactly the film's scenes. */
  async reorder(filmId: string, ids: string[]): Promise<void> {
    await this.sql.tx(async () => {
      await this.sql.lock(filmLock(filmId));
      const now = nowIso();
      for (const [i, id] of ids.entries())
        await this.sql.run(`UPDATE scenes SET position = ?, updated_at = ? WHERE id = ? AND film_id = ?`, [i, now, id, filmId]);
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.sql.tx(async () => {
      const cur = await this.get(id);
      if (cur?.film_id) await this.sql.lock(filmLock(cur.film_id));
      const ok = (await this.sql.run(`DELETE FROM scenes WHERE id = ?`, [id])) > 0;
      if (ok && cur?.film_id) await this.renumber(cur.film_id);
      return ok;
    });
  }
}
