import { type Job, TERMINAL } from '../store/jobs.js';

/**
 * A job as the agent sees it: status, progress, result or error; never the raw request. One view for the job
 * tools and the `studio://jobs` resources.
 */
export function jobView(job: Job): Record<string, unknown> {
  return {
    job_id: job.job_id,
    tool: job.tool,
    model: job.model,
    status: job.status,
    done: TERMINAL.has(job.status),
    progress: job.progress,
    message: job.message,
    operation_id: job.operation_id,
    result: job.result,
    error: job.error,
    warnings: [...(job.request.warnings ?? []), ...(job.result?.warnings ?? [])],
    created_at: job.created_at,
    finished_at: job.finished_at,
  };
}
