import { randomBytes } from 'node:crypto';
import type { CreateTaskResultV2, GetTaskResultV2 } from '@modelcontextprotocol/ext-tasks/core/v2';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { redact } from '../config.js';
import { toSafeError } from '../errors.js';
import { ownerIsDead } from '../jobs/lease.js';
import type { Store } from '../store/index.js';
import { TERMINAL } from '../store/jobs.js';
import type { TaskRecord, TaskRepo } from '../store/tasks.js';
import type { Studio } from '../studio/studio.js';

/** The extension's identifier (SEP-2663), as clients and servers name it in `capabilities.extensions`. */
export const TASKS_EXTENSION_ID = 'io.modelcontextprotocol/tasks';
/** Where a 2026-07-28 request carries the client's capabilities: a reserved key of its `_meta`. */
const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';

/** Finished tasks are kept a day (a client may come back for the result after a night's render), then forgotten. */
export const TASK_TTL_MS = 24 * 3600_000;
/** How long tasks/cancel waits for the run to stop before acknowledging (cancellation is eventually consistent). */
const CANCEL_WAIT_MS = 15_000;

/** What a task's run reports, as the tool call's own progress and job hook (see ToolContext). */
export interface TaskRunContext {
  signal: AbortSignal;
  /** A task waits for its job to the end (the job has its own timeout), not the plain call's bound. */
  waitMs: number;
  progress: (progress: number, total: number | undefined, message?: string) => void;
  onJob: (jobId: string) => void;
}

/** A tool call's result as the server builds it (tool errors included, as `isError`); it is stored as it is. */
export type ToolCallResult = { content: unknown[]; isError?: boolean; [key: string]: unknown };

export type TaskRun = (ctx: TaskRunContext) => Promise<ToolCallResult>;

/** The server's `capabilities.extensions` entry: the extension has no settings, `{}` says it is supported. */
export function tasksExtension(): Record<string, Record<string, never>> {
  return { [TASKS_EXTENSION_ID]: {} };
}

/**
 * Whether a request declared the extension in its per-request client capabilities. Takes the request's `_meta` (or
 * the SDK's lifted envelope, which holds the same reserved keys). A server must not answer with a task otherwise.
 */
export function declaresTasks(meta: unknown): boolean {
  const caps = record(record(meta)?.[CLIENT_CAPABILITIES_KEY]);
  const entry = record(caps?.extensions)?.[TASKS_EXTENSION_ID];
  return record(entry) !== undefined;
}

/** The error for a tasks/* request from a client that did not declare the extension (-32021). */
export function missingTasksCapability(): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.MissingRequiredClientCapability, 'Missing required client capability', {
    requiredCapabilities: { extensions: tasksExtension() },
  });
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

type Ack = { resultType: 'complete' };
const ACK: Ack = { resultType: 'complete' };

/** Studio → its registry: one per studio, shared by every server instance (2026 HTTP builds one per request). */
const registries = new WeakMap<Studio, TaskRegistry>();
/** Owner id → store of registries made in this process (a studio closed and opened again gets a new owner). */
const liveOwners = new Map<string, WeakRef<Store>>();

/**
 * The tasks of one studio. A task is a row in the studio database (created before the handle is returned, so a
 * tasks/get for it always resolves); the run lives in this process and writes its progress and its end to the row.
 * Results therefore outlive the call, the server instance that took it and a restart. A task whose process died
 * while it worked is reported failed (its job, if any, is resumed by the job queue and named in the message).
 */
export class TaskRegistry {
  private readonly repo: TaskRepo;
  private readonly owner: string;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  /** The start-up pass over tasks cut off by a dead process; every request waits for it. */
  private readonly swept: Promise<void>;

  static for(studio: Studio): TaskRegistry {
    let r = registries.get(studio);
    if (!r) {
      r = new TaskRegistry(studio);
      registries.set(studio, r);
    }
    return r;
  }

  private constructor(private readonly studio: Studio) {
    const repo = studio.store.tasks;
    this.repo = repo;
    this.owner = studio.queue.owner;
    liveOwners.set(this.owner, new WeakRef(studio.store));
    // Tasks cut off by a process that died end now, so they age out with their time to live like any other.
    this.swept = (async () => {
      for (const rec of await repo.working()) if (ownerGone(rec.owner)) await this.orphaned(rec);
    })().catch((err: unknown) => studio.log(`could not check tasks left by stopped processes: ${String(err)}`));
  }

  /** Create the task (durably), start the run in the background and return the handle (`resultType: 'task'`). */
  async start(tool: string, run: TaskRun): Promise<CreateTaskResultV2> {
    await this.swept;
    await this.repo.purgeExpired(Date.now());
    const rec = await this.repo.create({
      // 128 random bits: the id is the only thing that names a task, so it must not be guessable.
      task_id: `task_${randomBytes(16).toString('base64url')}`,
      tool,
      owner: this.owner,
      ttl_ms: TASK_TTL_MS,
      poll_ms: this.pollMs(),
      status_message: `${tool} started`,
    });
    const controller = new AbortController();
    const done = this.drive(rec.task_id, tool, run, controller).finally(() => this.running.delete(rec.task_id));
    this.running.set(rec.task_id, { controller, done });
    return { resultType: 'task', ...taskFields(rec) };
  }

  /** tasks/get: the task as it stands, with its result or error inlined once it has ended. */
  async get(taskId: string): Promise<GetTaskResultV2> {
    return { resultType: 'complete', ...detailed(await this.load(taskId)) } as GetTaskResultV2;
  }

  /**
   * tasks/cancel: stop the run and cancel its job at the provider, then acknowledge. A task of another live process
   * is flagged (its runner sees the flag) and its job cancelled through the queue, which flags it for its owner.
   */
  async cancel(taskId: string): Promise<Ack> {
    const rec = await this.load(taskId);
    if (rec.status !== 'working') return ACK;
    await this.repo.requestCancel(taskId);
    if (rec.job_id) await this.studio.queue.cancel(rec.job_id).catch(() => undefined);
    const mine = this.running.get(taskId);
    if (mine) {
      mine.controller.abort();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([mine.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, CANCEL_WAIT_MS)))]);
      clearTimeout(timer);
    }
    return ACK;
  }

  /** tasks/update: no studio tool asks for input while it runs, so there is never an outstanding request to answer. */
  async update(taskId: string): Promise<Ack> {
    await this.load(taskId);
    return ACK;
  }

  /** The run of one task, from start to its one recorded end. */
  private async drive(id: string, tool: string, run: TaskRun, controller: AbortController): Promise<void> {
    let last = '';
    const progress = (p: number, total: number | undefined, message?: string): void => {
      const fraction = Math.max(0, Math.min(1, total ? p / total : p));
      const text = `${Math.round(fraction * 100)}%${message ? `: ${message}` : ''}`;
      if (text === last) return;
      last = text;
      // Written in the background (progress is advisory). A cancel through another process only reaches the row: look
      // at it whenever there is news anyway. A studio closed under the run leaves the row working for a later process.
      void (async () => {
        await this.repo.setProgress(id, fraction, redact(text, this.studio.config));
        if ((await this.repo.get(id))?.cancel_requested) controller.abort();
      })().catch(() => undefined);
    };
    try {
      let end: Parameters<TaskRepo['finish']>[1];
      try {
        const linked: Promise<void>[] = [];
        const result = await run({
          signal: controller.signal,
          waitMs: TASK_TTL_MS,
          progress,
          onJob: (jobId) => void linked.push(this.repo.linkJob(id, jobId).catch(() => undefined)),
        });
        await Promise.all(linked);
        if (controller.signal.aborted || (await this.repo.get(id))?.cancel_requested) {
          // The run may have submitted its job after the cancel came (it was preparing inputs): cancel that too.
          const jobId = (await this.repo.get(id))?.job_id;
          if (jobId) await this.studio.queue.cancel(jobId).catch(() => undefined);
          end = { status: 'cancelled', message: await this.cancelledMessage(id) };
        } else {
          // Stored as the call would have answered on the 2026-07-28 wire, where every result names its resultType.
          const stored: Record<string, unknown> = { ...result, resultType: 'complete' };
          end = { status: 'completed', message: result.isError ? `${tool} ended with an error` : `${tool} finished`, result: stored };
        }
      } catch (err) {
        // The tool layer turns failures into tool errors; reaching here is a fault of the server itself.
        const message = redact(toSafeError(err).message, this.studio.config);
        end = { status: 'failed', message, error: { code: ProtocolErrorCode.InternalError, message } };
      }
      await this.repo.finish(id, end);
    } catch (err) {
      this.studio.log(`task ${id} (${tool}) could not record its end: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async cancelledMessage(id: string): Promise<string> {
    const jobId = (await this.repo.get(id))?.job_id;
    const job = jobId ? await this.studio.store.jobs.get(jobId) : undefined;
    if (!job) return 'cancelled';
    if (job.status === 'succeeded') return `cancelled; its job ${job.job_id} had already finished (job_get shows its media)`;
    return `cancelled; job ${job.job_id} is ${job.status}`;
  }

  /** The task, or the spec's -32602 when it does not exist (never created, or forgotten after its time to live). */
  private async load(taskId: string): Promise<TaskRecord> {
    await this.swept;
    await this.repo.purgeExpired(Date.now());
    const rec = await this.repo.get(taskId);
    if (!rec) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Failed to retrieve task: Task not found or expired');
    if (rec.status === 'working' && rec.owner !== this.owner && ownerGone(rec.owner)) return this.orphaned(rec);
    return rec;
  }

  /** A task whose process ended while it worked: it can never finish, so it fails, naming its job to follow instead. */
  private async orphaned(rec: TaskRecord): Promise<TaskRecord> {
    const job = rec.job_id ? await this.studio.store.jobs.get(rec.job_id) : undefined;
    const message = job
      ? `the server stopped while this task ran; its job ${job.job_id} is ${job.status}: ${TERMINAL.has(job.status) ? 'see' : 'follow'} it with ` +
        `${TERMINAL.has(job.status) ? 'job_get' : 'job_wait'}(job_id: "${job.job_id}")`
      : 'the server stopped while this task ran; run the call again';
    await this.repo.finish(rec.task_id, { status: 'failed', message, error: { code: ProtocolErrorCode.InternalError, message } });
    return (await this.repo.get(rec.task_id)) as TaskRecord;
  }

  /** Suggested polling: the provider cadence when one is configured for everything, else every 2 s. */
  private pollMs(): number {
    return Math.max(10, Math.min(2000, this.studio.config.pollIntervalMs ?? 2000));
  }
}

/** True when no live registry holds this owner: its process died, or (same process) its studio was closed. */
function ownerGone(owner: string): boolean {
  if (ownerIsDead(owner)) return true;
  if (Number(owner.split(':')[1]) !== process.pid) return false;
  const store = liveOwners.get(owner)?.deref();
  return !store || store.closed;
}

function taskFields(rec: TaskRecord): Omit<CreateTaskResultV2, 'resultType' | '_meta'> {
  return {
    taskId: rec.task_id,
    status: rec.status,
    ...(rec.status_message ? { statusMessage: rec.status_message } : {}),
    createdAt: rec.created_at,
    lastUpdatedAt: rec.updated_at,
    ttlMs: rec.ttl_ms,
    pollIntervalMs: rec.poll_ms,
  };
}

/** The status-specific shape tasks/get returns: the result of a completed task, the error of a failed one. */
function detailed(rec: TaskRecord): Record<string, unknown> {
  const base = taskFields(rec);
  if (rec.status === 'completed') return { ...base, result: rec.result ?? { content: [] } };
  if (rec.status === 'failed') return { ...base, error: rec.error ?? { code: ProtocolErrorCode.InternalError, message: 'failed' } };
  return base;
}
