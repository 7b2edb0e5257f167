import type { Sql } from './sql.js';
import { newId, nowIso, parseJson } from './ids.js';

export interface Character {
  character_id: string;
  name: string;
  /** Media ids of identity reference images. Never used as start or end frames. */
  reference_images: string[];
  voice_id: string | null;
  style_tokens: string | null;
  created_at: string;
  updated_at: string;
}

interface Row {
  id: string;
  name: string;
  reference_images: string;
  voice_id: string | null;
  style_tokens: string | null;
  created_at: string;
  updated_at: string;
}

function fromRow(r: Row): Character {
  return {
    character_id: r.id,
    name: r.name,
    reference_images: parseJson<string[]>(r.reference_images, []),
    voice_id: r.voice_id,
    style_tokens: r.style_tokens,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export class CharacterRepo {
  constructor(private readonly sql: Sql) {}

  async create(input: { name: string; reference_images?: string[]; voice_id?: string | null; style_tokens?: string | null }): Promise<Character> {
    const id = newId('chr');
    const now = nowIso();
    await this.sql.run(
      `INSERT INTO characters (id, name, reference_images, voice_id, style_tokens, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [id, input.name, JSON.stringify(input.reference_images ?? []), input.voice_id ?? null, input.style_tokens ?? null, now, now],
    );
    return (await this.get(id)) as Character;
  }

  async get(id: string): Promise<Character | undefined> {
    const r = await this.sql.get<Row>(`SELECT * FROM characters WHERE id = ?`, [id]);
    return r ? fromRow(r) : undefined;
  }

  async list(): Promise<Character[]> {
    return (await this.sql.all<Row>(`SELECT * FROM characters ORDER BY created_at, id`)).map(fromRow);
  }

  async update(
    id: string,
    patch: { name?: string; reference_images?: string[]; voice_id?: string | null; style_tokens?: string | null },
  ): Promise<Character | undefined> {
    return this.sql.tx(async () => {
      const cur = await this.get(id);
      if (!cur) return undefined;
      const next = { ...cur, ...patch };
      await this.sql.run(`UPDATE characters SET name = ?, reference_images = ?, voice_id = ?, style_tokens = ?, updated_at = ? WHERE id = ?`, [
        next.name,
        JSON.stringify(next.reference_images),
        next.voice_id,
        next.style_tokens,
        nowIso(),
        id,
      ]);
      return this.get(id);
    });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM characters WHERE id = ?`, [id])) > 0;
  }
}
