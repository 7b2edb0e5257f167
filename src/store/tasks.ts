import type { Db } from './db.js';
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
  constructor(private readonly db: Db) {}

  create(t: { task_id: string; tool: string; owner: string; ttl_ms: number | null; poll_ms: number; status_message: string }): TaskRecord {
    const now = nowIso();
    const expires = t.ttl_ms === null ? null : Date.parse(now) + t.ttl_ms;
    this.db
      .prepare(
        `INSERT INTO tasks (id, tool, status, status_message, owner, ttl_ms, poll_ms, created_at, updated_at, expires_at)
         VALUES (?, ?, 'working', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(t.task_id, t.tool, t.status_message, t.owner, t.ttl_ms, t.poll_ms, now, now, expires);
    return this.get(t.task_id) as TaskRecord;
  }

  get(id: string): TaskRecord | undefined {
    const r = this.db.prepare(`SELECT * FROM tasks WHERE id = ?`).get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Progress of a working task; a finished one is left as it is. */
  setProgress(id: string, progress: number | null, message: string): void {
    this.db
      .prepare(`UPDATE tasks SET progress = ?, status_message = ?, updated_at = ? WHERE id = ? AND status = 'working'`)
      .run(progress, message, nowIso(), id);
  }

  linkJob(id: string, jobId: string): void {
    this.db.prepare(`UPDATE tasks SET job_id = ?, updated_at = ? WHERE id = ? AND job_id IS NULL`).run(jobId, nowIso(), id);
  }

  requestCancel(id: string): void {
    this.db.prepare(`UPDATE tasks SET cancel_requested = 1, updated_at = ? WHERE id = ? AND status = 'working'`).run(nowIso(), id);
  }

  /** End a working task once: a task that already ended keeps its first outcome. Returns whether it ended now. */
  finish(id: string, end: { status: Exclude<TaskState, 'working'>; message: string; result?: Record<string, unknown>; error?: TaskRpcError }): boolean {
    const r = this.db
      .prepare(`UPDATE tasks SET status = ?, status_message = ?, result = ?, error = ?, progress = NULL, updated_at = ? WHERE id = ? AND status = 'working'`)
      .run(end.status, end.message, end.result ? JSON.stringify(end.result) : null, end.error ? JSON.stringify(end.error) : null, nowIso(), id);
    return r.changes === 1;
  }

  /** Forget finished tasks whose time to live has run out; a task still working is never dropped. */
  purgeExpired(now: number): number {
    return this.db.prepare(`DELETE FROM tasks WHERE expires_at IS NOT NULL AND expires_at < ? AND status != 'working'`).run(now).changes;
  }

  /** Tasks still marked working, with their owners (to find those whose process is gone). */
  working(): TaskRecord[] {
    return (this.db.prepare(`SELECT * FROM tasks WHERE status = 'working'`).all() as Row[]).map(fromRow);
  }
}
