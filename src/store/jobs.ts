import type { Sql, SqlValue } from './sql.js';
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
  shot_id: string | null;
  cost_usd: number | null;
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
  `SELECT * FROM jobs WHERE status NOT IN ('succeeded','failed','canceled') AND (lease_until IS NULL OR lease_until < ? OR owner IS NULL ` +
  `OR owner <> ?) ORDER BY created_at`;

/** Estimated spend: the cost estimates of jobs that ran or may have reached a provider. */
const SPENT_SQL = `SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM jobs WHERE status NOT IN ('failed','canceled') OR operation_id IS NOT NULL`;

/** Every budget check-then-create serialises on this key, across processes on Postgres. */
const BUDGET_LOCK = 'budget';

export interface NewJob {
  tool: string;
  provider: string;
  model: string;
  request: JobRequest;
  /** The process that will run it; null when a shared queue decides (the runner takes the row with claim()). */
  owner: string | null;
  leaseMs: number;
}

export class JobRepo {
  constructor(private readonly sql: Sql) {}

  async create(input: NewJob): Promise<Job> {
    const id = newId('job');
    const now = nowIso();
    await this.sql.run(
      `INSERT INTO jobs (id, tool, provider, model, status, request, owner, lease_until, shot_id, cost_usd, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        input.tool,
        input.provider,
        input.model,
        JSON.stringify(input.request),
        input.owner,
        input.owner === null ? null : Date.now() + input.leaseMs,
        input.request.shot_id ?? null,
        input.request.cost_usd ?? null,
        now,
        now,
      ],
    );
    return (await this.get(id)) as Job;
  }

  /**
   * Create the job only if its estimated cost fits in what is left of `budgetUsd`: the spend is read and the row
   * written in one transaction that holds the budget lock, so concurrent calls (from any process) can never
   * together pass the budget. Answers the job, or the spend that refused it.
   */
  async createWithinBudget(input: NewJob, budgetUsd: number): Promise<{ job: Job } | { refused: { spentUsd: number } }> {
    return this.sql.tx(async () => {
      await this.sql.lock(BUDGET_LOCK);
      const spentUsd = await this.spentUsd();
      const cost = input.request.cost_usd ?? 0;
      if (cost > 0 && spentUsd + cost > budgetUsd) return { refused: { spentUsd } };
      return { job: await this.create(input) };
    });
  }

  /** Estimated spend so far: the cost estimates of jobs that ran or may have reached a provider. */
  async spentUsd(): Promise<number> {
    return Number((await this.sql.get<{ usd: number }>(SPENT_SQL))?.usd ?? 0);
  }

  async get(id: string): Promise<Job | undefined> {
    const r = await this.sql.get<Row>(`SELECT * FROM jobs WHERE id = ?`, [id]);
    return r ? fromRow(r) : undefined;
  }

  /** Newest first (ties by id); `after` continues from a job's (created_at, id), as MediaRepo.list does. */
  async list(filter: { status?: JobStatus; limit?: number; after?: { created_at: string; id: string } } = {}): Promise<Job[]> {
    const where: string[] = [];
    const args: SqlValue[] = [];
    if (filter.status) {
      where.push('status = ?');
      args.push(filter.status);
    }
    if (filter.after) {
      where.push('(created_at < ? OR (created_at = ? AND id > ?))');
      args.push(filter.after.created_at, filter.after.created_at, filter.after.id);
    }
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id LIMIT ?`;
    return (await this.sql.all<Row>(sql, [...args, filter.limit ?? 100])).map(fromRow);
  }

  /**
   * Unfinished jobs that may have lost their process: the lease ran out, or it is held by an owner other than
   * `self` (the caller checks whether that owner is alive, e.g. a crashed process on this machine whose lease has
   * not run out yet). Every such job, with no row limit, read through the `jobs_unfinished` partial index so the
   * finished history is never scanned.
   */
  async orphaned(now: number, self: string): Promise<Job[]> {
    return (await this.sql.all<Row>(ORPHANED_SQL, [now, self])).map(fromRow);
  }

  /** Unfinished jobs that will make a take of `shotId` (through the `jobs_unfinished_shot` index). */
  async unfinishedForShot(shotId: string): Promise<Job[]> {
    return (
      await this.sql.all<Row>(`SELECT * FROM jobs WHERE status NOT IN ('succeeded','failed','canceled') AND shot_id = ? ORDER BY created_at`, [shotId])
    ).map(fromRow);
  }

  /** Jobs of `tool` that ended failed or canceled while their shot still has no take (bridge shots to remove). */
  async endedWithEmptyShot(tool: string): Promise<string[]> {
    const rows = await this.sql.all<{ id: string }>(
      `SELECT j.id FROM jobs j JOIN shots s ON s.id = j.shot_id WHERE j.status IN ('failed','canceled') AND j.tool = ? AND s.current_take_id IS NULL`,
      [tool],
    );
    return rows.map((r) => r.id);
  }

  /** Replace the job's status message (what happened around it after it ended, e.g. a removed bridge shot). */
  async note(id: string, message: string): Promise<void> {
    await this.sql.run(`UPDATE jobs SET message = ?, updated_at = ? WHERE id = ?`, [message, nowIso(), id]);
  }

  /**
   * Take an unfinished job to run it, atomically: false when it ended, or another process holds it under a lease
   * that has not run out (a row `owner` already holds is taken again, renewing the lease).
   */
  async claim(id: string, owner: string, leaseMs: number, now: number): Promise<boolean> {
    return (
      (await this.sql.run(
        `UPDATE jobs SET owner = ?, lease_until = ?, updated_at = ? WHERE id = ? AND (lease_until IS NULL OR lease_until < ? OR owner = ?) AND status NOT IN ` +
          `('succeeded','failed','canceled')`,
        [owner, now + leaseMs, nowIso(), id, now, owner],
      )) === 1
    );
  }

  /**
   * Cancel a job that is still queued and that no process holds (none took it to run), in one statement so a
   * process taking it at the same moment either wins (and hears the cancellation) or finds it ended.
   */
  async cancelUnclaimed(id: string, now: number): Promise<boolean> {
    const at = nowIso();
    return (
      (await this.sql.run(
        `UPDATE jobs SET status = 'canceled', error = ?, lease_until = NULL, updated_at = ?, finished_at = ? WHERE id = ? AND status = 'queued' ` +
          `AND (lease_until IS NULL OR lease_until < ?)`,
        [JSON.stringify({ code: 'canceled', message: 'canceled before it started' }), at, at, id, now],
      )) === 1
    );
  }

  /** End the lease of a job whose owner is known dead, if that owner still holds it, so claim() can take it. */
  async expireLease(id: string, deadOwner: string | null): Promise<void> {
    if (deadOwner === null) await this.sql.run(`UPDATE jobs SET lease_until = 0 WHERE id = ? AND owner IS NULL`, [id]);
    else await this.sql.run(`UPDATE jobs SET lease_until = 0 WHERE id = ? AND owner = ?`, [id, deadOwner]);
  }

  /** Extend `owner`'s lease; false when the row is no longer theirs (another process took it after the lease ran out). */
  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    return (await this.sql.run(`UPDATE jobs SET lease_until = ? WHERE id = ? AND owner = ?`, [Date.now() + leaseMs, id, owner])) === 1;
  }

  async setStatus(id: string, status: JobStatus, extra: { operation_id?: string; message?: string | null; progress?: number } = {}): Promise<void> {
    await this.sql.tx(async () => {
      const cur = await this.get(id);
      // A finished row is never reopened: a process that lost the race to a cancel or a takeover must not revive it.
      if (!cur || TERMINAL.has(cur.status)) return;
      await this.sql.run(`UPDATE jobs SET status = ?, operation_id = ?, message = ?, progress = ?, attempts = attempts + ?, updated_at = ? WHERE id = ?`, [
        status,
        extra.operation_id ?? cur.operation_id,
        extra.message === undefined ? cur.message : extra.message,
        extra.progress ?? cur.progress,
        status === 'submitting' ? 1 : 0,
        nowIso(),
        id,
      ]);
    });
  }

  async setProgress(id: string, progress: number, message?: string): Promise<void> {
    await this.sql.run(`UPDATE jobs SET progress = ?, message = COALESCE(?, message), updated_at = ? WHERE id = ?`, [progress, message ?? null, nowIso(), id]);
  }

  async succeed(id: string, result: JobResult): Promise<void> {
    const now = nowIso();
    await this.sql.run(`UPDATE jobs SET status = 'succeeded', result = ?, progress = 1, lease_until = NULL, updated_at = ?, finished_at = ? WHERE id = ?`, [
      JSON.stringify(result),
      now,
      now,
      id,
    ]);
  }

  async fail(id: string, error: JobError, status: 'failed' | 'canceled' = 'failed'): Promise<void> {
    const now = nowIso();
    await this.sql.run(`UPDATE jobs SET status = ?, error = ?, lease_until = NULL, updated_at = ?, finished_at = ? WHERE id = ?`, [
      status,
      JSON.stringify(error),
      now,
      now,
      id,
    ]);
  }

  async requestCancel(id: string): Promise<void> {
    await this.sql.run(`UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?`, [nowIso(), id]);
  }
}
