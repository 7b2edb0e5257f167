import type { Db } from './db.js';
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
  constructor(private readonly db: Db) {}

  create(input: { name: string; reference_images?: string[]; voice_id?: string | null; style_tokens?: string | null }): Character {
    const id = newId('chr');
    const now = nowIso();
    this.db
      .prepare(
        `INSERT INTO characters (id, name, reference_images, voice_id, style_tokens, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.name, JSON.stringify(input.reference_images ?? []), input.voice_id ?? null, input.style_tokens ?? null, now, now);
    return this.get(id) as Character;
  }

  get(id: string): Character | undefined {
    const r = this.db.prepare(`SELECT * FROM characters WHERE id = ?`).get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  list(): Character[] {
    return (this.db.prepare(`SELECT * FROM characters ORDER BY created_at, id`).all() as Row[]).map(fromRow);
  }

  update(id: string, patch: { name?: string; reference_images?: string[]; voice_id?: string | null; style_tokens?: string | null }): Character | undefined {
    const cur = this.get(id);
    if (!cur) return undefined;
    const next = { ...cur, ...patch };
    this.db
      .prepare(`UPDATE characters SET name = ?, reference_images = ?, voice_id = ?, style_tokens = ?, updated_at = ? WHERE id = ?`)
      .run(next.name, JSON.stringify(next.reference_images), next.voice_id, next.style_tokens, nowIso(), id);
    return this.get(id);
  }

  delete(id: string): boolean {
    return this.db.prepare(`DELETE FROM characters WHERE id = ?`).run(id).changes > 0;
  }
}
