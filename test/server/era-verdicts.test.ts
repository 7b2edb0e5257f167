import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleArgFields } from '../../src/capabilities/arg-fields.js';
import type { Capability } from '../../src/capabilities/types.js';
import { createMcpServer } from '../../src/server.js';
import { type AllFakes, startAllFakes } from '../fakes/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * The rule engine gives a call the same verdict whichever protocol era it arrives in: for every offered paid model,
 * generated calls (valid and invalid values, unknown fields) go through a 2025-era client (in-memory, initialize) and
 * a 2026-07-28 client (SDK 2.x pinned, per-request HTTP handler) to one studio. A budget far below any price stops
 * every call the rules accept before anything is created, so the verdicts are compared without spending.
 */
const SEED = 20261204;
type Json = Record<string, unknown>;

/** A value for one field: what it accepts (`valid`), or also just outside it and the wrong type. */
function valueFor(schema: Json, valid: boolean): fc.Arbitrary<unknown> {
  const wrong = fc.constantFrom<unknown>('not-a-number', -1, true, [], { x: 1 });
  const e = schema.enum as unknown[] | undefined;
  const t = schema.type;
  if (Array.isArray(e) && e.length) return valid ? fc.constantFrom(...e) : fc.oneof(fc.constantFrom(...e), fc.constant('bogus-value'));
  if (t === 'integer' || t === 'number') {
    const min = typeof schema.minimum === 'number' ? schema.minimum : 0;
    const max = typeof schema.maximum === 'number' ? schema.maximum : min + 100;
    const inside = t === 'integer' ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true });
    return valid ? inside : fc.oneof(inside, fc.constantFrom(min - 1, max + 1), wrong);
  }
  if (t === 'boolean') return valid ? fc.boolean() : fc.oneof(fc.boolean(), wrong);
  if (t === 'string') return valid ? fc.constantFrom('a lighthouse at dusk', 'waves') : fc.constantFrom('a lighthouse at dusk', '', 'x'.repeat(6000));
  return wrong;
}

/** Calls of one model: half keep to what each field accepts (the rules still refuse some combinations), half do not. */
function callsFor(cap: Capability): fc.Arbitrary<Json> {
  const fields = visibleArgFields(cap).filter((f) => !f.field.media);
  const record = (valid: boolean): fc.Arbitrary<Json> =>
    fc.record(Object.fromEntries(fields.map((f) => [f.arg, valueFor(f.field.schema as Json, valid)] as const)), {
      requiredKeys: valid ? fields.filter((f) => f.field.required).map((f) => f.arg) : [],
    });
  const invalid = fc
    .tuple(record(false), fc.option(fc.constantFrom('no_such_field', 'seed_value'), { nil: undefined }))
    .map(([values, extra]) => ({ ...values, ...(extra ? { [extra]: 1 } : {}) }));
  return fc.oneof(record(true), invalid).map((values) => ({ ...values, model: cap.id, wait: false }));
}

describe('the same verdict from a 2025-era and a 2026-07-28 client', () => {
  let fakes: AllFakes;
  let h: Harness;
  let modern: Client;

  beforeAll(async () => {
    fakes = await startAllFakes();
    h = await startHarness({ env: { ...fakes.env, STUDIO_BUDGET_USD: '0.000001' } });
    const handler = createMcpHandler(() => createMcpServer(h.studio).server);
    modern = new Client({ name: 'modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await modern.connect(
      new StreamableHTTPClientTransport(new URL('http://in-process.test/mcp'), { fetch: (url, init) => handler.fetch(new Request(url, init)) }),
    );
  });
  afterAll(async () => {
    await modern.close();
    await h.close();
    await fakes.close();
  });

  it('every offered paid model: refused by both with the same error (model, field, what it accepts), or passed by both', async () => {
    const caps = h.studio.registry.list({}).filter((c) => c.provider !== 'local' && h.studio.models.list({}).some((m) => m.model === c.id && m.available));
    expect(caps.length).toBeGreaterThan(15);
    const verdicts = { refused: 0, passed: 0 };
    const errorOf = (r: { isError?: boolean; structuredContent?: unknown }): Json | undefined =>
      r.isError ? ((r.structuredContent as { error: Json }).error ?? { missing: true }) : undefined;
    for (const cap of caps) {
      // Each task is served by the tool of the same name (video_generate, voice_tts, …).
      const tool: string = cap.task;
      await fc.assert(
        fc.asyncProperty(callsFor(cap), async (args) => {
          const legacy = errorOf(await h.raw(tool, args));
          const now = errorOf((await modern.callTool({ name: tool, arguments: args })) as { isError?: boolean; structuredContent?: unknown });
          expect(now).toEqual(legacy);
          const refusedByRules = legacy !== undefined && legacy.code !== 'budget_exceeded';
          if (refusedByRules) {
            verdicts.refused++;
            // A refusal names what it is about: the model, or the field (with what it accepts in the message).
            expect(String(legacy?.model ?? '') + String(legacy?.field ?? '')).not.toBe('');
          } else verdicts.passed++;
        }),
        { numRuns: 10, seed: SEED },
      );
    }
    console.log('VERDICTS', caps.length, JSON.stringify(verdicts));
    // The generator made both kinds of call, and nothing reached a provider.
    expect(verdicts.refused).toBeGreaterThan(20);
    // Lip-sync and voice-to-voice calls need media, so most of their calls are refused; the others pass often.
    expect(verdicts.passed).toBeGreaterThan(20);
    expect(await h.studio.store.jobs.list()).toEqual([]);
    const creates = [fakes.vertex, fakes.replicate, fakes.elevenlabs, fakes.wavespeed].flatMap((f) => f.requests.filter((r) => r.method === 'POST'));
    expect(creates).toEqual([]);
  });
});
