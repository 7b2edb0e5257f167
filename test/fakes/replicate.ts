import { randomUUID } from 'node:crypto';
import { bearer, type FakeServer, fakeBytes, type StartOptions, startFake } from './base.js';
import { DOCUMENTED_MODELS } from './replicate-docs.js';

/**
 * A fake of the Replicate HTTP API (v1) as documented in docs/providers.md §1:
 * `POST /v1/files` (multipart `content` → file object with `urls.get`), `POST /v1/models/{o}/{n}/predictions`
 * (official models, no `version`), `POST /v1/predictions` (community models, `version` required),
 * `GET /v1/predictions/{id}` (starting → processing → terminal), `POST /v1/predictions/{id}/cancel`,
 * `GET /v1/models/{o}/{n}` (model with `latest_version.openapi_schema`). RFC 7807 error bodies, Bearer auth.
 * Inputs of the models in ./replicate-docs.ts are checked against their published schemas (422 like the real API).
 */

export interface ReplicateScenario {
  /** Polls answered starting/processing before the terminal state (default 2: one starting, one processing). */
  pollsBeforeDone: number;
  outcome: 'succeeded' | 'failed' | 'canceled' | 'aborted';
  /** Error text of a failed prediction. */
  error: string;
  /** `single` → output is one URL string; `array` → a list of two URLs. */
  outputKind: 'single' | 'array';
  /** Override the output value's URLs. */
  outputUrls?: string[];
  outputMime: string;
  /** Output URL lifetime in ms (expiring-URL mode; real ones live 1 hour). */
  outputTtlMs?: number;
  /** Answer succeeded with `output: null, data_removed: true` (an hour later). */
  dataRemoved?: boolean;
  /** Expected token; a mismatch is a 401 whose detail echoes the token (to test redaction). */
  token?: string;
  /** Model objects served by GET /v1/models/{o}/{n}, keyed by `owner/name`. */
  models: Record<string, unknown>;
}

interface FakePrediction {
  id: string;
  model: string;
  version: string;
  input: unknown;
  polls: number;
  canceled: boolean;
  output?: unknown;
}

export interface ReplicateFake extends FakeServer {
  /** Put this in REPLICATE_BASE_URL (it ends in /v1). */
  url: string;
  /** Replace the scenario (unspecified keys take their defaults). */
  setScenario(s: Partial<ReplicateScenario>): void;
  predictions: Map<string, FakePrediction>;
  files: Map<string, { name?: string; contentType?: string; data: Buffer }>;
}

/** A model object shaped like GET /v1/models/bytedance/seedream-4 (enums as allOf/$ref, as Cog emits them). */
export const SEEDREAM4_MODEL = {
  url: 'https://replicate.com/bytedance/seedream-4',
  owner: 'bytedance',
  name: 'seedream-4',
  description: 'Unified text-to-image generation and precise single-sentence editing at up to 4K resolution',
  visibility: 'public',
  is_official: true,
  run_count: 1000,
  latest_version: {
    id: '3ee3b70d0e2a4bbe9d5d4e0d2b8c0c1e6f8a9b0c1d2e3f405162738495a6b7c8',
    created_at: '2025-09-10T00:00:00Z',
    cog_version: '0.16.0',
    openapi_schema: {
      components: {
        schemas: {
          Input: {
            type: 'object',
            title: 'Input',
            required: ['prompt'],
            properties: {
              prompt: { type: 'string', title: 'Prompt', 'x-order': 0, description: 'Text prompt for image generation' },
              image_input: {
                type: 'array',
                items: { type: 'string', format: 'uri' },
                title: 'Image Input',
                default: [],
                'x-order': 1,
                description: 'Input image(s) for image-to-image generation. List of 1-10 images.',
              },
              size: { allOf: [{ $ref: '#/components/schemas/size' }], default: '2K', 'x-order': 2, description: 'Image resolution' },
              aspect_ratio: {
                allOf: [{ $ref: '#/components/schemas/aspect_ratio' }],
                default: 'match_input_image',
                'x-order': 3,
                description: 'Image aspect ratio.',
              },
              max_images: { type: 'integer', title: 'Max Images', default: 1, minimum: 1, maximum: 15, 'x-order': 6 },
            },
          },
          Output: { type: 'array', items: { type: 'string', format: 'uri' }, title: 'Output' },
          size: { title: 'size', description: 'An enumeration.', enum: ['1K', '2K', '4K', 'custom'], type: 'string' },
          aspect_ratio: {
            title: 'aspect_ratio',
            description: 'An enumeration.',
            enum: ['match_input_image', '1:1', '4:3', '3:4', '16:9', '9:16', '3:2', '2:3', '21:9'],
            type: 'string',
          },
        },
      },
    },
  },
};

const DEFAULTS: ReplicateScenario = {
  pollsBeforeDone: 2,
  outcome: 'succeeded',
  error: 'Prediction failed for an unknown reason',
  outputKind: 'single',
  outputMime: 'video/mp4',
  models: { 'bytedance/seedream-4': SEEDREAM4_MODEL },
};

export async function startReplicateFake(opts: StartOptions = {}): Promise<ReplicateFake> {
  let scenario: ReplicateScenario = { ...DEFAULTS };
  const predictions = new Map<string, FakePrediction>();
  const files = new Map<string, { name?: string; contentType?: string; data: Buffer }>();

  const denied = (h: Parameters<typeof bearer>[0]): { status: number; json: unknown } | undefined => {
    const token = bearer(h);
    if (scenario.token !== undefined && token !== scenario.token) {
      return {
        status: 401,
        json: { title: 'Unauthenticated', status: 401, detail: `Invalid token: ${token ?? '(none)'}. You did not pass a valid authentication token` },
      };
    }
    return undefined;
  };

  const fake = (await startFake((server) => {
    const base = `${server.origin}/v1`;

    function view(p: FakePrediction, status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
      return {
        id: p.id,
        model: p.model,
        version: p.version,
        input: p.input,
        logs: '',
        output: null,
        error: null,
        status,
        source: 'api',
        data_removed: false,
        created_at: new Date().toISOString(),
        urls: { get: `${base}/predictions/${p.id}`, cancel: `${base}/predictions/${p.id}/cancel`, web: `https://replicate.com/p/${p.id}` },
        ...extra,
      };
    }

    function create(model: string, version: string, input: unknown): { status: number; json: unknown } {
      // Inputs the published schema refuses are refused here too (official models by name, community by version).
      const documented = DOCUMENTED_MODELS[model] ?? DOCUMENTED_MODELS[version];
      const bad = documented && typeof input === 'object' && input !== null ? documented.check(input as Record<string, unknown>) : undefined;
      if (bad) return { status: 422, json: { title: 'Input validation failed', status: 422, detail: bad } };
      const p: FakePrediction = { id: randomUUID().replace(/-/g, '').slice(0, 26), model, version, input, polls: 0, canceled: false };
      predictions.set(p.id, p);
      return { status: 201, json: view(p, 'starting') };
    }

    function output(p: FakePrediction): unknown {
      if (p.output !== undefined) return p.output;
      const ext = scenario.outputMime.split('/')[1] === 'jpeg' ? 'jpg' : (scenario.outputMime.split('/')[1] ?? 'bin');
      const urls =
        scenario.outputUrls ??
        (scenario.outputKind === 'array' ? [0, 1] : [0]).map((i) =>
          server.addOutput(`out-${i}.${ext}`, fakeBytes(`replicate-${p.id}-${i}`), scenario.outputMime, scenario.outputTtlMs),
        );
      p.output = scenario.outputKind === 'array' || urls.length > 1 ? urls : urls[0];
      return p.output;
    }

    return [
      {
        name: 'upload',
        method: 'POST',
        pattern: /^\/v1\/files$/,
        handle: ({ rec }) => {
          const d = denied(rec.headers);
          if (d) return d;
          const content = rec.parts?.find((p) => p.name === 'content');
          if (!content) return { status: 400, json: { detail: 'content is required' } };
          const id = randomUUID().slice(0, 12);
          files.set(id, { name: content.filename, contentType: content.contentType, data: content.data });
          return {
            status: 201,
            json: {
              id,
              name: content.filename,
              content_type: content.contentType ?? 'application/octet-stream',
              size: content.data.length,
              etag: 'etag',
              checksums: { sha256: 'x' },
              metadata: {},
              created_at: new Date().toISOString(),
              expires_at: new Date(Date.now() + 86_400_000).toISOString(),
              urls: { get: `${base}/files/${id}` },
            },
          };
        },
      },
      {
        name: 'create',
        method: 'POST',
        pattern: /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/,
        handle: ({ rec, match }) => {
          const d = denied(rec.headers);
          if (d) return d;
          const body = rec.json as Record<string, unknown> | undefined;
          if (!body || typeof body.input !== 'object')
            return { status: 422, json: { title: 'Input validation failed', status: 422, detail: '- input: input is required' } };
          if ('version' in body) return { status: 422, json: { title: 'Invalid request', status: 422, detail: 'Additional property version is not allowed' } };
          return create(`${match[1]}/${match[2]}`, 'hidden', body.input);
        },
      },
      {
        name: 'create-version',
        method: 'POST',
        pattern: /^\/v1\/predictions$/,
        handle: ({ rec }) => {
          const d = denied(rec.headers);
          if (d) return d;
          const body = rec.json as Record<string, unknown> | undefined;
          if (!body || typeof body.version !== 'string')
            return { status: 422, json: { title: 'Invalid request', status: 422, detail: '- version: version is required' } };
          return create('community/model', body.version, body.input);
        },
      },
      {
        name: 'cancel',
        method: 'POST',
        pattern: /^\/v1\/predictions\/([^/]+)\/cancel$/,
        handle: ({ rec, match }) => {
          const d = denied(rec.headers);
          if (d) return d;
          const p = predictions.get(match[1] ?? '');
          if (!p) return { status: 404, json: { title: 'Not found', status: 404, detail: 'Not found.' } };
          p.canceled = true;
          return { json: view(p, 'canceled') };
        },
      },
      {
        name: 'poll',
        method: 'GET',
        pattern: /^\/v1\/predictions\/([^/]+)$/,
        handle: ({ rec, match }) => {
          const d = denied(rec.headers);
          if (d) return d;
          const p = predictions.get(match[1] ?? '');
          if (!p) return { status: 404, json: { title: 'Not found', status: 404, detail: 'Not found.' } };
          if (p.canceled) return { json: view(p, 'canceled') };
          p.polls++;
          if (p.polls <= scenario.pollsBeforeDone) {
            return p.polls === 1
              ? { json: view(p, 'starting') }
              : { json: view(p, 'processing', { logs: `Generating...\n 40%|████      | 4/10 [00:02<00:03]\n` }) };
          }
          switch (scenario.outcome) {
            case 'succeeded':
              if (scenario.dataRemoved) return { json: view(p, 'succeeded', { output: null, data_removed: true }) };
              return { json: view(p, 'succeeded', { output: output(p), metrics: { predict_time: 3.2, total_time: 4.1 } }) };
            case 'failed':
              return { json: view(p, 'failed', { error: scenario.error }) };
            default:
              return { json: view(p, scenario.outcome) };
          }
        },
      },
      {
        name: 'model',
        method: 'GET',
        pattern: /^\/v1\/models\/([^/]+)\/([^/]+)$/,
        handle: ({ rec, match }) => {
          const d = denied(rec.headers);
          if (d) return d;
          const m = scenario.models[`${match[1]}/${match[2]}`];
          return m ? { json: m } : { status: 404, json: { title: 'Not found', status: 404, detail: 'Model not found' } };
        },
      },
    ];
  }, opts)) as ReplicateFake;
  fake.url = `${fake.origin}/v1`;
  fake.predictions = predictions;
  fake.files = files;
  fake.setScenario = (s) => {
    scenario = { ...DEFAULTS, ...s };
  };
  fake.applyScenario = (s) => fake.setScenario(s as Partial<typeof scenario>);
  return fake;
}
