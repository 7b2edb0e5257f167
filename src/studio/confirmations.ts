import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Capability } from '../capabilities/types.js';
import type { StudioConfig } from '../config.js';
import { StudioError, invalidInput } from '../errors.js';

/**
 * Confirmations before spending (issue 10 part 6). The generation planner, where a call's price is known, asks
 * `requireConfirmation` whether the call may spend; the MCP layer (src/mcp/confirm-gate.ts) turns a "not yet" into
 * a question for the user (elicitation) or a single-use `confirm_token` the agent repeats the call with.
 */

/** How long a confirmation stays valid: long enough for a person to read the question, short enough to be about now. */
export const CONFIRM_TTL_MS = 10 * 60_000;

/** Short on purpose: it is repeated in nine tool schemas that every agent carries in its context. */
export const CONFIRM_TOKEN_DESCRIPTION = 'From a confirmation_required answer: runs that exact call once (10 min).';

/** Why a call must be confirmed, and for how much. */
export interface ConfirmationNeed {
  model: string;
  /** The call's estimated cost; undefined when the model's price is unknown. */
  estimateUsd: number | undefined;
  reason: string;
  /** What is left of STUDIO_BUDGET_USD before this call, when a budget is set. */
  budgetLeftUsd?: number;
}

const usd = (n: number): string => `$${n.toFixed(2)}`;

/**
 * Whether a call needs the user's confirmation. Nothing asks unless STUDIO_CONFIRM_USD is set; then a paid call asks
 * when its estimate is above it, when its price is unknown (it cannot be shown to be below), or when it would take
 * spending past STUDIO_BUDGET_USD (confirmed, it may; without STUDIO_CONFIRM_USD the budget simply refuses).
 */
export function confirmationNeed(config: StudioConfig, cap: Capability, costUsd: number | undefined, spent: () => number): ConfirmationNeed | undefined {
  if (config.confirmUsd === undefined || cap.provider === 'local') return undefined;
  const spentUsd = spent();
  const budgetLeft = config.budgetUsd !== undefined ? Math.max(0, config.budgetUsd - spentUsd) : undefined;
  const left = budgetLeft !== undefined ? { budgetLeftUsd: Math.round(budgetLeft * 1e6) / 1e6 } : {};
  if (costUsd === undefined) {
    return { model: cap.id, estimateUsd: undefined, reason: `the price of ${cap.id} is unknown (its capability has no usable pricing)`, ...left };
  }
  if (costUsd <= 0) return undefined;
  if (config.budgetUsd !== undefined && spentUsd + costUsd > config.budgetUsd) {
    return {
      model: cap.id,
      estimateUsd: costUsd,
      reason: `with ${usd(spentUsd)} already spent, this call would exceed STUDIO_BUDGET_USD=${usd(config.budgetUsd)}`,
      ...left,
    };
  }
  if (costUsd > config.confirmUsd) {
    return { model: cap.id, estimateUsd: costUsd, reason: `the estimate is above STUDIO_CONFIRM_USD=${usd(config.confirmUsd)}`, ...left };
  }
  return undefined;
}

/**
 * One tool call's confirmation state, carried through the call by AsyncLocalStorage so the planner (deep inside a
 * tool) and the MCP layer (around it) share it without threading it through every tool's signature.
 */
export interface CallConfirmation {
  /** What the user approved for this call (consumed by the first paid step that uses it). */
  approved?: { estimateUsd: number | undefined };
  /** Set by the planner when the call needs a confirmation it does not have. */
  needed?: ConfirmationNeed;
  /**
   * A probe stops the call at the cost check whatever it decides (nothing past it runs), so a caller that must answer
   * before the run ends (a task handle) learns first whether to ask. `reached` says the check was reached.
   */
  probe?: boolean;
  reached?: boolean;
}

const scope = new AsyncLocalStorage<CallConfirmation>();

/** Run a tool call inside a confirmation scope; the returned state says whether the call stopped to ask. */
export async function withConfirmation<T>(state: CallConfirmation, run: () => Promise<T>): Promise<T> {
  return scope.run(state, run);
}

/** The error the planner stops a call with; the MCP layer replaces it with the question (it never reaches an agent). */
export class ConfirmationRequired extends StudioError {
  constructor(readonly need: ConfirmationNeed) {
    super('invalid_input', `${need.model}: this call needs confirmation before it spends (${need.reason})`, { model: need.model, field: 'confirm_token' });
  }
}

/** How a probe stops a call at the cost check (a StudioError, so no layer logs it as a fault). */
export class ProbeStop extends StudioError {
  constructor() {
    super('canceled', 'stopped at the cost check (a confirmation probe); nothing was created');
  }
}

/**
 * The planner's cost check, called for every generation with the need (undefined: none). Returns when nothing is
 * needed, or when the call's scope carries an approval covering this estimate (which it uses up); otherwise records
 * the need and throws, before any job exists. In a probe it records and always stops.
 */
export function requireConfirmation(need: ConfirmationNeed | undefined): void {
  const state = scope.getStore();
  const approved = state?.approved;
  const covered = need === undefined || (approved !== undefined && covers(approved.estimateUsd, need.estimateUsd));
  if (state?.probe) {
    state.reached = true;
    if (!covered) state.needed = need;
    throw new ProbeStop();
  }
  if (covered) {
    if (need && state) state.approved = undefined;
    return;
  }
  if (state) state.needed = need;
  throw new ConfirmationRequired(need);
}

/** An approval covers the same or a lower estimate; an approval of an unknown price covers only an unknown price. */
function covers(approvedUsd: number | undefined, neededUsd: number | undefined): boolean {
  if (approvedUsd === undefined || neededUsd === undefined) return approvedUsd === neededUsd;
  return neededUsd <= approvedUsd + 1e-9;
}

/** Arguments in one canonical JSON text: keys sorted at every level, `confirm_token` left out, absent values dropped. */
export function canonicalArgs(args: Record<string, unknown>): string {
  const { confirm_token: _token, ...rest } = args;
  return JSON.stringify(sortKeys(rest));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** What a token says (readable by the client: it holds no secret, only the HMAC makes it unforgeable). */
interface TokenPayload {
  /** Single-use nonce. */
  n: string;
  /** Tool name. */
  t: string;
  /** sha256 of the canonical arguments. */
  h: string;
  /** Expiry, ms since the epoch. */
  e: number;
  /** The estimate the user is asked to approve (null: unknown price). */
  u: number | null;
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

/** A redeemed token: the approval it carries. */
export interface Redeemed {
  estimateUsd: number | undefined;
}

const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Issues and redeems confirm tokens. A token is bound to one tool and its exact arguments, expires after
 * CONFIRM_TTL_MS, runs once, and carries an HMAC under a key that lives only in this process (a restart voids
 * every token, which is the safe direction). Issued calls are remembered until they expire so a refusal can name
 * what changed.
 */
export class Confirmations {
  private readonly key = randomBytes(32);
  private readonly issued = new Map<string, { tool: string; args: Record<string, unknown>; expires: number; used: boolean }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(tool: string, args: Record<string, unknown>, estimateUsd: number | undefined): IssuedToken {
    this.prune();
    const expires = this.now() + CONFIRM_TTL_MS;
    const payload: TokenPayload = { n: b64(randomBytes(12)), t: tool, h: sha256(canonicalArgs(args)), e: expires, u: estimateUsd ?? null };
    const body = b64(JSON.stringify(payload));
    const { confirm_token: _t, ...bound } = args;
    this.issued.set(payload.n, { tool, args: bound, expires, used: false });
    return { token: `${body}.${this.sign(body)}`, expiresAt: new Date(expires).toISOString() };
  }

  /** Check a token against the call without using it up (the elicitation round checks before it asks nothing more). */
  verify(tool: string, args: Record<string, unknown>, token: unknown): Redeemed {
    const payload = this.open(token);
    const rec = this.issued.get(payload.n);
    if (rec?.used) {
      throw invalidInput(`'confirm_token' was already used: a token runs its call once; call ${tool} again without it for a new estimate`, {
        field: 'confirm_token',
      });
    }
    if (payload.e <= this.now()) {
      throw invalidInput(
        `'confirm_token' expired at ${new Date(payload.e).toISOString()} (tokens last ${CONFIRM_TTL_MS / 60_000} minutes); nothing was run. ` +
          `Call ${tool} again without it for a new estimate`,
        { field: 'confirm_token' },
      );
    }
    if (payload.t !== tool) {
      throw invalidInput(`'confirm_token' was issued for ${payload.t}, not ${tool}`, { field: 'confirm_token', accepts: `a token from a ${tool} call` });
    }
    if (payload.h !== sha256(canonicalArgs(args))) {
      const changed = rec ? changedKeys(rec.args, args) : [];
      throw invalidInput(
        `'confirm_token' was issued for other arguments${changed.length ? ` (changed: ${changed.join(', ')})` : ''}: a token confirms exactly the ` +
          `call it was issued for; repeat that call unchanged, or call without confirm_token for a new estimate`,
        { field: 'confirm_token' },
      );
    }
    if (!rec) {
      // Signed by this process but no longer remembered (pruned after expiry): treat as expired, never as valid.
      throw invalidInput(`'confirm_token' is no longer valid; call ${tool} again without it for a new estimate`, { field: 'confirm_token' });
    }
    return { estimateUsd: payload.u ?? undefined };
  }

  /** Verify and use up a token: the call it confirms may now run, once. */
  redeem(tool: string, args: Record<string, unknown>, token: unknown): Redeemed {
    const ok = this.verify(tool, args, token);
    const rec = this.issued.get(this.open(token).n);
    if (rec) rec.used = true;
    return ok;
  }

  /** Use a token up without running anything (a declined confirmation cannot be replayed as an approval). */
  burn(token: unknown): void {
    try {
      const rec = this.issued.get(this.open(token).n);
      if (rec) rec.used = true;
    } catch {
      // Not ours: nothing to burn.
    }
  }

  private open(token: unknown): TokenPayload {
    const bad = (): StudioError =>
      invalidInput(`'confirm_token' is not a token this server issued (or the server restarted since); call again without it for a new one`, {
        field: 'confirm_token',
      });
    if (typeof token !== 'string' || token.length > 2000) throw bad();
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) throw bad();
    const want = Buffer.from(this.sign(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw bad();
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
    } catch {
      throw bad();
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  /** Forget calls whose tokens expired (an expired token is refused from its own payload, before this record is needed). */
  private prune(): void {
    const now = this.now();
    for (const [n, rec] of this.issued) if (rec.expires <= now) this.issued.delete(n);
  }
}

/** Top-level arguments that differ between the confirmed call and this one (added, removed or changed). */
function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  keys.delete('confirm_token');
  return [...keys].filter((k) => JSON.stringify(sortKeys(before[k])) !== JSON.stringify(sortKeys(after[k]))).sort();
}

const registry = new WeakMap<object, Confirmations>();

/** The confirmations of one studio (shared by every connection and every per-request server instance). */
export function confirmationsOf(studio: object): Confirmations {
  let c = registry.get(studio);
  if (!c) {
    c = new Confirmations();
    registry.set(studio, c);
  }
  return c;
}
