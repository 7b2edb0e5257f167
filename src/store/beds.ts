import type { Db } from './db.js';
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
  constructor(private readonly db: Db) {}

  add(b: NewBed): AudioBed {
    const id = newId('bed');
    this.db
      .prepare(
        `INSERT INTO audio_beds (id, target_kind, target_id, media_id, role, offset_seconds, gain_db, fade_in, fade_out, loop, duck, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, b.target_kind, b.target_id, b.media_id, b.role, b.offset_seconds, b.gain_db, b.fade_in, b.fade_out, b.loop ? 1 : 0, b.duck ? 1 : 0, nowIso());
    return this.get(id) as AudioBed;
  }

  get(id: string): AudioBed | undefined {
    const r = this.db.prepare(`SELECT * FROM audio_beds WHERE id = ?`).get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** The beds of a scene or film, in the order they were added (the mix order). */
  list(kind: BedTarget, targetId: string): AudioBed[] {
    return (this.db.prepare(`SELECT * FROM audio_beds WHERE target_kind = ? AND target_id = ? ORDER BY created_at, rowid`).all(kind, targetId) as Row[]).map(
      fromRow,
    );
  }

  remove(id: string): boolean {
    return this.db.prepare(`DELETE FROM audio_beds WHERE id = ?`).run(id).changes > 0;
  }
}
