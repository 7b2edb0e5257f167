import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { StudioError } from '../../src/errors.js';
import {
  CONFIRM_TTL_MS,
  canonicalArgs,
  ConfirmationRequired,
  Confirmations,
  confirmationNeed,
  requireConfirmation,
  withConfirmation,
  type CallConfirmation,
} from '../../src/studio/confirmations.js';
import { cap } from '../capabilities/helpers.js';

/** Issue 10 part 6: a confirm_token runs exactly the confirmed call, once, within ten minutes. */

const TOOL = 'image_generate';
const ARGS = { model: 'replicate/bytedance/seedream-4', prompt: 'four doors', max_images: 4 };

/** A clock the test moves by hand (no wall-clock assertions). */
function clock(start = 1_800_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

function refusal(fn: () => unknown): StudioError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StudioError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('confirm tokens', () => {
  it('the exact arguments run once: the first redeem returns the approved estimate, the second is refused as reused', () => {
    const c = new Confirmations(clock().now);
    const { token } = c.issue(TOOL, ARGS, 0.12);
    expect(c.redeem(TOOL, { ...ARGS }, token)).toEqual({ estimateUsd: 0.12 });
    const again = refusal(() => c.redeem(TOOL, ARGS, token));
    expect(again.code).toBe('invalid_input');
    expect(again.details.field).toBe('confirm_token');
    expect(again.message).toBe("'confirm_token' was already used: a token runs its call once; call image_generate again without it for a new estimate");
  });

  it('key order and the token itself do not change the binding; undefined members are absent members', () => {
    const c = new Confirmations(clock().now);
    const { token } = c.issue(TOOL, ARGS, 0.12);
    const reordered = { max_images: 4, prompt: 'four doors', model: 'replicate/bytedance/seedream-4', confirm_token: token, seed: undefined };
    expect(c.redeem(TOOL, reordered, token).estimateUsd).toBe(0.12);
    expect(canonicalArgs({ b: { y: 1, x: [2, { d: 1, c: 0 }] }, a: 1, confirm_token: 'x' })).toBe('{"a":1,"b":{"x":[2,{"c":0,"d":1}],"y":1}}');
  });

  it('a changed, added or removed argument is refused and named; the token stays good for the original call', () => {
    const c = new Confirmations(clock().now);
    const { token } = c.issue(TOOL, ARGS, 0.12);
    const changed = refusal(() => c.redeem(TOOL, { ...ARGS, max_images: 5 }, token));
    expect(changed.details.field).toBe('confirm_token');
    expect(changed.message).toContain('(changed: max_images)');
    expect(refusal(() => c.redeem(TOOL, { ...ARGS, seed: 7 }, token)).message).toContain('(changed: seed)');
    const { max_images: _m, ...fewer } = ARGS;
    expect(refusal(() => c.redeem(TOOL, fewer, token)).message).toContain('(changed: max_images)');
    expect(refusal(() => c.redeem('video_generate', ARGS, token)).message).toBe("'confirm_token' was issued for image_generate, not video_generate");
    expect(c.redeem(TOOL, ARGS, token).estimateUsd).toBe(0.12);
  });

  it('an expired token is refused with its expiry; one millisecond earlier it would have run', () => {
    const t = clock();
    const c = new Confirmations(t.now);
    const first = c.issue(TOOL, ARGS, 0.12);
    const second = c.issue(TOOL, ARGS, 0.12);
    t.advance(CONFIRM_TTL_MS - 1);
    expect(c.redeem(TOOL, ARGS, first.token).estimateUsd).toBe(0.12);
    t.advance(1);
    const expired = refusal(() => c.redeem(TOOL, ARGS, second.token));
    expect(expired.details.field).toBe('confirm_token');
    expect(expired.message).toBe(
      `'confirm_token' expired at ${second.expiresAt} (tokens last 10 minutes); nothing was run. Call image_generate again without it for a new estimate`,
    );
    // Still refused after the record is pruned (a later issue prunes it): the payload's own expiry decides.
    t.advance(CONFIRM_TTL_MS);
    c.issue(TOOL, ARGS, 0.12);
    expect(refusal(() => c.redeem(TOOL, ARGS, second.token)).message).toContain('expired at');
  });

  it('a forged, tampered or foreign token is refused: the HMAC key is per instance', () => {
    const c = new Confirmations(clock().now);
    const other = new Confirmations(clock().now);
    const { token } = c.issue(TOOL, ARGS, 0.12);
    const [body, mac] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const cheaper = Buffer.from(JSON.stringify({ ...payload, u: 0.01 })).toString('base64url');
    const notOurs = "'confirm_token' is not a token this server issued (or the server restarted since); call again without it for a new one";
    for (const bad of [`${cheaper}.${mac}`, `${body}.${mac.slice(1)}x`, body, 'x.y.z', '', 42, null, other.issue(TOOL, ARGS, 0.12).token]) {
      const e = refusal(() => c.redeem(TOOL, ARGS, bad));
      expect(e.message).toBe(notOurs);
      expect(e.details.field).toBe('confirm_token');
    }
    expect(c.redeem(TOOL, ARGS, token).estimateUsd).toBe(0.12);
  });

  it('a burnt token (declined question) cannot be redeemed; verify does not use a token up', () => {
    const c = new Confirmations(clock().now);
    const a = c.issue(TOOL, ARGS, 0.12);
    expect(c.verify(TOOL, ARGS, a.token).estimateUsd).toBe(0.12);
    expect(c.verify(TOOL, ARGS, a.token).estimateUsd).toBe(0.12);
    c.burn(a.token);
    expect(refusal(() => c.redeem(TOOL, ARGS, a.token)).message).toContain('already used');
    c.burn('not a token'); // harmless
    const unknownPrice = c.issue(TOOL, ARGS, undefined);
    expect(c.redeem(TOOL, ARGS, unknownPrice.token)).toEqual({ estimateUsd: undefined });
  });
});

describe('which calls ask (confirmationNeed)', () => {
  const seedream = cap('replicate/bytedance/seedream-4');
  const still = cap('local/still');
  const spent = (usd: number) => () => usd;

  it('without STUDIO_CONFIRM_USD nothing asks, whatever the price or the budget', () => {
    const config = loadConfig({ STUDIO_BUDGET_USD: '0.05' });
    expect(config.confirmUsd).toBeUndefined();
    expect(confirmationNeed(config, seedream, 100, spent(1000))).toBeUndefined();
  });

  it('above the threshold asks; at or below it does not; local models never ask', () => {
    const config = loadConfig({ STUDIO_CONFIRM_USD: '0.05' });
    expect(config.confirmUsd).toBe(0.05);
    expect(confirmationNeed(config, seedream, 0.06, spent(0))).toEqual({
      model: 'replicate/bytedance/seedream-4',
      estimateUsd: 0.06,
      reason: 'the estimate is above STUDIO_CONFIRM_USD=$0.05',
    });
    expect(confirmationNeed(config, seedream, 0.05, spent(0))).toBeUndefined();
    expect(confirmationNeed(config, still, 0, spent(0))).toBeUndefined();
    expect(confirmationNeed(loadConfig({ STUDIO_CONFIRM_USD: '0' }), still, undefined, spent(0))).toBeUndefined();
  });

  it('an unknown price asks (it cannot be shown to be below the threshold); a negative threshold is ignored', () => {
    const config = loadConfig({ STUDIO_CONFIRM_USD: '5' });
    expect(confirmationNeed(config, seedream, undefined, spent(0))).toEqual({
      model: 'replicate/bytedance/seedream-4',
      estimateUsd: undefined,
      reason: 'the price of replicate/bytedance/seedream-4 is unknown (its capability has no usable pricing)',
    });
    expect(loadConfig({ STUDIO_CONFIRM_USD: '-1' }).confirmUsd).toBeUndefined();
  });

  it('a cheap call that would cross the budget asks, naming what was spent and what is left', () => {
    const config = loadConfig({ STUDIO_CONFIRM_USD: '1', STUDIO_BUDGET_USD: '0.10' });
    expect(confirmationNeed(config, seedream, 0.03, spent(0.06))).toBeUndefined();
    expect(confirmationNeed(config, seedream, 0.03, spent(0.09))).toEqual({
      model: 'replicate/bytedance/seedream-4',
      estimateUsd: 0.03,
      reason: 'with $0.09 already spent, this call would exceed STUDIO_BUDGET_USD=$0.10',
      budgetLeftUsd: 0.01,
    });
  });
});

describe('the confirmation scope (requireConfirmation)', () => {
  const need = { model: 'replicate/bytedance/seedream-4', estimateUsd: 0.12, reason: 'r' };

  it('without an approval the need is recorded and the call stops', async () => {
    const state: CallConfirmation = {};
    await expect(withConfirmation(state, async () => requireConfirmation(need))).rejects.toBeInstanceOf(ConfirmationRequired);
    expect(state.needed).toEqual(need);
  });

  it('an approval covers the same or a lower estimate, once', async () => {
    const state: CallConfirmation = { approved: { estimateUsd: 0.12 } };
    await withConfirmation(state, async () => requireConfirmation({ ...need, estimateUsd: 0.1 }));
    expect(state.approved).toBeUndefined();
    expect(state.needed).toBeUndefined();
    await expect(withConfirmation(state, async () => requireConfirmation(need))).rejects.toBeInstanceOf(ConfirmationRequired);
  });

  it('an approval does not cover a higher estimate, and an approved known price does not cover an unknown one', async () => {
    const higher: CallConfirmation = { approved: { estimateUsd: 0.12 } };
    await expect(withConfirmation(higher, async () => requireConfirmation({ ...need, estimateUsd: 0.13 }))).rejects.toBeInstanceOf(ConfirmationRequired);
    expect(higher.needed?.estimateUsd).toBe(0.13);
    const unknown: CallConfirmation = { approved: { estimateUsd: 0.12 } };
    await expect(withConfirmation(unknown, async () => requireConfirmation({ ...need, estimateUsd: undefined }))).rejects.toBeInstanceOf(ConfirmationRequired);
  });

  it('outside any scope a needed confirmation still stops the call', () => {
    expect(() => requireConfirmation(need)).toThrow(ConfirmationRequired);
  });
});
