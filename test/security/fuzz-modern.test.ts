import type net from 'node:net';
import type http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Studio } from '../../src/studio/studio.js';
import { serveHttp } from '../../src/transports/http.js';
import { tempDir } from '../helpers/harness.js';
import { MODERN, modernEnvelope, modernHeaders } from '../helpers/raw-2026.js';
import { withStudioDb } from '../helpers/studio-db.js';

/**
 * The 2026-07-28 methods fuzzed over --http (in process): server/discover, subscriptions/listen, completion/complete,
 * the tasks extension's methods and the classic ones, each with random params and random envelopes. Every request
 * must get an HTTP answer with a JSON-RPC result or error (never a 5xx, a hang, a stack trace or a server path),
 * and the server must still answer afterwards.
 */
const SEED = 20261204;
const METHODS = [
  'server/discover',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'subscriptions/listen',
  'tasks/get',
  'tasks/update',
  'tasks/result',
  'tasks/cancel',
  'tasks/list',
  'ping',
  'logging/setLevel',
  'initialize',
  'no/such/method',
];

describe('fuzzing the 2026-07-28 surface over HTTP', () => {
  let studio: Studio;
  let server: http.Server;
  let url: string;
  const failures: string[] = [];

  beforeAll(async () => {
    studio = new Studio({ config: loadConfig({ STUDIO_HOME: tempDir('studio-fuzz-modern-'), STUDIO_WAIT_SECONDS: '2' }), log: () => undefined });
    server = await serveHttp(studio, { port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await studio.close();
  });

  async function post(method: string, params: unknown, envelope: unknown, name?: string): Promise<{ status: number; text: string }> {
    const aborter = new AbortController();
    // A listen stream stays open by design: read its first bytes, then hang up.
    const timer = setTimeout(() => aborter.abort(), method === 'subscriptions/listen' ? 300 : 10_000);
    try {
      const p = params !== null && typeof params === 'object' && !Array.isArray(params) ? { ...params, _meta: envelope } : params;
      const res = await fetch(url, {
        method: 'POST',
        signal: aborter.signal,
        headers: modernHeaders(method, name),
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: p }),
      });
      let text = '';
      try {
        text = await res.text();
      } catch {
        text = '(stream closed by the test)';
      }
      return { status: res.status, text };
    } catch (err) {
      if (aborter.signal.aborted && method === 'subscriptions/listen') return { status: 200, text: '(listen stream open)' };
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  it('random params and envelopes on every method: a JSON-RPC answer, never a 5xx or a leak', async () => {
    const validEnvelope = modernEnvelope({}, 'fuzz');
    const envelope = fc.oneof(
      { arbitrary: fc.constant(validEnvelope), weight: 4 },
      fc.record({ 'io.modelcontextprotocol/protocolVersion': fc.oneof(fc.constant(MODERN), fc.string()), x: fc.anything() }),
      fc.anything(),
    );
    const params = fc.oneof(
      fc.record({ name: fc.oneof(fc.constantFrom('film_list', 'video_generate', 'storyboard'), fc.string()), arguments: fc.anything() }),
      fc.record({ uri: fc.oneof(fc.constantFrom('studio://films', 'studio://media/x', 'file:///etc/passwd'), fc.string()) }),
      fc.record({
        ref: fc.oneof(fc.record({ type: fc.constantFrom('ref/prompt', 'ref/resource'), name: fc.string(), uri: fc.string() }), fc.anything()),
        argument: fc.record({ name: fc.string(), value: fc.string() }),
      }),
      fc.record({ taskId: fc.oneof(fc.uuid(), fc.string()), cursor: fc.string() }),
      fc.record({ notifications: fc.anything() }),
      fc.dictionary(fc.string(), fc.anything()),
      fc.anything(),
    );
    let answered = 0;
    const statuses = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), params, envelope, async (method, p, env) => {
        const name = p !== null && typeof p === 'object' && 'name' in p && typeof p.name === 'string' ? p.name : undefined;
        const r = await post(method, p, env, name);
        answered++;
        const key = `${method} ${r.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (r.status >= 500) failures.push(`${method} → ${r.status} ${r.text.slice(0, 200)}`);
        if (/\bat .+\.(ts|js):\d+|node_modules|\/work\/|\/tmp\//.test(r.text)) failures.push(`${method} leaked: ${r.text.slice(0, 200)}`);
        if (r.status === 200 && !r.text.startsWith('(')) {
          // A JSON body or an SSE stream of JSON-RPC messages.
          const json = r.text.startsWith('{') ? r.text : (/^data: (.*)$/m.exec(r.text)?.[1] ?? '');
          const msg = JSON.parse(json || '{}') as { result?: unknown; error?: { code: number } };
          if (msg.result === undefined && msg.error === undefined) failures.push(`${method} → 200 without a result or error: ${r.text.slice(0, 200)}`);
        }
      }),
      { numRuns: 300, seed: SEED },
    );
    expect(answered).toBe(300);
    // Enough calls got past the envelope checks to reach the handlers (a fuzzer stopped at the door proves little).
    for (const m of ['server/discover', 'tools/list', 'tools/call', 'resources/read', 'prompts/list'])
      expect(statuses.get(`${m} 200`) ?? 0, m).toBeGreaterThan(0);
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it('the server still answers and the database is intact', async () => {
    const r = await post('tools/list', {}, modernEnvelope({}, 'fuzz'));
    expect(r.status).toBe(200);
    expect((JSON.parse(r.text) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(40);
    expect(withStudioDb(studio.config.home, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
  });
});
