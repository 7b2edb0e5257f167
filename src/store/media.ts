import type { Sql, SqlValue } from './sql.js';
import { parseJson } from './ids.js';

export type MediaType = 'video' | 'image' | 'voice';
/**
 * Where an item came from: a generation, an import, a frame of a video, a render, or derived by the studio from
 * other media (a line padded to its shot for lip-sync).
 */
export type MediaOrigin = 'generated' | 'imported' | 'frame' | 'render' | 'derived';

/**
 * The metadata record of every asset (what was asked for, with what, by which model, for which shot; never a
 * secret), also written as the JSON sidecar next to the file.
 */
export interface MediaRecord {
  media_id: string;
  type: MediaType;
  origin: MediaOrigin;
  provider: string | null;
  model: string | null;
  input_params: Record<string, unknown>;
  character_id: string | null;
  shot_id: string | null;
  take_number: number | null;
  start_frame_used: string | null;
  end_frame_used: string | null;
  reference_images_used: string[];
  /** Relative to the studio folder. */
  file_path: string;
  mime: string;
  bytes: number;
  sha256: string;
  duration: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  has_audio: boolean | null;
  job_id: string | null;
  provider_request_id: string | null;
  parent_media_id: string | null;
  first_frame_id: string | null;
  last_frame_id: string | null;
  extra: Record<string, unknown>;
  timestamp: string;
}

interface Row extends Omit<MediaRecord, 'media_id' | 'input_params' | 'reference_images_used' | 'has_audio' | 'extra'> {
  id: string;
  input_params: string;
  reference_images_used: string;
  has_audio: number | null;
  extra: string;
}

const fromRow = (r: Row): MediaRecord => {
  const { id, input_params, reference_images_used, has_audio, extra, ...rest } = r;
  return {
    media_id: id,
    ...rest,
    input_params: parseJson<Record<string, unknown>>(input_params, {}),
    reference_images_used: parseJson<string[]>(reference_images_used, []),
    has_audio: has_audio === null ? null : has_audio === 1,
    extra: parseJson<Record<string, unknown>>(extra, {}),
  };
};

const COLUMNS = [
  'id',
  'type',
  'origin',
  'provider',
  'model',
  'input_params',
  'character_id',
  'shot_id',
  'take_number',
  'start_frame_used',
  'end_frame_used',
  'reference_images_used',
  'file_path',
  'mime',
  'bytes',
  'sha256',
  'duration',
  'width',
  'height',
  'fps',
  'has_audio',
  'job_id',
  'provider_request_id',
  'parent_media_id',
  'first_frame_id',
  'last_frame_id',
  'extra',
  'timestamp',
] as const;

export class MediaRepo {
  constructor(private readonly sql: Sql) {}

  async insert(m: MediaRecord): Promise<void> {
    const row: Record<string, SqlValue | undefined> = {
      ...m,
      id: m.media_id,
      input_params: JSON.stringify(m.input_params),
      reference_images_used: JSON.stringify(m.reference_images_used),
      has_audio: m.has_audio === null ? null : m.has_audio ? 1 : 0,
      extra: JSON.stringify(m.extra),
    };
    await this.sql.run(
      `INSERT INTO media (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
      COLUMNS.map((c) => row[c] ?? null),
    );
  }

  async get(id: string): Promise<MediaRecord | undefined> {
    const r = await this.sql.get<Row>(`SELECT * FROM media WHERE id = ?`, [id]);
    return r ? fromRow(r) : undefined;
  }

  /**
   * Newest first (ties by id). `after` continues from an item's (timestamp, id): keyset paging, so items added in
   * between never shift later pages. `frames: false` leaves out frame images (the first/last frames of videos,
   * extracted frames, contact sheets).
   */
  async list(
    filter: { type?: MediaType; shot_id?: string; limit?: number; frames?: boolean; after?: { timestamp: string; id: string } } = {},
  ): Promise<MediaRecord[]> {
    const where: string[] = [];
    const args: SqlValue[] = [];
    if (filter.type) {
      where.push('type = ?');
      args.push(filter.type);
    }
    if (filter.shot_id) {
      where.push('shot_id = ?');
      args.push(filter.shot_id);
    }
    if (filter.frames === false) where.push(`origin <> 'frame'`);
    if (filter.after) {
      where.push('(timestamp < ? OR (timestamp = ? AND id > ?))');
      args.push(filter.after.timestamp, filter.after.timestamp, filter.after.id);
    }
    const sql = `SELECT * FROM media ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY timestamp DESC, id LIMIT ?`;
    return (await this.sql.all<Row>(sql, [...args, filter.limit ?? 200])).map(fromRow);
  }

  /** Items made from this one (frames, lip-synced versions, padded lines), oldest first; uses the parent index. */
  async children(parentId: string): Promise<MediaRecord[]> {
    return (await this.sql.all<Row>(`SELECT * FROM media WHERE parent_media_id = ? ORDER BY timestamp, id`, [parentId])).map(fromRow);
  }

  /** What a job already ingested (a resumed ingest skips those), oldest first. */
  async generatedByJob(jobId: string): Promise<MediaRecord[]> {
    return (await this.sql.all<Row>(`SELECT * FROM media WHERE job_id = ? AND origin = 'generated' ORDER BY timestamp`, [jobId])).map(fromRow);
  }

  async setFrames(id: string, firstFrameId: string, lastFrameId: string): Promise<void> {
    await this.sql.run(`UPDATE media SET first_frame_id = ?, last_frame_id = ? WHERE id = ?`, [firstFrameId, lastFrameId, id]);
  }

  async all(): Promise<MediaRecord[]> {
    return (await this.sql.all<Row>(`SELECT * FROM media`)).map(fromRow);
  }

  /** Every item's id and file (the sidecar repair walks these without reading whole records). */
  async files(): Promise<{ id: string; file_path: string }[]> {
    return this.sql.all<{ id: string; file_path: string }>(`SELECT id, file_path FROM media`);
  }
}
