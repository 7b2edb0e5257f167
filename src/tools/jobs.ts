import { z } from 'zod';
import { notFound } from '../errors.js';
import { jobView } from '../jobs/view.js';
import { TERMINAL, type Job } from '../store/jobs.js';
import type { Studio } from '../studio/studio.js';
import type { ResourceLinkOut, ToolDef, ToolOutput } from './types.js';
import { idArg, zodTool } from './zod-tool.js';
import { jobItem, jobRecord, nextCursor, result } from './output-shapes.js';
import { mediaLinks } from './media-links.js';
import { decodeCursor, pageArgs, pageOf, withoutNulls } from './page.js';

export async function jobLinks(studio: Studio, job: Job): Promise<ResourceLinkOut[]> {
  return [
    { uri: `studio://jobs/${job.job_id}`, name: `job ${job.job_id}`, mimeType: 'application/json' },
    ...(await mediaLinks(studio, job.result?.media_ids ?? [])),
  ];
}

export async function jobOutput(studio: Studio, job: Job): Promise<ToolOutput> {
  return { result: { job: jobView(job) }, links: await jobLinks(studio, job) };
}

export const jobTools: ToolDef[] = [
  zodTool({
    name: 'job_get',
    title: 'Show a job',
    description: 'Status, progress, result (media ids) or error of a generation or render job (same as studio://jobs/{id}).',
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object({ job_id: idArg('job') }),
    output: result({ job: jobRecord }),
    run: async ({ job_id }, { studio }) => {
      const job = await studio.store.jobs.get(job_id);
      if (!job) throw notFound('job', job_id, 'job_id');
      return await jobOutput(studio, job);
    },
  }),
  zodTool({
    name: 'job_wait',
    title: 'Wait for a job',
    description:
      'Wait for a job to finish, up to timeout_seconds (default 45); returns the job as it stands (call again while it runs), with progress notifications ' +
      'when asked.',
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object({ job_id: idArg('job'), timeout_seconds: z.number().min(0).max(600).default(45) }),
    output: result({ job: jobRecord }),
    run: async ({ job_id, timeout_seconds }, { studio, signal, progress }) => {
      const job = await studio.queue.wait(job_id, { timeoutMs: timeout_seconds * 1000, signal, onProgress: (p, m) => progress(p, 1, m) });
      return await jobOutput(studio, job);
    },
  }),
  zodTool({
    name: 'job_cancel',
    title: 'Cancel a job',
    description: 'Cancel a queued or running job, at the provider too where it allows; finished jobs are left as they are.',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    schema: z.object({ job_id: idArg('job') }),
    output: result({ job: jobRecord }),
    run: async ({ job_id }, { studio }) => await jobOutput(studio, await studio.queue.cancel(job_id)),
  }),
  zodTool({
    name: 'job_list',
    title: 'List jobs',
    description:
      "Recent jobs, newest first, a page at a time (next_cursor continues), optionally of one status. Compact items; detail: 'full' gives each job as " +
      'job_get does.',
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object({
      status: z.enum(['queued', 'submitting', 'running', 'downloading', 'succeeded', 'failed', 'canceled']).optional(),
      ...pageArgs,
    }),
    linkMedia: false,
    output: result({ jobs: z.array(jobItem), next_cursor: nextCursor }),
    run: async (a, { studio }) => {
      const after = decodeCursor('job_list', a.cursor);
      const rows = await studio.store.jobs.list({
        ...(a.status ? { status: a.status } : {}),
        limit: a.limit + 1,
        ...(after ? { after: { created_at: after.key, id: after.id } } : {}),
      });
      const page = pageOf(rows, a.limit, (j) => ({ key: j.created_at, id: j.job_id }));
      return { result: { jobs: page.items.map(a.detail === 'full' ? jobView : compactJob), ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}) } };
    },
  }),
];

/** A job in a list: enough to follow it up; errors and warnings stay word for word. */
export function compactJob(job: Job): Record<string, unknown> {
  const ids = job.result?.media_ids ?? [];
  const warnings = [...(job.request.warnings ?? []), ...(job.result?.warnings ?? [])];
  return withoutNulls({
    job_id: job.job_id,
    tool: job.tool,
    model: job.model,
    status: job.status,
    progress: TERMINAL.has(job.status) ? null : job.progress,
    ...(ids.length > 1 ? { media_ids: ids } : { media_id: ids[0] ?? null }),
    error: job.error,
    warnings: warnings.length ? warnings : null,
    created_at: job.created_at,
  });
}
