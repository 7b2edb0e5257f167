import { ToolCallError, type ProgressFn, type ToolCaller } from './caller.js';

/** What a finished generation made. */
export interface Generated {
  media_id: string;
  take_number: number | null;
  audio_id: string | null;
  cost_usd: number | undefined;
  warnings: string[];
}

interface JobView {
  job_id: string;
  status: string;
  done: boolean;
  result: { media_ids?: string[]; take_number?: number | null; audio_id?: string | null } | null;
  error: { code: string; message: string } | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/**
 * Call a generation tool and see it to the end. The tool answers with a job id when the job outlives its wait
 * bound (real providers can take minutes), so the job is followed with job_wait until it is done.
 */
export async function generate(caller: ToolCaller, tool: string, args: Record<string, unknown>, onProgress?: ProgressFn): Promise<Generated> {
  const first = await caller.call(tool, { ...args, wait: true }, onProgress);
  const cost = num(first.cost_estimate_usd) ?? undefined;
  const warnings = Array.isArray(first.warnings) ? first.warnings.map(String) : [];
  if (first.status === 'succeeded') {
    const mediaId = str(first.media_id);
    if (!mediaId) throw new ToolCallError(tool, { code: 'internal', message: 'the call succeeded without a media id' });
    return { media_id: mediaId, take_number: num(first.take_number), audio_id: str(first.audio_id), cost_usd: cost, warnings };
  }
  const jobId = str(first.job_id);
  if (!jobId) throw new ToolCallError(tool, { code: 'internal', message: `unexpected status '${String(first.status)}' without a job id` });
  for (;;) {
    const r = await caller.call('job_wait', { job_id: jobId, timeout_seconds: 300 }, onProgress);
    const job = r.job as JobView;
    if (!job.done) continue;
    if (job.status !== 'succeeded') throw new ToolCallError(tool, job.error ?? { code: 'internal', message: `job ${jobId} ended ${job.status}` });
    const mediaId = job.result?.media_ids?.[0];
    if (!mediaId) throw new ToolCallError(tool, { code: 'internal', message: `job ${jobId} finished without a media id` });
    return { media_id: mediaId, take_number: job.result?.take_number ?? null, audio_id: job.result?.audio_id ?? null, cost_usd: cost, warnings };
  }
}
