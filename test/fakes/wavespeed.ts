import { randomUUID } from 'node:crypto';
import { bearer, type FakeServer, fakeBytes, type StartOptions, startFake } from './base.js';
import { WAVESPEED_DOCUMENTED } from './wavespeed-docs.js';

/**
 * A fake of the WaveSpeed v3 API as documented in docs/providers.md §3:
 * `POST /api/v3/media/upload/binary` (multipart `file` → `data.download_url`), `POST /api/v3/{model}` (JSON
 * inputs → task `created`), `GET /api/v3/predictions/{id}/result` (created/processing → completed with
 * `outputs[]` URLs, or `failed` with `{code, error}` — still HTTP 200), every JSON reply in the
 * `{code, message, data}` envelope, `Authorization: Bearer`.
 */

export interface WavespeedScenario {
  /** Polls answered `processing` before the terminal state (default 1). */
  pollsBeforeDone: number;
  outcome: 'completed' | 'failed' | 'cancelled' | 'timeout';
  /** Task error code and text for `failed` (default 1200 content moderation). */
  failCode: number;
  failError: string;
  /** Override the output URLs of a completed task. */
  outputUrls?: string[];
  /** Output URL lifetime in ms (expiring-URL mode). */
  outputTtlMs?: number;
  /** Answer the submit with HTTP 200 and an envelope `code` other than 200. */
  envelopeError?: { code: number; message: string };
  /** Expected API key; a mismatch is a 401 whose message echoes the key (to test redaction). */
  apiKey?: string;
}

export interface WavespeedFake extends FakeServer {
  /** Put this in WAVESPEED_BASE_URL. */
  url: string;
  /** Replace the scenario (unspecified keys take their defaults). */
  setScenario(s: Partial<WavespeedScenario>): void;
  tasks: Map<string, { model: string; input: unknown; polls: number }>;
}

const DEFAULTS: WavespeedScenario = {
  pollsBeforeDone: 1,
  outcome: 'completed',
  failCode: 1200,
  failError: 'content moderation: the input was flagged',
};

function envelope(data: unknown): { code: number; message: string; data: unknown } {
  return { code: 200, message: 'success', data };
}

export async function startWavespeedFake(opts: StartOptions = {}): Promise<WavespeedFake> {
  let scenario: WavespeedScenario = { ...DEFAULTS };
  const tasks = new Map<string, { model: string; input: unknown; polls: number }>();

  const unauthorized = (h: Parameters<typeof bearer>[0]): { status: number; json: unknown } | undefined => {
    const key = bearer(h);
    if (scenario.apiKey !== undefined && key !== scenario.apiKey) {
      return { status: 401, json: { message: `Invalid API key: ${key ?? '(none)'}`, error_code: 401 } };
    }
    return undefined;
  };

  const fake = (await startFake(
    (server) => [
      {
        name: 'upload',
        method: 'POST',
        pattern: /^\/api\/v3\/media\/upload\/binary$/,
        handle: ({ rec }) => {
          const denied = unauthorized(rec.headers);
          if (denied) return denied;
          const file = rec.parts?.find((p) => p.name === 'file');
          if (!file) return { status: 400, json: { code: 400, message: 'missing file part' } };
          const id = randomUUID().slice(0, 8);
          const type = file.contentType?.split('/')[0] ?? 'image';
          return {
            json: envelope({
              type,
              download_url: `${server.origin}/media/${id}/${file.filename ?? 'upload.bin'}`,
              filename: file.filename,
              size: file.data.length,
            }),
          };
        },
      },
      {
        name: 'poll',
        method: 'GET',
        pattern: /^\/api\/v3\/predictions\/([^/]+)\/result$/,
        handle: ({ rec, match }) => {
          const denied = unauthorized(rec.headers);
          if (denied) return denied;
          const id = match[1] ?? '';
          const task = tasks.get(id);
          if (!task) return { status: 404, json: { code: 404, message: 'prediction not found' } };
          task.polls++;
          const base = {
            id,
            model: task.model,
            urls: { get: `${server.origin}/api/v3/predictions/${id}/result` },
            has_nsfw_contents: [],
            created_at: new Date().toISOString(),
          };
          if (task.polls <= scenario.pollsBeforeDone) return { json: envelope({ ...base, status: 'processing', outputs: [], error: '' }) };
          if (scenario.outcome === 'completed') {
            const outputs = scenario.outputUrls ?? [server.addOutput(`${id}.mp4`, fakeBytes(`wavespeed-${id}`), 'video/mp4', scenario.outputTtlMs)];
            return { json: envelope({ ...base, status: 'completed', outputs, error: '', timings: { inference: 1234 } }) };
          }
          if (scenario.outcome === 'failed') {
            // Failed tasks are still HTTP 200 with envelope code 200; the failure is in data.
            return { json: envelope({ ...base, status: 'failed', outputs: [], error: scenario.failError, code: scenario.failCode }) };
          }
          return { json: envelope({ ...base, status: scenario.outcome, outputs: [], error: '' }) };
        },
      },
      {
        name: 'create',
        method: 'POST',
        pattern: /^\/api\/v3\/(.+)$/,
        handle: ({ rec, match }) => {
          const denied = unauthorized(rec.headers);
          if (denied) return denied;
          if (scenario.envelopeError) return { json: { ...scenario.envelopeError, data: null } };
          if (rec.json === undefined) return { status: 400, json: { code: 400, message: 'body must be JSON' } };
          const id = randomUUID().replace(/-/g, '');
          const model = match[1] ?? '';
          const refused = WAVESPEED_DOCUMENTED[model]?.(rec.json as Record<string, unknown>);
          if (refused) return { status: 400, json: { code: 400, message: refused } };
          tasks.set(id, { model, input: rec.json, polls: 0 });
          return {
            json: envelope({
              id,
              model,
              status: 'created',
              outputs: [],
              urls: { get: `${server.origin}/api/v3/predictions/${id}/result` },
              has_nsfw_contents: [],
              error: '',
              created_at: new Date().toISOString(),
            }),
          };
        },
      },
    ],
    opts,
  )) as WavespeedFake;
  fake.url = fake.origin;
  fake.tasks = tasks;
  fake.setScenario = (s) => {
    scenario = { ...DEFAULTS, ...s };
  };
  fake.applyScenario = (s) => fake.setScenario(s as Partial<typeof scenario>);
  return fake;
}
