import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type HttpCall, ProviderHttp, parseRetryAfter } from '../../src/providers/http.js';
import { byRoute, type FakeServer, startFake } from '../fakes/base.js';
import { failure, leaks, recordingSleep, SECRETS } from './helpers.js';

const secretRedactor = (t: string): string => Object.values(SECRETS).reduce((acc, s) => acc.split(s).join('[redacted]'), t);

function client(over: Partial<ConstructorParameters<typeof ProviderHttp>[0]> = {}): ProviderHttp {
  return new ProviderHttp({
    provider: 'Acme',
    authEnv: ['ACME_API_KEY'],
    redact: secretRedactor,
    retry: { baseDelayMs: 5, maxDelayMs: 20, maxRetries: 3 },
    timeoutMs: 2_000,
    ...over,
  });
}

const io = (signal: AbortSignal = new AbortController().signal) => ({ fetch: globalThis.fetch, signal });

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('ProviderHttp against a live fake', () => {
  let fake: FakeServer;
  beforeAll(async () => {
    fake = await startFake(() => [
      { name: 'thing', method: 'GET', pattern: /^\/thing$/, handle: () => ({ json: { ok: true, n: 1 } }) },
      { name: 'make', method: 'POST', pattern: /^\/make$/, handle: () => ({ status: 201, json: { ok: true, n: 2 } }) },
    ]);
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(() => fake.reset());

  const Ok = z.object({ ok: z.literal(true), n: z.number() });
  const get = (): HttpCall => ({ method: 'GET', url: `${fake.origin}/thing`, kind: 'read', what: 'get the thing' });
  const create = (): HttpCall => ({ method: 'POST', url: `${fake.origin}/make`, body: () => '{}', kind: 'create', what: 'make the thing' });

  it('429 with Retry-After (seconds) on a create is retried after at least that long', async () => {
    fake.fail('make', { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { detail: 'throttled' } });
    const { sleep, waits } = recordingSleep();
    await expect(client({ sleep, random: () => 0 }).json(create(), Ok, io())).resolves.toEqual({ ok: true, n: 2 });
    expect(byRoute(fake.requests, 'make')).toHaveLength(2);
    expect(waits).toEqual([1000]);
  });

  it('under a shared queue a 429 on create comes back at once, marked refused, for the queue to back the fleet off', async () => {
    fake.fail('make', { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { detail: 'throttled' } });
    const { sleep, waits } = recordingSleep();
    const err = await failure(() => client({ sleep }).json(create(), Ok, { ...io(), queueBacksOff: true }));
    expect({ code: err.code, message: err.message, ...err.details }).toEqual({
      code: 'rate_limited',
      message: 'Acme is rate limiting make the thing: throttled',
      status: 429,
      retryable: true,
      retryAfterMs: 1000,
      createRefused: true,
    });
    expect(byRoute(fake.requests, 'make')).toHaveLength(1);
    expect(waits).toEqual([]);
    // A read is still retried in-process: only a refused create goes back to the queue.
    fake.fail('thing', { kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    await expect(client({ sleep }).json(get(), Ok, { ...io(), queueBacksOff: true })).resolves.toEqual({ ok: true, n: 1 });
    expect(waits).toHaveLength(1);
  });

  it('429 with Retry-After as an HTTP date is honoured', async () => {
    fake.fail('thing', { kind: 'status', status: 429, headers: { 'retry-after': 'Wed, 21 Oct 2026 07:28:03 GMT' } });
    const { sleep, waits } = recordingSleep();
    const now = () => Date.parse('Wed, 21 Oct 2026 07:28:00 GMT') + 500;
    await client({ sleep, random: () => 0, now }).json(get(), Ok, io());
    expect(byRoute(fake.requests, 'thing')).toHaveLength(2);
    expect(waits).toEqual([2500]);
  });

  it('a Retry-After longer than the cap is handed back as rate_limited with retryAfterMs', async () => {
    fake.fail('thing', { kind: 'status', status: 429, headers: { 'retry-after': '120' }, body: { message: 'slow down' } });
    const err = await failure(() => client().json(get(), Ok, io()));
    expect(err.code).toBe('rate_limited');
    expect(err.details?.retryAfterMs).toBe(120_000);
    expect(byRoute(fake.requests, 'thing')).toHaveLength(1);
  });

  it('500 then success on a read', async () => {
    fake.fail('thing', { kind: 'status', status: 500 });
    await expect(client().json(get(), Ok, io())).resolves.toEqual({ ok: true, n: 1 });
    expect(byRoute(fake.requests, 'thing')).toHaveLength(2);
  });

  it('5xx on a create is not retried (it may have been accepted)', async () => {
    fake.fail('make', { kind: 'status', status: 503 });
    const err = await failure(() => client().json(create(), Ok, io()));
    expect(err.code).toBe('provider_unavailable');
    expect(err.details?.retryable).toBe(true);
    expect(byRoute(fake.requests, 'make')).toHaveLength(1);
  });

  it('a network error on a create is not retried; on a read it is', async () => {
    fake.fail('make', { kind: 'destroy' });
    expect((await failure(() => client().json(create(), Ok, io()))).code).toBe('provider_unavailable');
    expect(byRoute(fake.requests, 'make')).toHaveLength(1);
    fake.fail('thing', { kind: 'destroy' }, 2);
    await expect(client().json(get(), Ok, io())).resolves.toEqual({ ok: true, n: 1 });
    expect(byRoute(fake.requests, 'thing')).toHaveLength(3);
  });

  it('retries stop after maxRetries with the mapped error', async () => {
    fake.fail('thing', { kind: 'status', status: 502 }, 10);
    const err = await failure(() => client().json(get(), Ok, io()));
    expect(err.code).toBe('provider_unavailable');
    expect(byRoute(fake.requests, 'thing')).toHaveLength(4);
  });

  it('a hanging server is a timeout', async () => {
    fake.fail('make', { kind: 'hang' });
    const err = await failure(() => client({ timeoutMs: 300 }).json(create(), Ok, io()));
    expect(err.code).toBe('timeout');
    expect(err.message).toBe('Acme did not answer make the thing within 0.3 s');
    // A create that timed out is not sent again (it may have been accepted).
    expect(byRoute(fake.requests, 'make')).toHaveLength(1);
  });

  it('aborting the job signal cancels at once', async () => {
    fake.fail('thing', { kind: 'hang' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await failure(() => client({ timeoutMs: 5_000 }).json(get(), Ok, io(ac.signal)));
    expect(err.code).toBe('canceled');
  });

  it('malformed JSON and a wrong shape are clear provider_errors', async () => {
    fake.fail('thing', { kind: 'malformed' });
    const e1 = await failure(() => client().json(get(), Ok, io()));
    expect(e1.code).toBe('provider_error');
    expect(e1.message).toBe('Acme sent a reply to get the thing that studio-mcp cannot read (the reply is not JSON)');
    const e2 = await failure(() => client().json(get(), z.object({ ok: z.literal(true), n: z.string() }), io()));
    expect(e2.code).toBe('provider_error');
    expect(e2.message).toMatch(/\(n: /);
  });

  it.each([
    [400, 'invalid_input'],
    [422, 'invalid_input'],
    [401, 'provider_unavailable'],
    [403, 'provider_unavailable'],
    [402, 'quota'],
    [404, 'not_found'],
    [418, 'provider_error'],
  ])('HTTP %i maps to %s, with a summarised message and no secret', async (status, code) => {
    fake.fail('thing', {
      kind: 'status',
      status,
      body: { error: { message: `bad request from key ${SECRETS.elevenlabs} with Bearer ${SECRETS.replicate}  and\n\n more`, status: 'X' } },
    });
    const err = await failure(() => client().json(get(), Ok, io()));
    expect(err.code).toBe(code);
    expect(err.details?.status).toBe(status);
    expect(leaks(err.message)).toEqual([]);
    if (status === 401 || status === 403) expect(err.message).toContain('check ACME_API_KEY');
    expect(err.message).toContain('bad request from key [redacted]');
  });

  it('summaries are short and HTML pages are not echoed', async () => {
    fake.fail('thing', { kind: 'status', status: 400, body: { message: 'x'.repeat(5000) } });
    expect((await failure(() => client().json(get(), Ok, io()))).message.length).toBeLessThan(400);
    fake.fail('thing', { kind: 'status', status: 400, body: '<html><body>Bad gateway page</body></html>' });
    expect((await failure(() => client().json(get(), Ok, io()))).message).not.toContain('html');
  });
});
