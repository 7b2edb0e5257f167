import {
  CLIENT_CAPABILITIES_META_KEY,
  type CallToolResult,
  type ClientCapabilities,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
} from '@modelcontextprotocol/server';
import { STUDIO_ARGS_BY_TASK } from '../capabilities/defaults.js';
import { StudioError } from '../errors.js';
import { type CallConfirmation, type ConfirmationNeed, confirmationsOf, withConfirmation } from '../studio/confirmations.js';

/**
 * The MCP side of confirmations before spending. The server wraps every paying tool call in `gatedCall`: the call
 * runs inside a confirmation scope; when the planner stops it for want of a confirmation (before any job exists),
 * the gate answers with a question instead — an `input_required` elicitation for clients that can show one (the
 * SDK's legacy shim turns it into `elicitation/create` on 2025-era connections), else a `confirm_token` the agent
 * repeats the call with. Both paths are one token: the elicitation round carries it as `requestState`.
 */

/** The tools that can spend money: every generation tool and the bridge generator. Render and the rest are local. */
export const CONFIRMABLE_TOOLS: ReadonlySet<string> = new Set([...Object.keys(STUDIO_ARGS_BY_TASK), 'video_smooth_transition']);

/** The key of the confirmation question in `inputRequests` / `inputResponses`. */
export const CONFIRM_INPUT_KEY = 'confirm_spend';

/** The form: one yes/no field, nothing else (a form never asks for secrets). */
const APPROVE_SCHEMA = {
  type: 'object' as const,
  properties: {
    approve: { type: 'boolean' as const, title: 'Approve this spend', description: 'Yes runs the call once; no creates nothing.', default: false },
  },
  required: ['approve'],
};

export interface GatedCall<T> {
  /** The studio (its confirmations are shared by every connection). */
  studio: object;
  /** STUDIO_CONFIRM_USD (unset: nothing asks, so a task needs no probe) and STUDIO_BUDGET_USD (named in the question). */
  config: { confirmUsd?: number | undefined; budgetUsd?: number | undefined };
  tool: string;
  args: Record<string, unknown>;
  /** Whether the client can answer a form elicitation (see `canElicit`). */
  canElicit: boolean;
  /** `ctx.mcpReq.inputResponses` of a retried call. */
  inputResponses?: Record<string, unknown> | undefined;
  /** `ctx.mcpReq.requestState()` of a retried call: the token the question carried. */
  requestState?: unknown;
  /** Run the tool to its end (arguments without `confirm_token`). */
  run: (args: Record<string, unknown>) => Promise<CallToolResult>;
  /**
   * For a call answered before its run ends (a task): start the run in the background and return the handle. The
   * call is first probed — run up to its cost check and stopped there — so the question comes before any handle,
   * and the started run carries the approval (AsyncLocalStorage follows it into the background).
   */
  start?: (args: Record<string, unknown>) => Promise<T>;
  /** The server's tool error result for a studio error. */
  refuse: (err: StudioError) => CallToolResult;
}

/**
 * Run a tool call, asking first when it would spend more than the user allowed. Returns the tool's result (or the
 * started task's handle), an `input_required` question, a `confirmation_required` result carrying a token, or a
 * refusal (bad, reused or expired token; declined question). Whatever is not run creates nothing: the planner stops
 * before the job queue.
 */
export async function gatedCall<T = never>(call: GatedCall<T>): Promise<CallToolResult | InputRequiredResult | T> {
  if (!CONFIRMABLE_TOOLS.has(call.tool)) return call.start ? call.start(call.args) : call.run(call.args);
  const confirmations = confirmationsOf(call.studio);
  const { confirm_token: token, ...args } = call.args;
  const state: CallConfirmation = {};
  try {
    if (token !== undefined) {
      state.approved = confirmations.redeem(call.tool, args, token);
    } else if (call.requestState !== undefined) {
      const answer = inputResponse(call.inputResponses, CONFIRM_INPUT_KEY);
      if (answer.kind === 'elicit' && answer.action === 'accept' && answer.content?.approve === true) {
        state.approved = confirmations.redeem(call.tool, args, call.requestState);
      } else if (answer.kind === 'elicit') {
        // Declined, cancelled or left unticked: the question's token is used up, so the answer cannot be replayed.
        confirmations.burn(call.requestState);
        return call.refuse(new StudioError('canceled', `confirmation declined; nothing was created (${call.tool} was not run)`, { field: 'confirm_token' }));
      }
    }
  } catch (err) {
    if (err instanceof StudioError) return call.refuse(err);
    throw err;
  }

  const start = call.start;
  if (start) {
    if (call.config.confirmUsd !== undefined) {
      const probe: CallConfirmation = { ...state, probe: true };
      const early = await withConfirmation(probe, () => call.run(args));
      // Ended (or failed) before any paid step, e.g. a bridge that fell back to a crossfade: that is the answer.
      if (!probe.reached) return early;
      if (probe.needed) return ask(call, args, probe.needed);
    }
    return withConfirmation(state, () => start(args));
  }
  const result = await withConfirmation(state, () => call.run(args));
  return state.needed ? ask(call, args, state.needed) : result;
}

/** The question: an elicitation for a client that can answer one, else the estimate and a token. */
function ask<T>(call: GatedCall<T>, args: Record<string, unknown>, need: ConfirmationNeed): CallToolResult | InputRequiredResult {
  const issued = confirmationsOf(call.studio).issue(call.tool, args, need.estimateUsd);
  if (call.canElicit) {
    return inputRequired({
      inputRequests: {
        [CONFIRM_INPUT_KEY]: inputRequired.elicit({ message: question(call.tool, need, call.config.budgetUsd), requestedSchema: APPROVE_SCHEMA }),
      },
      requestState: issued.token,
    });
  }
  return fallback(call.tool, args, need, issued.token, issued.expiresAt);
}

const usd = (n: number): string => `$${n.toFixed(2)}`;
const estimateText = (need: ConfirmationNeed): string => (need.estimateUsd === undefined ? 'of unknown price' : `estimated at ${usd(need.estimateUsd)}`);

/** What the user reads: the model, the estimate, why it asks, and what is left of the budget. */
export function question(tool: string, need: ConfirmationNeed, budgetUsd: number | undefined): string {
  const budget =
    budgetUsd !== undefined && need.budgetLeftUsd !== undefined
      ? `Budget left: ${usd(need.budgetLeftUsd)} of ${usd(budgetUsd)}.`
      : 'No budget is set (STUDIO_BUDGET_USD).';
  return `${tool} with ${need.model} is ${estimateText(need)} (${need.reason}). ${budget} Run it?`;
}

/** For clients that cannot answer a question: the estimate and a token; nothing was created. */
function fallback(tool: string, args: Record<string, unknown>, need: ConfirmationNeed, token: string, expiresAt: string): CallToolResult {
  const message =
    `nothing was created: ${tool} with ${need.model} is ${estimateText(need)} (${need.reason}). Ask the user; to run it, call ${tool} again with ` +
    `exactly the same arguments plus confirm_token (once, before ${expiresAt})`;
  const structured = {
    status: 'confirmation_required',
    model: need.model,
    estimate_usd: need.estimateUsd ?? null,
    reason: need.reason,
    ...(need.budgetLeftUsd !== undefined ? { budget_left_usd: need.budgetLeftUsd } : {}),
    confirm_token: token,
    expires_at: expiresAt,
    call: { tool, arguments: { ...args, confirm_token: token } },
    message,
  };
  return { content: [{ type: 'text', text: `confirmation_required: ${message}` }], structuredContent: structured };
}

/**
 * Whether the client can answer a form elicitation: on 2026-07-28 from the request's envelope, on the 2025 era
 * from the capabilities declared at initialize. A bare `elicitation: {}` means form (its meaning before modes).
 */
export function canElicit(envelope: unknown, declared: ClientCapabilities | undefined): boolean {
  const fromEnvelope = envelope !== null && typeof envelope === 'object' ? (envelope as Record<string, unknown>)[CLIENT_CAPABILITIES_META_KEY] : undefined;
  const caps = (fromEnvelope !== null && typeof fromEnvelope === 'object' ? fromEnvelope : declared) as ClientCapabilities | undefined;
  const e = caps?.elicitation as Record<string, unknown> | undefined;
  if (!e || typeof e !== 'object') return false;
  return e.form !== undefined || e.url === undefined;
}
