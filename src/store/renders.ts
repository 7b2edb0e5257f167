import type { Db } from './db.js';
import { newId, nowIso, parseJson } from './ids.js';

export interface RenderRecord {
  render_id: string;
  kind: 'scene' | 'film';
  target_id: string;
  media_id: string;
  /** Hash over every input (take media hashes, audio, transitions, settings): equal hash ⇒ same output. */
  input_hash: string;
  inputs: unknown;
  settings: unknown;
  mode: string;
  created_at: string;
}

interface Row extends Omit<RenderRecord, 'render_id' | 'inputs' | 'settings'> {
  id: string;
  inputs: string;
  settings: string;
}

const fromRow = (r: Row): RenderRecord => ({ ...r, render_id: r.id, inputs: parseJson(r.inputs, null), settings: parseJson(r.settings, null) });

export class RenderRepo {
  constructor(private readonly db: Db) {}

  insert(r: Omit<RenderRecord, 'render_id' | 'created_at'>): RenderRecord {
    const id = newId('rnd');
    this.db
      .prepare(`INSERT INTO renders (id, kind, target_id, media_id, input_hash, inputs, settings, mode, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(id, r.kind, r.target_id, r.media_id, r.input_hash, JSON.stringify(r.inputs), JSON.stringify(r.settings), r.mode, nowIso());
    return this.latest(r.kind, r.target_id) as RenderRecord;
  }

  /** The newest render of a target with exactly these inputs, if any (for incremental film renders). */
  findByHash(kind: 'scene' | 'film', targetId: string, hash: string): RenderRecord | undefined {
    const r = this.db
      .prepare(`SELECT * FROM renders WHERE kind = ? AND target_id = ? AND input_hash = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`)
      .get(kind, targetId, hash) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  latest(kind: 'scene' | 'film', targetId: string): RenderRecord | undefined {
    const r = this.db.prepare(`SELECT * FROM renders WHERE kind = ? AND target_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`).get(kind, targetId) as
      | Row
      | undefined;
    return r ? fromRow(r) : undefined;
  }

  list(kind: 'scene' | 'film', targetId: string): RenderRecord[] {
    return (this.db.prepare(`SELECT * FROM renders WHERE kind = ? AND target_id = ? ORDER BY created_at DESC, rowid DESC`).all(kind, targetId) as Row[]).map(
      fromRow,
    );
  }
}
