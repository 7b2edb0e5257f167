import type { Sql } from './sql.js';
import { newId, nowIso } from './ids.js';

export type BedRole = 'music' | 'ambience' | 'sfx';
export type BedTarget = 'scene' | 'film';

/** An audio bed: a clip laid under a whole scene or film (not under one shot, as a dialogue line is). */
export interface AudioBed {
  bed_id: string;
  target_kind: BedTarget;
  target_id: string;
  media_id: string;
  role: BedRole;
  /** Seconds from the start of the scene (film) where the bed starts. */
  offset_seconds: number;
  gain_db: number;
  fade_in: number;
  fade_out: number;
  /** Repeat the clip until the end of the scene (film). */
  loop: boolean;
  /** Lower the bed under every dialogue line (side-chain ducking). */
  duck: boolean;
  created_at: string;
}

export type NewBed = Omit<AudioBed, 'bed_id' | 'created_at'>;

interface Row extends Omit<AudioBed, 'bed_id' | 'loop' | 'duck'> {
  id: string;
  seq: number;
  loop: number;
  duck: number;
}

const fromRow = (r: Row): AudioBed => ({
  bed_id: r.id,
  target_kind: r.target_kind,
  target_id: r.target_id,
  media_id: r.media_id,
  role: r.role,
  offset_seconds: r.offset_seconds,
  gain_db: r.gain_db,
  fade_in: r.fade_in,
  fade_out: r.fade_out,
  loop: r.loop === 1,
  duck: r.duck === 1,
  created_at: r.created_at,
});

export class BedRepo {
  constructor(private readonly sql: Sql) {}

  async add(b: NewBed): Promise<AudioBed> {
    const id = newId('bed');
    // seq orders beds added within the same millisecond (the mix order); two processes adding at the same instant
    // may draw the same number, and then the id decides.
    await this.sql.run(
      `INSERT INTO audio_beds (id, target_kind, target_id, media_id, role, offset_seconds, gain_db, fade_in, fade_out, loop, duck, created_at, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM audio_beds))`,
      [id, b.target_kind, b.target_id, b.media_id, b.role, b.offset_seconds, b.gain_db, b.fade_in, b.fade_out, b.loop ? 1 : 0, b.duck ? 1 : 0, nowIso()],
    );
    return (await this.get(id)) as AudioBed;
  }

  async get(id: string): Promise<AudioBed | undefined> {
    const r = await this.sql.get<Row>(`SELECT * FROM audio_beds WHERE id = ?`, [id]);
    return r ? fromRow(r) : undefined;
  }

  /** The beds of a scene or film, in the order they were added (the mix order). */
  async list(kind: BedTarget, targetId: string): Promise<AudioBed[]> {
    return (await this.sql.all<Row>(`SELECT * FROM audio_beds WHERE target_kind = ? AND target_id = ? ORDER BY created_at, seq, id`, [kind, targetId])).map(
      fromRow,
    );
  }

  async remove(id: string): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM audio_beds WHERE id = ?`, [id])) > 0;
  }
}
