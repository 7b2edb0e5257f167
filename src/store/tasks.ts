import type { Sql } from './sql.js';
import { nowIso, parseJson } from './ids.js';

/** The task states this server reaches (`input_required` never: no studio tool asks for input while it runs). */
export type TaskState = 'working' | 'completed' | 'failed' | 'cancelled';

/** A JSON-RPC error as a failed task carries it. */
export interface TaskRpcError {
  code: number;
  message: string;
}

/** One MCP task: a tool call answered with a handle, its result (a CallToolResult) kept for later retrieval. */
export interface TaskRecord {
  task_id: string;
  tool: string;
  status: TaskState;
  status_message: string | null;
  /** 0..1 while working, when the tool reports progress. */
  progress: number | null;
  /** The studio job the call submitted, if any (generation tools): followed on cancel and after a restart. */
  job_id: string | null;
  /** The process running it (the job queue's owner id). */
  owner: string;
  cancel_requested: boolean;
  result: Record<string, unknown> | null;
  error: TaskRpcError | null;
  ttl_ms: number | null;
  poll_ms: number;
  created_at: string;
  updated_at: string;
}

interface Row {
  id: string;
  tool: string;
  status: TaskState;
  status_message: string | null;
  progress: number | null;
  job_id: string | null;
  owner: string;
  cancel_requested: number;
  result: string | null;
  error: string | null;
  ttl_ms: number | null;
  poll_ms: number;
  created_at: string;
  updated_at: string;
}

function fromRow(r: Row): TaskRecord {
  return {
    task_id: r.id,
    tool: r.tool,
    status: r.status,
    status_message: r.status_message,
    progress: r.progress,
    job_id: r.job_id,
    owner: r.owner,
    cancel_requested: r.cancel_requested === 1,
    result: parseJson<Record<string, unknown> | null>(r.result, null),
    error: parseJson<TaskRpcError | null>(r.error, null),
    ttl_ms: r.ttl_ms,
    poll_ms: r.poll_ms,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export class TaskRepo {
  constructor(private readonly sql: Sql) {}

  async create(t: { task_id: string; tool: string; owner: string; ttl_ms: number | null; poll_ms: number; status_message: string }): Promise<TaskRecord> {
    const now = nowIso();
    const expires = t.ttl_ms === null ? null : Date.parse(now) + t.ttl_ms;
    await this.sql.run(
      `INSERT INTO tasks (id, tool, status, status_message, owner, ttl_ms, poll_ms, created_at, updated_at, expires_at)
       VALUES (?, ?, 'working', ?, ?, ?, ?, ?, ?, ?)`,
      [t.task_id, t.tool, t.status_message, t.owner, t.ttl_ms, t.poll_ms, now, now, expires],
    );
    return (await this.get(t.task_id)) as TaskRecord;
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const r = await this.sql.get<Row>(`SELECT * FROM tasks WHERE id = ?`, [id]);
    return r ? fromRow(r) : undefined;
  }

  /** Progress of a working task; a finished one is left as it is. */
  async setProgress(id: string, progress: number | null, message: string): Promise<void> {
    await this.sql.run(`UPDATE tasks SET progress = ?, status_message = ?, updated_at = ? WHERE id = ? AND status = 'working'`, [
      progress,
      message,
      nowIso(),
      id,
    ]);
  }

  async linkJob(id: string, jobId: string): Promise<void> {
    await this.sql.run(`UPDATE tasks SET job_id = ?, updated_at = ? WHERE id = ? AND job_id IS NULL`, [jobId, nowIso(), id]);
  }

  async requestCancel(id: string): Promise<void> {
    await this.sql.run(`UPDATE tasks SET cancel_requested = 1, updated_at = ? WHERE id = ? AND status = 'working'`, [nowIso(), id]);
  }

  /** End a working task once: a task that already ended keeps its first outcome. Returns whether it ended now. */
  async finish(
    id: string,
    end: { status: Exclude<TaskState, 'working'>; message: string; result?: Record<string, unknown>; error?: TaskRpcError },
  ): Promise<boolean> {
    const changes = await this.sql.run(
      `UPDATE tasks SET status = ?, status_message = ?, result = ?, error = ?, progress = NULL, updated_at = ? WHERE id = ? AND status = 'working'`,
      [end.status, end.message, end.result ? JSON.stringify(end.result) : null, end.error ? JSON.stringify(end.error) : null, nowIso(), id],
    );
    return changes === 1;
  }

  /** Forget finished tasks whose time to live has run out; a task still working is never dropped. */
  async purgeExpired(now: number): Promise<number> {
    return this.sql.run(`DELETE FROM tasks WHERE expires_at IS NOT NULL AND expires_at < ? AND status <> 'working'`, [now]);
  }

  /** Tasks still marked working, with their owners (to find those whose process is gone). */
  async working(): Promise<TaskRecord[]> {
    return (await this.sql.all<Row>(`SELECT * FROM tasks WHERE status = 'working'`)).map(fromRow);
  }
}
