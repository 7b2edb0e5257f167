import type { Sql } from './sql.js';
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
  seq: number;
  inputs: string;
  settings: string;
}

const fromRow = ({ seq: _seq, ...r }: Row): RenderRecord => ({
  ...r,
  render_id: r.id,
  inputs: parseJson(r.inputs, null),
  settings: parseJson(r.settings, null),
});

export class RenderRepo {
  constructor(private readonly sql: Sql) {}

  async insert(r: Omit<RenderRecord, 'render_id' | 'created_at'>): Promise<RenderRecord> {
    const id = newId('rnd');
    // seq orders renders made within the same millisecond (newest wins), as rowid did.
    await this.sql.run(
      `INSERT INTO renders (id, kind, target_id, media_id, input_hash, inputs, settings, mode, created_at, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM renders))`,
      [id, r.kind, r.target_id, r.media_id, r.input_hash, JSON.stringify(r.inputs), JSON.stringify(r.settings), r.mode, nowIso()],
    );
    return (await this.sql.get<Row>(`SELECT * FROM renders WHERE id = ?`, [id]).then((row) => (row ? fromRow(row) : undefined))) as RenderRecord;
  }

  /** The newest render of a target with exactly these inputs, if any (for incremental film renders). */
  async findByHash(kind: 'scene' | 'film', targetId: string, hash: string): Promise<RenderRecord | undefined> {
    const r = await this.sql.get<Row>(`SELECT * FROM renders WHERE kind = ? AND target_id = ? AND input_hash = ? ORDER BY created_at DESC, seq DESC LIMIT 1`, [
      kind,
      targetId,
      hash,
    ]);
    return r ? fromRow(r) : undefined;
  }

  async latest(kind: 'scene' | 'film', targetId: string): Promise<RenderRecord | undefined> {
    const r = await this.sql.get<Row>(`SELECT * FROM renders WHERE kind = ? AND target_id = ? ORDER BY created_at DESC, seq DESC LIMIT 1`, [kind, targetId]);
    return r ? fromRow(r) : undefined;
  }

  async list(kind: 'scene' | 'film', targetId: string): Promise<RenderRecord[]> {
    return (await this.sql.all<Row>(`SELECT * FROM renders WHERE kind = ? AND target_id = ? ORDER BY created_at DESC, seq DESC`, [kind, targetId])).map(
      fromRow,
    );
  }
}
