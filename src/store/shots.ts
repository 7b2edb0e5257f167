import type { Sql } from './sql.js';
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

/** A scene's shot positions are one sequence: every change to it locks the scene, so concurrent writers queue. */
const sceneLock = (sceneId: string): string => `scene:${sceneId}`;
/** A shot's take numbers are one sequence (UNIQUE (shot_id, take_number) is the backstop). */
const takeLock = (shotId: string): string => `takes:${shotId}`;

type TakeRow = Omit<Take, 'take_id'> & { id: string };
type AudioRow = Omit<ShotAudio, 'audio_id'> & { id: string };

export class ShotRepo {
  constructor(private readonly sql: Sql) {}

  async create(sceneId: string, input: ShotInput & { position?: number }): Promise<Shot> {
    const id = newId('sht');
    const now = nowIso();
    return this.sql.tx(async () => {
      await this.sql.lock(sceneLock(sceneId));
      const count = Number((await this.sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM shots WHERE scene_id = ?`, [sceneId]))?.n ?? 0);
      let position = count;
      if (input.position !== undefined && input.position < count) {
        position = Math.max(0, input.position);
        await this.sql.run(`UPDATE shots SET position = position + 1 WHERE scene_id = ? AND position >= ?`, [sceneId, position]);
      }
      await this.sql.run(
        `INSERT INTO shots (id, scene_id, position, title, prompt, model, character_id, duration, params, transition, continues, fit_to_dialogue,
         dialogue_padding_seconds, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
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
        ],
      );
      return (await this.get(id)) as Shot;
    });
  }

  async get(id: string): Promise<Shot | undefined> {
    const r = await this.sql.get<ShotRow>(`SELECT * FROM shots WHERE id = ?`, [id]);
    return r ? shotFromRow(r) : undefined;
  }

  async listByScene(sceneId: string): Promise<Shot[]> {
    return (await this.sql.all<ShotRow>(`SELECT * FROM shots WHERE scene_id = ? ORDER BY position`, [sceneId])).map(shotFromRow);
  }

  /** Shots that use a character, in scene and position order. */
  async listByCharacter(characterId: string): Promise<Shot[]> {
    return (await this.sql.all<ShotRow>(`SELECT * FROM shots WHERE character_id = ? ORDER BY scene_id, position`, [characterId])).map(shotFromRow);
  }

  /** The shot just before this one in its scene, if any. */
  async previous(shot: Shot): Promise<Shot | undefined> {
    const r = await this.sql.get<ShotRow>(`SELECT * FROM shots WHERE scene_id = ? AND position < ? ORDER BY position DESC LIMIT 1`, [
      shot.scene_id,
      shot.position,
    ]);
    return r ? shotFromRow(r) : undefined;
  }

  async update(id: string, patch: ShotInput): Promise<Shot | undefined> {
    return this.sql.tx(async () => {
      const cur = await this.get(id);
      if (!cur) return undefined;
      const n = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as Shot;
      await this.sql.run(
        `UPDATE shots SET title = ?, prompt = ?, model = ?, character_id = ?, duration = ?, params = ?, transition = ?, continues = ?, fit_to_dialogue = ?, ` +
          `dialogue_padding_seconds = ?, updated_at = ? WHERE id = ?`,
        [
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
        ],
      );
      return this.get(id);
    });
  }

  async setFrames(id: string, frames: { start?: string | null; end?: string | null }): Promise<void> {
    await this.sql.tx(async () => {
      const cur = await this.get(id);
      if (!cur) return;
      await this.sql.run(`UPDATE shots SET start_frame_media_id = ?, end_frame_media_id = ?, updated_at = ? WHERE id = ?`, [
        frames.start === undefined ? cur.start_frame_media_id : frames.start,
        frames.end === undefined ? cur.end_frame_media_id : frames.end,
        nowIso(),
        id,
      ]);
    });
  }

  async reorder(sceneId: string, ids: string[]): Promise<void> {
    await this.sql.tx(async () => {
      await this.sql.lock(sceneLock(sceneId));
      const now = nowIso();
      for (const [i, id] of ids.entries())
        await this.sql.run(`UPDATE shots SET position = ?, updated_at = ? WHERE id = ? AND scene_id = ?`, [i, now, id, sceneId]);
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.sql.tx(async () => {
      const first = await this.get(id);
      if (!first) return false;
      await this.sql.lock(sceneLock(first.scene_id));
      // Read again under the lock: a concurrent insert or delete may have moved it.
      const cur = await this.get(id);
      if (!cur) return false;
      await this.sql.run(`DELETE FROM shots WHERE id = ?`, [id]);
      await this.sql.run(`UPDATE shots SET position = position - 1 WHERE scene_id = ? AND position > ?`, [cur.scene_id, cur.position]);
      return true;
    });
  }

  // ---- takes ----

  /** Add a take with the next number and make it current, atomically (concurrent adds get distinct numbers). */
  async addTake(shotId: string, mediaId: string, kind: TakeKind, parentTakeId: string | null = null): Promise<Take> {
    const id = newId('tk');
    return this.sql.tx(async () => {
      await this.sql.lock(takeLock(shotId));
      const next = await this.nextTakeNumber(shotId);
      await this.sql.run(`INSERT INTO takes (id, shot_id, take_number, media_id, kind, parent_take_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
        id,
        shotId,
        next,
        mediaId,
        kind,
        parentTakeId,
        nowIso(),
      ]);
      await this.sql.run(`UPDATE shots SET current_take_id = ?, updated_at = ? WHERE id = ?`, [id, nowIso(), shotId]);
      return (await this.getTake(id)) as Take;
    });
  }

  /**
   * The number the next take of this shot will get. Exact inside a transaction that called lockTakes() and goes on
   * to add the take (as addTake does); elsewhere a forecast.
   */
  async nextTakeNumber(shotId: string): Promise<number> {
    return Number((await this.sql.get<{ n: number }>(`SELECT COALESCE(MAX(take_number), 0) + 1 AS n FROM takes WHERE shot_id = ?`, [shotId]))?.n ?? 1);
  }

  /** Lock the shot's take sequence for the rest of the caller's transaction (so the number read is the one added). */
  async lockTakes(shotId: string): Promise<void> {
    await this.sql.lock(takeLock(shotId));
  }

  async getTake(id: string): Promise<Take | undefined> {
    const r = await this.sql.get<TakeRow>(`SELECT * FROM takes WHERE id = ?`, [id]);
    return r ? { ...r, take_id: r.id } : undefined;
  }

  async takes(shotId: string): Promise<Take[]> {
    return (await this.sql.all<TakeRow>(`SELECT * FROM takes WHERE shot_id = ? ORDER BY take_number`, [shotId])).map((r) => ({ ...r, take_id: r.id }));
  }

  async setCurrentTake(shotId: string, takeId: string): Promise<void> {
    await this.sql.run(`UPDATE shots SET current_take_id = ?, updated_at = ? WHERE id = ?`, [takeId, nowIso(), shotId]);
  }

  /**
   * Approve a take of a shot (un-approving any other take of it), or withdraw the approval. False when the take is
   * not a take of that shot.
   */
  async setApproved(shotId: string, takeId: string, approved: boolean): Promise<boolean> {
    return this.sql.tx(async () => {
      // One approved take per shot: approvals of one shot serialise on its take sequence.
      await this.sql.lock(takeLock(shotId));
      const take = await this.getTake(takeId);
      if (!take || take.shot_id !== shotId) return false;
      const now = nowIso();
      if (approved) await this.sql.run(`UPDATE takes SET approved_at = NULL WHERE shot_id = ? AND id <> ?`, [shotId, takeId]);
      await this.sql.run(`UPDATE takes SET approved_at = ? WHERE id = ?`, [approved ? (take.approved_at ?? now) : null, takeId]);
      await this.sql.run(`UPDATE shots SET updated_at = ? WHERE id = ?`, [now, shotId]);
      return true;
    });
  }

  /** The shot's approved take, if any. */
  async approvedTake(shotId: string): Promise<Take | undefined> {
    return (await this.takes(shotId)).find((t) => t.approved_at !== null);
  }

  // ---- dialogue audio ----

  async addAudio(shotId: string, mediaId: string, offsetSeconds: number, gainDb: number, text: string | null): Promise<ShotAudio> {
    const id = newId('aud');
    await this.sql.run(`INSERT INTO shot_audio (id, shot_id, media_id, offset_seconds, gain_db, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
      id,
      shotId,
      mediaId,
      offsetSeconds,
      gainDb,
      text,
      nowIso(),
    ]);
    return (await this.getAudio(id)) as ShotAudio;
  }

  async audio(shotId: string): Promise<ShotAudio[]> {
    return (await this.sql.all<AudioRow>(`SELECT * FROM shot_audio WHERE shot_id = ? ORDER BY offset_seconds, created_at`, [shotId])).map((r) => ({
      ...r,
      audio_id: r.id,
    }));
  }

  async getAudio(audioId: string): Promise<ShotAudio | undefined> {
    const r = await this.sql.get<AudioRow>(`SELECT * FROM shot_audio WHERE id = ?`, [audioId]);
    return r ? { ...r, audio_id: r.id } : undefined;
  }

  async updateAudio(audioId: string, patch: { offset_seconds?: number; gain_db?: number }): Promise<ShotAudio | undefined> {
    return this.sql.tx(async () => {
      const cur = await this.getAudio(audioId);
      if (!cur) return undefined;
      await this.sql.run(`UPDATE shot_audio SET offset_seconds = ?, gain_db = ? WHERE id = ?`, [
        patch.offset_seconds ?? cur.offset_seconds,
        patch.gain_db ?? cur.gain_db,
        audioId,
      ]);
      return this.getAudio(audioId);
    });
  }

  async removeAudio(audioId: string): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM shot_audio WHERE id = ?`, [audioId])) > 0;
  }
}
