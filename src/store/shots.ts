import type { Db } from './db.js';
import { newId, nowIso, parseJson } from './ids.js';

export type TransitionType = 'cut' | 'crossfade' | 'fade_black';
export interface Transition {
  type: TransitionType;
  duration: number;
}

export interface Shot {
  shot_id: string;
  scene_id: string;
  position: number;
  title: string | null;
  prompt: string | null;
  model: string | null;
  character_id: string | null;
  duration: number | null;
  /** Default generation arguments for this shot (model-specific fields). */
  params: Record<string, unknown>;
  /** Transition from the previous shot into this one. */
  transition: Transition;
  /** The shot starts on the previous shot's last frame (set by use_last_frame, shot_create or shot_update). */
  continues: boolean;
  /** The planned duration follows the lines: end of the last one plus dialogue_padding_seconds (dialogue-fit.ts). */
  fit_to_dialogue: boolean;
  dialogue_padding_seconds: number;
  start_frame_media_id: string | null;
  end_frame_media_id: string | null;
  current_take_id: string | null;
  created_at: string;
  updated_at: string;
}

/** How a take came to be: generated for the shot, a lip-synced version of another take, or imported footage. */
export type TakeKind = 'generated' | 'lipsync' | 'imported' | 'bridge';

export interface Take {
  take_id: string;
  shot_id: string;
  take_number: number;
  media_id: string;
  kind: TakeKind;
  parent_take_id: string | null;
  created_at: string;
  /** When a person approved this take (at most one approved take per shot), else null. */
  approved_at: string | null;
}

export interface ShotAudio {
  audio_id: string;
  shot_id: string;
  media_id: string;
  offset_seconds: number;
  gain_db: number;
  text: string | null;
  created_at: string;
}

interface ShotRow {
  id: string;
  scene_id: string;
  position: number;
  title: string | null;
  prompt: string | null;
  model: string | null;
  character_id: string | null;
  duration: number | null;
  params: string;
  transition: string;
  continues: number;
  fit_to_dialogue: number;
  dialogue_padding_seconds: number;
  start_frame_media_id: string | null;
  end_frame_media_id: string | null;
  current_take_id: string | null;
  created_at: string;
  updated_at: string;
}

const shotFromRow = (r: ShotRow): Shot => ({
  shot_id: r.id,
  scene_id: r.scene_id,
  position: r.position,
  title: r.title,
  prompt: r.prompt,
  model: r.model,
  character_id: r.character_id,
  duration: r.duration,
  params: parseJson<Record<string, unknown>>(r.params, {}),
  transition: parseJson<Transition>(r.transition, { type: 'cut', duration: 0 }),
  continues: r.continues === 1,
  fit_to_dialogue: r.fit_to_dialogue === 1,
  dialogue_padding_seconds: r.dialogue_padding_seconds,
  start_frame_media_id: r.start_frame_media_id,
  end_frame_media_id: r.end_frame_media_id,
  current_take_id: r.current_take_id,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

export interface ShotInput {
  title?: string | null;
  prompt?: string | null;
  model?: string | null;
  character_id?: string | null;
  duration?: number | null;
  params?: Record<string, unknown>;
  transition?: Transition;
  continues?: boolean;
  fit_to_dialogue?: boolean;
  dialogue_padding_seconds?: number;
}

export class ShotRepo {
  constructor(private readonly db: Db) {}

  create(sceneId: string, input: ShotInput & { position?: number }): Shot {
    const id = newId('sht');
    const now = nowIso();
    const count = (this.db.prepare(`SELECT COUNT(*) AS n FROM shots WHERE scene_id = ?`).get(sceneId) as { n: number }).n;
    let position = count;
    if (input.position !== undefined && input.position < count) {
      position = Math.max(0, input.position);
      this.db.prepare(`UPDATE shots SET position = position + 1 WHERE scene_id = ? AND position >= ?`).run(sceneId, position);
    }
    this.db
      .prepare(
        `INSERT INTO shots (id, scene_id, position, title, prompt, model, character_id, duration, params, transition, continues, fit_to_dialogue,
         dialogue_padding_seconds, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        sceneId,
        position,
        input.title ?? null,
        input.prompt ?? null,
        input.model ?? null,
        input.character_id ?? null,
        input.duration ?? null,
        JSON.stringify(input.params ?? {}),
        JSON.stringify(input.transition ?? { type: 'cut', duration: 0 }),
        input.continues ? 1 : 0,
        input.fit_to_dialogue ? 1 : 0,
        input.dialogue_padding_seconds ?? 0.5,
        now,
        now,
      );
    return this.get(id) as Shot;
  }

  get(id: string): Shot | undefined {
    const r = this.db.prepare(`SELECT * FROM shots WHERE id = ?`).get(id) as ShotRow | undefined;
    return r ? shotFromRow(r) : undefined;
  }

  listByScene(sceneId: string): Shot[] {
    return (this.db.prepare(`SELECT * FROM shots WHERE scene_id = ? ORDER BY position`).all(sceneId) as ShotRow[]).map(shotFromRow);
  }

  /** The shot just before this one in its scene, if any. */
  previous(shot: Shot): Shot | undefined {
    const r = this.db.prepare(`SELECT * FROM shots WHERE scene_id = ? AND position < ? ORDER BY position DESC LIMIT 1`).get(shot.scene_id, shot.position) as
      | ShotRow
      | undefined;
    return r ? shotFromRow(r) : undefined;
  }

  update(id: string, patch: ShotInput): Shot | undefined {
    const cur = this.get(id);
    if (!cur) return undefined;
    const n = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as Shot;
    this.db
      .prepare(
        `UPDATE shots SET title = ?, prompt = ?, model = ?, character_id = ?, duration = ?, params = ?, transition = ?, continues = ?, fit_to_dialogue = ?, ` +
          `dialogue_padding_seconds = ?, updated_at = ? WHERE id = ?`,
      )
      .run(
        n.title,
        n.prompt,
        n.model,
        n.character_id,
        n.duration,
        JSON.stringify(n.params),
        JSON.stringify(n.transition),
        n.continues ? 1 : 0,
        n.fit_to_dialogue ? 1 : 0,
        n.dialogue_padding_seconds,
        nowIso(),
        id,
      );
    return this.get(id);
  }

  setFrames(id: string, frames: { start?: string | null; end?: string | null }): void {
    const cur = this.get(id);
    if (!cur) return;
    this.db
      .prepare(`UPDATE shots SET start_frame_media_id = ?, end_frame_media_id = ?, updated_at = ? WHERE id = ?`)
      .run(frames.start === undefined ? cur.start_frame_media_id : frames.start, frames.end === undefined ? cur.end_frame_media_id : frames.end, nowIso(), id);
  }

  reorder(sceneId: string, ids: string[]): void {
    const upd = this.db.prepare(`UPDATE shots SET position = ?, updated_at = ? WHERE id = ? AND scene_id = ?`);
    const now = nowIso();
    ids.forEach((id, i) => upd.run(i, now, id, sceneId));
  }

  delete(id: string): boolean {
    const cur = this.get(id);
    if (!cur) return false;
    this.db.prepare(`DELETE FROM shots WHERE id = ?`).run(id);
    this.db.prepare(`UPDATE shots SET position = position - 1 WHERE scene_id = ? AND position > ?`).run(cur.scene_id, cur.position);
    return true;
  }

  // ---- takes ----

  addTake(shotId: string, mediaId: string, kind: TakeKind, parentTakeId: string | null = null): Take {
    const id = newId('tk');
    const next = (this.db.prepare(`SELECT COALESCE(MAX(take_number), 0) + 1 AS n FROM takes WHERE shot_id = ?`).get(shotId) as { n: number }).n;
    this.db
      .prepare(`INSERT INTO takes (id, shot_id, take_number, media_id, kind, parent_take_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(id, shotId, next, mediaId, kind, parentTakeId, nowIso());
    this.db.prepare(`UPDATE shots SET current_take_id = ?, updated_at = ? WHERE id = ?`).run(id, nowIso(), shotId);
    return this.getTake(id) as Take;
  }

  nextTakeNumber(shotId: string): number {
    return (this.db.prepare(`SELECT COALESCE(MAX(take_number), 0) + 1 AS n FROM takes WHERE shot_id = ?`).get(shotId) as { n: number }).n;
  }

  getTake(id: string): Take | undefined {
    const r = this.db.prepare(`SELECT * FROM takes WHERE id = ?`).get(id) as (Omit<Take, 'take_id'> & { id: string }) | undefined;
    return r ? { ...r, take_id: r.id } : undefined;
  }

  takes(shotId: string): Take[] {
    return (this.db.prepare(`SELECT * FROM takes WHERE shot_id = ? ORDER BY take_number`).all(shotId) as (Omit<Take, 'take_id'> & { id: string })[]).map(
      (r) => ({ ...r, take_id: r.id }),
    );
  }

  setCurrentTake(shotId: string, takeId: string): void {
    this.db.prepare(`UPDATE shots SET current_take_id = ?, updated_at = ? WHERE id = ?`).run(takeId, nowIso(), shotId);
  }

  /**
   * Approve a take of a shot (un-approving any other take of it), or withdraw the approval. False when the take is
   * not a take of that shot.
   */
  setApproved(shotId: string, takeId: string, approved: boolean): boolean {
    const take = this.getTake(takeId);
    if (!take || take.shot_id !== shotId) return false;
    const now = nowIso();
    this.db.transaction(() => {
      if (approved) this.db.prepare(`UPDATE takes SET approved_at = NULL WHERE shot_id = ? AND id <> ?`).run(shotId, takeId);
      this.db.prepare(`UPDATE takes SET approved_at = ? WHERE id = ?`).run(approved ? (take.approved_at ?? now) : null, takeId);
      this.db.prepare(`UPDATE shots SET updated_at = ? WHERE id = ?`).run(now, shotId);
    })();
    return true;
  }

  /** The shot's approved take, if any. */
  approvedTake(shotId: string): Take | undefined {
    return this.takes(shotId).find((t) => t.approved_at !== null);
  }

  // ---- dialogue audio ----

  addAudio(shotId: string, mediaId: string, offsetSeconds: number, gainDb: number, text: string | null): ShotAudio {
    const id = newId('aud');
    this.db
      .prepare(`INSERT INTO shot_audio (id, shot_id, media_id, offset_seconds, gain_db, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(id, shotId, mediaId, offsetSeconds, gainDb, text, nowIso());
    return this.audio(shotId).find((a) => a.audio_id === id) as ShotAudio;
  }

  audio(shotId: string): ShotAudio[] {
    return (
      this.db.prepare(`SELECT * FROM shot_audio WHERE shot_id = ? ORDER BY offset_seconds, created_at`).all(shotId) as (Omit<ShotAudio, 'audio_id'> & {
        id: string;
      })[]
    ).map((r) => ({ ...r, audio_id: r.id }));
  }

  getAudio(audioId: string): ShotAudio | undefined {
    const r = this.db.prepare(`SELECT * FROM shot_audio WHERE id = ?`).get(audioId) as (Omit<ShotAudio, 'audio_id'> & { id: string }) | undefined;
    return r ? { ...r, audio_id: r.id } : undefined;
  }

  updateAudio(audioId: string, patch: { offset_seconds?: number; gain_db?: number }): ShotAudio | undefined {
    const cur = this.getAudio(audioId);
    if (!cur) return undefined;
    this.db
      .prepare(`UPDATE shot_audio SET offset_seconds = ?, gain_db = ? WHERE id = ?`)
      .run(patch.offset_seconds ?? cur.offset_seconds, patch.gain_db ?? cur.gain_db, audioId);
    return this.getAudio(audioId);
  }

  removeAudio(audioId: string): boolean {
    return this.db.prepare(`DELETE FROM shot_audio WHERE id = ?`).run(audioId).changes > 0;
  }
}
