import { randomUUID } from 'node:crypto';
import { bearer, type FakeServer, fakeBytes, type StartOptions, startFake } from './base.js';

/**
 * A fake of the Vertex AI REST surface we use, as documented in docs/providers.md §4–§6:
 * Veo `:predictLongRunning` → `{name}`; `:fetchPredictOperation {operationName}` → `{name}` until done, then
 * `{done, response:{videos:[{bytesBase64Encoded|gcsUri, mimeType}], raiMediaFilteredCount, raiMediaFilteredReasons}}`
 * or `{done, error:{code,message}}`; Gemini `:generateContent` → candidates with text / thought / inlineData parts;
 * the GCS JSON API `GET /storage/v1/b/{bucket}/o/{object}?alt=media` for videos written to a `storageUri`.
 * Google error bodies `{error:{code,message,status}}`. It enforces the documented Veo input rules (so a
 * wrong body fails like the real API would): JPEG/PNG images only, reference-to-video at 8 s and 16:9, 1080p and 4k
 * at 8 s; Gemini: one candidate, documented input image types and accepts `Authorization: Bearer` or `x-goog-api-key`.
 */

export interface VertexScenario {
  /** fetchPredictOperation calls answered not-done before done (default 1). */
  pollsBeforeDone: number;
  /** Veo end state: videos (inline unless the request had storageUri), RAI filtered, or an operation error. */
  veo: 'videos' | 'rai' | 'error';
  raiReasons: string[];
  opError: { code: number; message: string };
  /** Gemini image reply. */
  gemini: 'image' | 'thought-then-image' | 'safety' | 'prompt-blocked' | 'text-only';
  /** Expected bearer token / API key; a mismatch is a 401 that echoes what was sent (to test redaction). */
  token?: string;
  apiKey?: string;
  /** Real media to return instead of opaque bytes (for tests that ingest the output through the studio). */
  videoBytes?: Buffer;
  imageBytes?: Buffer;
}

export interface VertexFake extends FakeServer {
  /** Put this in VERTEX_BASE_URL (and as the GCS base URL). */
  url: string;
  /** Replace the scenario (unspecified keys take their defaults). */
  setScenario(s: Partial<VertexScenario>): void;
  operations: Map<string, { model: string; body: unknown; polls: number }>;
  /** Objects in the fake GCS, keyed `bucket/object`. */
  objects: Map<string, Buffer>;
}

const DEFAULTS: VertexScenario = {
  pollsBeforeDone: 1,
  veo: 'videos',
  raiReasons: ["The prompt couldn't be submitted. It contains content that violates the usage guidelines. Support codes: 90789179"],
  opError: { code: 3, message: 'Your use case is currently not supported.' },
  gemini: 'image',
};

/** The fake PNG bytes Gemini returns (the final, non-thought image). */
export const GEMINI_IMAGE = fakeBytes('gemini-final', 8 * 1024);
export const GEMINI_DRAFT = fakeBytes('gemini-draft', 4 * 1024);

function googleError(code: number, status: string, message: string): { status: number; json: unknown } {
  return { status: code, json: { error: { code, message, status } } };
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Gemini image input MIME types (image-understanding docs). */
const GEMINI_IMAGE_MIME = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'];

/** REST `Image.mimeType`: "Only the images in below listed MIME types are supported: image/jpeg, image/png". */
const VEO_IMAGE_MIME = ['image/jpeg', 'image/png'];

/** Returns an error message when the Veo body breaks a documented rule. */
function veoRuleViolation(body: unknown): string | undefined {
  if (!isRec(body) || !Array.isArray(body.instances) || body.instances.length !== 1) return 'instances must hold exactly one instance';
  const inst = body.instances[0];
  if (!isRec(inst)) return 'instance must be an object';
  const image = (v: unknown): boolean =>
    isRec(v) && (typeof v.bytesBase64Encoded === 'string' || typeof v.gcsUri === 'string') && typeof v.mimeType === 'string';
  for (const k of ['image', 'lastFrame', 'video']) {
    if (inst[k] !== undefined && !image(inst[k])) return `instances[0].${k} must be {bytesBase64Encoded|gcsUri, mimeType} (inlineData is not accepted)`;
  }
  const badMime = (v: unknown): string | undefined => {
    const mime = isRec(v) ? v.mimeType : undefined;
    return typeof mime === 'string' && !VEO_IMAGE_MIME.includes(mime) ? mime : undefined;
  };
  for (const k of ['image', 'lastFrame']) {
    const m = badMime(inst[k]);
    if (m) return `instances[0].${k}.mimeType ${m} is not supported; supported MIME types: ${VEO_IMAGE_MIME.join(', ')}`;
  }
  if (inst.lastFrame !== undefined && inst.image === undefined) return 'lastFrame requires image';
  // Extension (instances[0].video, extend-videos page): an MP4 continued by 7 s; it cannot also take a start frame.
  if (inst.video !== undefined && inst.image !== undefined) return 'video (extension) cannot be combined with image';
  if (isRec(inst.video) && inst.video.mimeType !== 'video/mp4')
    return `instances[0].video.mimeType ${String(inst.video.mimeType)} is not supported for extension; use video/mp4`;
  if (inst.referenceImages !== undefined) {
    if (!Array.isArray(inst.referenceImages)) return 'referenceImages must be a list';
    if (inst.image !== undefined || inst.video !== undefined || inst.lastFrame !== undefined)
      return 'referenceImages cannot be combined with image, video or lastFrame';
    if (typeof inst.prompt !== 'string') return 'prompt is required with referenceImages';
    for (const r of inst.referenceImages) {
      if (!isRec(r) || !image(r.image) || (r.referenceType !== 'asset' && r.referenceType !== 'style'))
        return 'referenceImages[] must be {image, referenceType: asset|style}';
    }
    if (inst.referenceImages.length > 3) return 'at most 3 asset reference images';
    for (const r of inst.referenceImages) {
      const m = badMime((r as Rec).image);
      if (m) return `referenceImages[].image.mimeType ${m} is not supported; supported MIME types: ${VEO_IMAGE_MIME.join(', ')}`;
    }
  }
  const params = isRec(body.parameters) ? body.parameters : {};
  if (params.durationSeconds !== undefined && ![4, 6, 8].includes(params.durationSeconds as number)) return 'durationSeconds must be 4, 6 or 8';
  // Defaults as documented: 8 s, 16:9.
  const duration = params.durationSeconds ?? 8;
  // Veo 3.1 card: reference image to video "only supports 8 seconds" and 16:9 ("9:16, except for reference image to video").
  if (inst.referenceImages !== undefined && duration !== 8) return 'reference images to video only supports 8 seconds';
  if (inst.referenceImages !== undefined && (params.aspectRatio ?? '16:9') !== '16:9') return 'reference images to video only supports 16:9 aspect ratio';
  // Gemini API Veo 3.1 table: durationSeconds "Must be 8 when using extension".
  if (inst.video !== undefined && duration !== 8) return 'durationSeconds must be 8 when extending a video';
  // Gemini API Veo 3.1 table: "1080p" / "4k" (only supports 8s duration).
  if ((params.resolution === '1080p' || params.resolution === '4k') && duration !== 8)
    return `durationSeconds must be 8 with ${String(params.resolution)} resolution`;
  return undefined;
}

export async function startVertexFake(opts: StartOptions = {}): Promise<VertexFake> {
  let scenario: VertexScenario = { ...DEFAULTS };
  const operations = new Map<string, { model: string; body: unknown; polls: number }>();
  const objects = new Map<string, Buffer>();

  const denied = (h: Record<string, string | string[] | undefined>): { status: number; json: unknown } | undefined => {
    if (scenario.token === undefined && scenario.apiKey === undefined) return undefined;
    const token = bearer(h);
    const key = h['x-goog-api-key'];
    if ((scenario.token !== undefined && token === scenario.token) || (scenario.apiKey !== undefined && key === scenario.apiKey)) return undefined;
    return googleError(401, 'UNAUTHENTICATED', `Request had invalid authentication credentials (got ${token ?? String(key)}). Expected OAuth 2 access token.`);
  };

  const MODEL = '^/v1/projects/([^/]+)/locations/([^/]+)/publishers/google/models/([^/:]+)';

  const fake = (await startFake(
    () => [
      {
        name: 'veo-start',
        method: 'POST',
        pattern: new RegExp(`${MODEL}:predictLongRunning$`),
        handle: ({ rec, match }) => {
          const d = denied(rec.headers);
          if (d) return d;
          const bad = veoRuleViolation(rec.json);
          if (bad) return googleError(400, 'INVALID_ARGUMENT', bad);
          const model = `projects/${match[1]}/locations/${match[2]}/publishers/google/models/${match[3]}`;
          const name = `${model}/operations/${randomUUID()}`;
          operations.set(name, { model, body: rec.json, polls: 0 });
          return { json: { name } };
        },
      },
      {
        name: 'veo-poll',
        method: 'POST',
        pattern: new RegExp(`${MODEL}:fetchPredictOperation$`),
        handle: ({ rec, match }) => {
          const d = denied(rec.headers);
          if (d) return d;
          const opName = isRec(rec.json) ? rec.json.operationName : undefined;
          const op = typeof opName === 'string' ? operations.get(opName) : undefined;
          if (!op || typeof opName !== 'string') return googleError(404, 'NOT_FOUND', 'Operation not found');
          if (!op.model.endsWith(`/models/${match[3]}`)) return googleError(400, 'INVALID_ARGUMENT', 'operation does not belong to this model');
          op.polls++;
          if (op.polls <= scenario.pollsBeforeDone) return { json: { name: opName, metadata: { progressPercent: 50 } } };
          if (scenario.veo === 'error') return { json: { name: opName, done: true, error: scenario.opError } };
          const type = 'type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse';
          if (scenario.veo === 'rai') {
            return { json: { name: opName, done: true, response: { '@type': type, raiMediaFilteredCount: 1, raiMediaFilteredReasons: scenario.raiReasons } } };
          }
          const body = op.body as { parameters?: { storageUri?: string; sampleCount?: number } };
          const count = body.parameters?.sampleCount ?? 1;
          const videos = Array.from({ length: count }, (_, i) => {
            const data = scenario.videoBytes ?? fakeBytes(`veo-${opName}-${i}`);
            const storage = body.parameters?.storageUri;
            if (storage) {
              const m = /^gs:\/\/([^/]+)\/(.*)$/.exec(storage);
              const object = `${m?.[2] ?? ''}1700000000000/sample_${i}.mp4`;
              objects.set(`${m?.[1]}/${object}`, data);
              return { gcsUri: `gs://${m?.[1]}/${object}`, mimeType: 'video/mp4' };
            }
            return { bytesBase64Encoded: data.toString('base64'), mimeType: 'video/mp4' };
          });
          return { json: { name: opName, done: true, response: { '@type': type, raiMediaFilteredCount: 0, videos } } };
        },
      },
      {
        name: 'gemini',
        method: 'POST',
        pattern: new RegExp(`${MODEL}:generateContent$`),
        handle: ({ rec, match }) => {
          const d = denied(rec.headers);
          if (d) return d;
          const body = rec.json as { contents?: Array<{ role?: string; parts?: unknown[] }> } | undefined;
          if (!body?.contents?.[0]?.parts?.length) return googleError(400, 'INVALID_ARGUMENT', 'contents must not be empty');
          const config = (rec.json as { generationConfig?: { candidateCount?: number } }).generationConfig;
          if (config?.candidateCount !== undefined && config.candidateCount > 1) {
            return googleError(400, 'INVALID_ARGUMENT', `Multiple candidates is not enabled for models/${match[3]}`);
          }
          for (const part of body.contents[0].parts) {
            const mime = isRec(part) && isRec(part.inlineData) ? part.inlineData.mimeType : undefined;
            if (typeof mime === 'string' && !GEMINI_IMAGE_MIME.includes(mime)) return googleError(400, 'INVALID_ARGUMENT', `Unsupported MIME type: ${mime}`);
          }
          const final = { inlineData: { mimeType: 'image/png', data: (scenario.imageBytes ?? GEMINI_IMAGE).toString('base64') } };
          const usage = { promptTokenCount: 10, candidatesTokenCount: 1290 };
          switch (scenario.gemini) {
            case 'image':
              return {
                json: {
                  candidates: [{ content: { role: 'model', parts: [{ text: 'Here is your image.' }, final] }, finishReason: 'STOP' }],
                  usageMetadata: usage,
                },
              };
            case 'thought-then-image':
              return {
                json: {
                  candidates: [
                    {
                      content: {
                        role: 'model',
                        parts: [
                          { text: 'Planning the composition', thought: true },
                          { inlineData: { mimeType: 'image/png', data: GEMINI_DRAFT.toString('base64') }, thought: true },
                          { ...final, thoughtSignature: 'c2ln' },
                          { text: 'Done.' },
                        ],
                      },
                      finishReason: 'STOP',
                    },
                  ],
                  usageMetadata: usage,
                },
              };
            case 'safety':
              return {
                json: {
                  candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'IMAGE_SAFETY', finishMessage: 'Unable to show the generated image.' }],
                },
              };
            case 'prompt-blocked':
              return { json: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT', blockReasonMessage: 'The prompt was blocked.' } } };
            case 'text-only':
              return { json: { candidates: [{ content: { role: 'model', parts: [{ text: 'I can only describe it in words.' }] }, finishReason: 'STOP' }] } };
          }
        },
      },
      {
        name: 'gcs',
        method: 'GET',
        pattern: /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/,
        handle: ({ rec, match }) => {
          const d = denied(rec.headers);
          if (d) return d;
          if (rec.query.alt !== 'media') return { json: { kind: 'storage#object' } };
          const data = objects.get(`${decodeURIComponent(match[1] ?? '')}/${decodeURIComponent(match[2] ?? '')}`);
          return data ? { headers: { 'content-type': 'video/mp4' }, body: data } : googleError(404, 'NOT_FOUND', 'No such object');
        },
      },
    ],
    opts,
  )) as VertexFake;
  fake.url = fake.origin;
  fake.operations = operations;
  fake.objects = objects;
  fake.setScenario = (s) => {
    scenario = { ...DEFAULTS, ...s };
  };
  fake.applyScenario = (s) => fake.setScenario(s as Partial<typeof scenario>);
  return fake;
}
