import type { Db } from './db.js';
import { newId, nowIso, parseJson } from './ids.js';
import type { TakeKind } from './shots.js';

export type JobStatus = 'queued' | 'submitting' | 'running' | 'downloading' | 'succeeded' | 'failed' | 'canceled';
export const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'canceled']);

/** What a generation job needs to run or resume: everything by id, never file contents, never secrets. */
export interface JobRequest {
  /** Capability id `<provider>/<model>`. */
  model: string;
  /** Validated values keyed by the provider's field names; media fields hold media ids. */
  fields: Record<string, unknown>;
  /** Names of provider fields that hold media ids (so they can be resolved to files on resume). */
  media_fields: string[];
  /** The agent-facing arguments after injection (for metadata). */
  input_params: Record<string, unknown>;
  character_id: string | null;
  shot_id: string | null;
  /** For outputs that are a new version of another item (lip-sync): the source media. */
  parent_media_id: string | null;
  take_kind: TakeKind | null;
  /** When set, the output becomes a dialogue line of this shot at this offset. */
  attach_audio?: { shot_id: string; offset_seconds: number; gain_db: number; text: string | null; fit?: 'extend' | null } | null;
  start_frame_used: string | null;
  end_frame_used: string | null;
  reference_images_used: string[];
  warnings: string[];
  /** Estimated cost at submission (from the capability's pricing), for the budget guard. */
  cost_usd?: number;
}

export interface JobResult {
  media_ids: string[];
  /** Things the agent should know about the outputs (e.g. a file the provider sent that is not readable media). */
  warnings?: string[];
  take_id?: string | null;
  take_number?: number | null;
  audio_id?: string | null;
  /** Shots downstream whose start frame this job's new take made stale, each with the calls that refresh it. */
  stale_shots?: StaleShot[];
}

/** A cut a new take broke (see src/studio/cuts.ts), as stored with the job's result. */
export interface StaleShot {
  shot_id: string;
  /** 1-based place in the scene, as people count shots. */
  shot_number: number;
  from_shot_id: string;
  reason: string;
  /** The calls that refresh the cut, in order (the lip-sync is redone when the shot had one). */
  fix: string[];
}

export interface JobError {
  code: string;
  message: string;
  field?: string;
  model?: string;
}

export interface Job {
  job_id: string;
  tool: string;
  provider: string;
  model: string;
  status: JobStatus;
  request: JobRequest;
  operation_id: string | null;
  progress: number;
  message: string | null;
  result: JobResult | null;
  error: JobError | null;
  attempts: number;
  owner: string | null;
  lease_until: number | null;
  cancel_requested: boolean;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

interface Row {
  id: string;
  tool: string;
  provider: string;
  model: string;
  status: JobStatus;
  request: string;
  operation_id: string | null;
  progress: number;
  message: string | null;
  result: string | null;
  error: string | null;
  attempts: number;
  owner: string | null;
  lease_until: number | null;
  cancel_requested: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

const fromRow = (r: Row): Job => ({
  job_id: r.id,
  tool: r.tool,
  provider: r.provider,
  model: r.model,
  status: r.status,
  request: parseJson<JobRequest>(r.request, {} as JobRequest),
  operation_id: r.operation_id,
  progress: r.progress,
  message: r.message,
  result: parseJson<JobResult | null>(r.result, null),
  error: parseJson<JobError | null>(r.error, null),
  attempts: r.attempts,
  owner: r.owner,
  lease_until: r.lease_until,
  cancel_requested: r.cancel_requested === 1,
  created_at: r.created_at,
  updated_at: r.updated_at,
  finished_at: r.finished_at,
});

/** The orphan query (exported so a test can check its plan uses the `jobs_unfinished` index). */
export const ORPHANED_SQL =
  `SELECT * FROM jobs WHERE status NOT IN ('succeeded','failed','canceled') AND (lease_until IS NULL OR lease_until < ? OR owner ` +
  `IS NOT ?) ORDER BY created_at`;

export class JobRepo {
  constructor(private readonly db: Db) {}

  create(input: { tool: string; provider: string; model: string; request: JobRequest; owner: string; leaseMs: number }): Job {
    const id = newId('job');
    const now = nowIso();
    this.db
      .prepare(
        `INSERT INTO jobs (id, tool, provider, model, status, request, owner, lease_until, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
      )
      .run(id, input.tool, input.provider, input.model, JSON.stringify(input.request), input.owner, Date.now() + input.leaseMs, now, now);
    return this.get(id) as Job;
  }

  get(id: string): Job | undefined {
    const r = this.db.prepare(`SELECT * FROM jobs WHERE id = ?`).get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Newest first (ties by id); `after` continues from a job's (created_at, id), as MediaRepo.list does. */
  list(filter: { status?: JobStatus; limit?: number; after?: { created_at: string; id: string } } = {}): Job[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.status) {
      where.push('status = ?');
      args.push(filter.status);
    }
    if (filter.after) {
      where.push('(created_at < ? OR (created_at = ? AND id > ?))');
      args.push(filter.after.created_at, filter.after.created_at, filter.after.id);
    }
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit ?? 100) as Row[]).map(fromRow);
  }

  /**
   * Unfinished jobs that may have lost their process: the lease ran out, or it is held by an owner other than
   * `self` (the caller checks whether that owner is alive, e.g. a crashed process on this machine whose lease has
   * not run out yet). Every such job, with no row limit, read through the `jobs_unfinished` partial index so the
   * finished history is never scanned.
   */
  orphaned(now: number, self: string): Job[] {
    return (this.db.prepare(ORPHANED_SQL).all(now, self) as Row[]).map(fromRow);
  }

  /** Unfinished jobs that will make a take of `shotId` (through the `jobs_unfinished` index). */
  unfinishedForShot(shotId: string): Job[] {
    return (
      this.db
        .prepare(`SELECT * FROM jobs WHERE status NOT IN ('succeeded','failed','canceled') AND json_extract(request, '$.shot_id') = ? ORDER BY created_at`)
        .all(shotId) as Row[]
    ).map(fromRow);
  }

  /** Replace the job's status message (what happened around it after it ended, e.g. a removed bridge shot). */
  note(id: string, message: string): void {
    this.db.prepare(`UPDATE jobs SET message = ?, updated_at = ? WHERE id = ?`).run(message, nowIso(), id);
  }

  /** Take over an orphaned job atomically; false when another process got it first. */
  claim(id: string, owner: string, leaseMs: number, now: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE jobs SET owner = ?, lease_until = ?, updated_at = ? WHERE id = ? AND (lease_until IS NULL OR lease_until < ?) AND status NOT IN ` +
            `('succeeded','failed','canceled')`,
        )
        .run(owner, now + leaseMs, nowIso(), id, now).changes === 1
    );
  }

  renewLease(id: string, owner: string, leaseMs: number): void {
    this.db.prepare(`UPDATE jobs SET lease_until = ? WHERE id = ? AND owner = ?`).run(Date.now() + leaseMs, id, owner);
  }

  setStatus(id: string, status: JobStatus, extra: { operation_id?: string; message?: string | null; progress?: number } = {}): void {
    const cur = this.get(id);
    if (!cur) return;
    this.db
      .prepare(`UPDATE jobs SET status = ?, operation_id = ?, message = ?, progress = ?, attempts = attempts + ?, updated_at = ? WHERE id = ?`)
      .run(
        status,
        extra.operation_id ?? cur.operation_id,
        extra.message === undefined ? cur.message : extra.message,
        extra.progress ?? cur.progress,
        status === 'submitting' ? 1 : 0,
        nowIso(),
        id,
      );
  }

  setProgress(id: string, progress: number, message?: string): void {
    this.db.prepare(`UPDATE jobs SET progress = ?, message = COALESCE(?, message), updated_at = ? WHERE id = ?`).run(progress, message ?? null, nowIso(), id);
  }

  succeed(id: string, result: JobResult): void {
    const now = nowIso();
    this.db
      .prepare(`UPDATE jobs SET status = 'succeeded', result = ?, progress = 1, lease_until = NULL, updated_at = ?, finished_at = ? WHERE id = ?`)
      .run(JSON.stringify(result), now, now, id);
  }

  fail(id: string, error: JobError, status: 'failed' | 'canceled' = 'failed'): void {
    const now = nowIso();
    this.db
      .prepare(`UPDATE jobs SET status = ?, error = ?, lease_until = NULL, updated_at = ?, finished_at = ? WHERE id = ?`)
      .run(status, JSON.stringify(error), now, now, id);
  }

  requestCancel(id: string): void {
    this.db.prepare(`UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?`).run(nowIso(), id);
  }
}
