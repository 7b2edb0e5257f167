import { describe, expect, it } from 'vitest';
import { ToolCallError, type ToolCaller } from '../../src/plans/caller.js';
import { generate } from '../../src/plans/call-generation.js';

/** A caller that answers from a script, recording the calls. */
function scripted(replies: Record<string, unknown>[]): { caller: ToolCaller; calls: [string, Record<string, unknown>][] } {
  const calls: [string, Record<string, unknown>][] = [];
  return {
    calls,
    caller: {
      call: async (tool, args) => {
        calls.push([tool, args]);
        const r = replies.shift();
        if (!r) throw new Error('no more replies');
        return r;
      },
    },
  };
}

const running = { status: 'running', job_id: 'job_1', cost_estimate_usd: 0.32, warnings: ['w'] };
const job = (status: string, done: boolean, extra: Record<string, unknown> = {}) => ({
  job: { job_id: 'job_1', status, done, result: null, error: null, ...extra },
});

describe('generate (a generation call seen through to its media)', () => {
  it('follows a job id with job_wait until the job is done', async () => {
    const s = scripted([running, job('running', false), job('succeeded', true, { result: { media_ids: ['med_1'], take_number: 2, audio_id: null } })]);
    const g = await generate(s.caller, 'video_generate', { shot_id: 'sht_1' });
    expect(g).toEqual({ media_id: 'med_1', take_number: 2, audio_id: null, cost_usd: 0.32, warnings: ['w'] });
    expect(s.calls.map((c) => c[0])).toEqual(['video_generate', 'job_wait', 'job_wait']);
    expect(s.calls[0]?.[1]).toEqual({ shot_id: 'sht_1', wait: true });
  });

  it("turns a failed job into the tool's error", async () => {
    const s = scripted([running, job('failed', true, { error: { code: 'safety_blocked', message: 'the prompt was blocked' } })]);
    const err = await generate(s.caller, 'video_generate', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolCallError);
    expect((err as ToolCallError).message).toBe('video_generate: safety_blocked: the prompt was blocked');
  });
});
