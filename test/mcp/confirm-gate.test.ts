import type { CallToolResult, InputRequiredResult } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import type { StudioError } from '../../src/errors.js';
import { CONFIRM_INPUT_KEY, canElicit, gatedCall, type GatedCall } from '../../src/mcp/confirm-gate.js';
import { type ConfirmationNeed, requireConfirmation } from '../../src/studio/confirmations.js';

/**
 * The gate without a server: `run` stands in for a paying tool whose planner asks for `need` before it "creates" a
 * job. The MCP-level behaviour (elicitation through a real client, the fallback, the fakes) is in
 * test/server/confirmations.test.ts.
 */

const NEED: ConfirmationNeed = {
  model: 'replicate/bytedance/seedream-4',
  estimateUsd: 0.12,
  reason: 'the estimate is above STUDIO_CONFIRM_USD=$0.05',
  budgetLeftUsd: 0.38,
};
const ARGS = { model: 'replicate/bytedance/seedream-4', prompt: 'four doors', max_images: 4 };

function world() {
  const studio = {};
  const created: Record<string, unknown>[] = [];
  const base = {
    studio,
    config: { budgetUsd: 0.5, confirmUsd: 0.05 },
    tool: 'image_generate',
    canElicit: false,
    run: async (args: Record<string, unknown>): Promise<CallToolResult> => {
      try {
        requireConfirmation(NEED);
      } catch (err) {
        return { isError: true, content: [{ type: 'text', text: (err as Error).message }] };
      }
      created.push(args);
      return { content: [{ type: 'text', text: 'created' }], structuredContent: { status: 'succeeded' } };
    },
    refuse: (err: StudioError): CallToolResult => ({
      isError: true,
      content: [{ type: 'text', text: err.message }],
      structuredContent: { error: err.toJSON() },
    }),
  };
  const call = <T = never>(over: Partial<GatedCall<T>>) => gatedCall<T>({ ...base, args: ARGS, ...over });
  return { created, call, run: base.run };
}

const structured = (r: CallToolResult | InputRequiredResult): Record<string, unknown> => (r as CallToolResult).structuredContent as Record<string, unknown>;

describe('confirm gate', () => {
  it('a client without elicitation gets the token fallback; the token runs the same call exactly once', async () => {
    const w = world();
    const first = await w.call({});
    const body = structured(first);
    expect((first as CallToolResult).isError).toBeUndefined();
    expect(body.status).toBe('confirmation_required');
    expect(body.estimate_usd).toBe(0.12);
    expect(body.budget_left_usd).toBe(0.38);
    expect(body.reason).toBe(NEED.reason);
    expect(body.call).toEqual({ tool: 'image_generate', arguments: { ...ARGS, confirm_token: body.confirm_token } });
    expect(w.created).toHaveLength(0);

    const ok = await w.call({ args: { ...ARGS, confirm_token: body.confirm_token } });
    expect(structured(ok)).toEqual({ status: 'succeeded' });
    expect(w.created).toEqual([ARGS]); // the tool never sees the token

    const reused = await w.call({ args: { ...ARGS, confirm_token: body.confirm_token } });
    expect((reused as CallToolResult).isError).toBe(true);
    expect((structured(reused).error as { field: string; message: string }).field).toBe('confirm_token');
    expect(w.created).toHaveLength(1);
  });

  it('a changed argument with the token is refused and creates nothing', async () => {
    const w = world();
    const token = structured(await w.call({})).confirm_token;
    const r = await w.call({ args: { ...ARGS, max_images: 3, confirm_token: token } });
    expect((structured(r).error as { message: string }).message).toContain('(changed: max_images)');
    expect(w.created).toHaveLength(0);
  });

  it('a client that can elicit is asked with one boolean form field naming model, estimate and budget; yes runs once', async () => {
    const w = world();
    const ask = (await w.call({ canElicit: true })) as InputRequiredResult;
    expect(ask.resultType).toBe('input_required');
    const req = ask.inputRequests?.[CONFIRM_INPUT_KEY] as { method: string; params: { mode?: string; message: string; requestedSchema: unknown } };
    expect(req.method).toBe('elicitation/create');
    expect(req.params.message).toBe(
      'image_generate with replicate/bytedance/seedream-4 is estimated at $0.12 (the estimate is above STUDIO_CONFIRM_USD=$0.05). ' +
        'Budget left: $0.38 of $0.50. Run it?',
    );
    expect(req.params.requestedSchema).toEqual({
      type: 'object',
      properties: { approve: { type: 'boolean', title: 'Approve this spend', description: 'Yes runs the call once; no creates nothing.', default: false } },
      required: ['approve'],
    });
    expect(typeof ask.requestState).toBe('string');
    expect(w.created).toHaveLength(0);

    const yes = { [CONFIRM_INPUT_KEY]: { action: 'accept', content: { approve: true } } };
    await w.call({ canElicit: true, inputResponses: yes, requestState: ask.requestState });
    expect(w.created).toEqual([ARGS]);
    // The same answer replayed is refused: the question's token ran its call.
    const replay = await w.call({ canElicit: true, inputResponses: yes, requestState: ask.requestState });
    expect((structured(replay).error as { message: string }).message).toContain('already used');
    expect(w.created).toHaveLength(1);
  });

  it('declined, cancelled or unticked: nothing is created and the question cannot be answered again', async () => {
    for (const answer of [{ action: 'decline' }, { action: 'cancel' }, { action: 'accept', content: { approve: false } }]) {
      const w = world();
      const ask = (await w.call({ canElicit: true })) as InputRequiredResult;
      const no = await w.call({ canElicit: true, inputResponses: { [CONFIRM_INPUT_KEY]: answer }, requestState: ask.requestState });
      expect((no as CallToolResult).isError).toBe(true);
      expect(structured(no).error).toEqual({
        code: 'canceled',
        message: 'confirmation declined; nothing was created (image_generate was not run)',
        field: 'confirm_token',
      });
      const yes = { [CONFIRM_INPUT_KEY]: { action: 'accept', content: { approve: true } } };
      const late = await w.call({ canElicit: true, inputResponses: yes, requestState: ask.requestState });
      expect((structured(late).error as { message: string }).message).toContain('already used');
      expect(w.created).toHaveLength(0);
    }
  });

  it('an approval answered for other arguments is refused', async () => {
    const w = world();
    const ask = (await w.call({ canElicit: true })) as InputRequiredResult;
    const yes = { [CONFIRM_INPUT_KEY]: { action: 'accept', content: { approve: true } } };
    const r = await w.call({ args: { ...ARGS, prompt: 'five doors' }, canElicit: true, inputResponses: yes, requestState: ask.requestState });
    expect((structured(r).error as { message: string }).message).toContain('(changed: prompt)');
    expect(w.created).toHaveLength(0);
  });

  it('tools that cannot spend pass straight through, confirm_token and all', async () => {
    const w = world();
    let seen: Record<string, unknown> | undefined;
    const r = await w.call({
      tool: 'render_scene',
      args: { scene_id: 'scn_1', confirm_token: 'x' },
      run: async (args) => {
        seen = args;
        return { content: [] };
      },
    });
    expect(r).toEqual({ content: [] });
    expect(seen).toEqual({ scene_id: 'scn_1', confirm_token: 'x' });
  });
});

describe('confirm gate for a call answered with a task handle (start)', () => {
  /** A task: the handle at once, the run in the background (after a tick, so it is truly asynchronous). */
  function tasks(w: ReturnType<typeof world>) {
    const runs: Promise<CallToolResult>[] = [];
    const start = async (args: Record<string, unknown>): Promise<{ task: number }> => {
      runs.push(new Promise<void>((r) => setImmediate(r)).then(() => w.run(args)));
      return { task: runs.length };
    };
    return { runs, start };
  }

  it('without approval the question comes instead of a handle; nothing starts, nothing is created', async () => {
    const w = world();
    const t = tasks(w);
    const r = await w.call({ start: t.start });
    expect(structured(r as CallToolResult).status).toBe('confirmation_required');
    expect(t.runs).toHaveLength(0);
    expect(w.created).toHaveLength(0);
  });

  it('with a token the handle comes back and the background run spends the approval once', async () => {
    const w = world();
    const t = tasks(w);
    const token = structured(await w.call({})).confirm_token;
    const handle = await w.call({ args: { ...ARGS, confirm_token: token }, start: t.start });
    expect(handle).toEqual({ task: 1 });
    expect(structured(await (t.runs[0] as Promise<CallToolResult>))).toEqual({ status: 'succeeded' });
    expect(w.created).toEqual([ARGS]);
  });

  it('without STUDIO_CONFIRM_USD the task starts without a probe', async () => {
    const w = world();
    const t = tasks(w);
    let probes = 0;
    const handle = await w.call({
      config: {},
      run: async () => {
        probes++;
        return { content: [] };
      },
      start: t.start,
    });
    expect(handle).toEqual({ task: 1 });
    expect(probes).toBe(0);
  });

  it('a call that ends before any paid step answers with its result and starts nothing', async () => {
    const w = world();
    const t = tasks(w);
    const r = await w.call({ run: async () => ({ content: [{ type: 'text', text: 'crossfade instead' }] }), start: t.start });
    expect(r).toEqual({ content: [{ type: 'text', text: 'crossfade instead' }] });
    expect(t.runs).toHaveLength(0);
  });
});

describe('canElicit', () => {
  it('reads the 2026 envelope first, then the 2025 declaration; a bare elicitation means form', () => {
    const key = 'io.modelcontextprotocol/clientCapabilities';
    expect(canElicit({ [key]: { elicitation: { form: {} } } }, undefined)).toBe(true);
    expect(canElicit({ [key]: {} }, { elicitation: {} })).toBe(false);
    expect(canElicit(undefined, { elicitation: {} })).toBe(true);
    expect(canElicit(undefined, { elicitation: { url: {} } })).toBe(false);
    expect(canElicit(undefined, { elicitation: { form: {}, url: {} } })).toBe(true);
    expect(canElicit(undefined, {})).toBe(false);
    expect(canElicit(undefined, undefined)).toBe(false);
  });
});
