import { z } from 'zod';
import { StudioError } from '../errors.js';
import { SAFETY_WORDS } from './common.js';
import { buildBody, fieldPath } from './request-body.js';
import type { ProviderHttp } from './http.js';
import { scrub, shorten } from './safe-message.js';
import type { MediaInput, PollResult, ProviderOutput, ProviderRequest } from './types.js';

/**
 * Veo request bodies and operation replies (docs/providers.md §4). The body is built from the
 * capability's path hints (`instances.0.image`, `parameters.durationSeconds`); media become the REST `Image` /
 * `Video` shape `{bytesBase64Encoded, mimeType}` (never Gemini-style `inlineData`, which Veo rejects), and items of
 * a `referenceImages` array become `{image, referenceType: "asset"}` (lowercase, as in the REST reference).
 */

/** Instance-level Veo fields, for capabilities that give no path. Everything else is a parameter. */
const INSTANCE_FIELDS = new Set(['prompt', 'image', 'lastFrame', 'video', 'mask', 'referenceImages', 'cameraControl']);

export function veoDefaultPath(name: string): string {
  return INSTANCE_FIELDS.has(name) ? `instances.0.${name}` : `parameters.${name}`;
}

/** Build the `:predictLongRunning` body. `encode` reads a file into `{bytesBase64Encoded, mimeType}`. */
export async function buildVeoBody(
  req: ProviderRequest,
  encode: (m: MediaInput) => Promise<Record<string, unknown>>,
  storageUri?: string,
): Promise<Record<string, unknown>> {
  const body = await buildBody(req, {
    defaultPath: veoDefaultPath,
    encodeMedia: async (m, field) => {
      const image = await encode(m);
      // A wildcard field (`…referenceImages.*.referenceType`) may override the type afterwards.
      return fieldPath(req.capability, field, veoDefaultPath).endsWith('referenceImages') ? { image, referenceType: 'asset' } : image;
    },
  });
  const instances = body.instances;
  if (!Array.isArray(instances) || instances.length === 0) body.instances = [{}];
  if (storageUri) {
    const params = (body.parameters ?? {}) as Record<string, unknown>;
    if (params.storageUri === undefined) params.storageUri = storageUri;
    body.parameters = params;
  }
  return body;
}

const VideoOut = z.object({
  bytesBase64Encoded: z.string().optional(),
  gcsUri: z.string().optional(),
  mimeType: z.string().optional(),
});

/** `google.longrunning.Operation` as returned by `:predictLongRunning` and `:fetchPredictOperation`. */
export const VeoOperation = z.object({
  name: z.string().optional(),
  done: z.boolean().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  response: z
    .object({
      raiMediaFilteredCount: z.number().optional(),
      raiMediaFilteredReasons: z.array(z.string()).optional(),
      videos: z.array(VideoOut).optional(),
    })
    .optional(),
  error: z.object({ code: z.number().optional(), message: z.string().optional(), status: z.string().optional() }).optional(),
});
export type VeoOperation = z.infer<typeof VeoOperation>;

/** Map a google.rpc.Status (operation error) to a StudioError. */
export function rpcStatusError(err: { code?: number; message?: string }, http: ProviderHttp, what = 'the Veo operation'): StudioError {
  const text = err.message ?? '';
  const said = text ? `: ${shorten(scrub(text, http.redact))}` : '';
  if (SAFETY_WORDS.test(text) || /usage guidelines|violat/i.test(text)) {
    return new StudioError('safety_blocked', `Vertex AI refused ${what} on safety grounds${said}`, { retryable: false });
  }
  switch (err.code) {
    case 1:
      return new StudioError('canceled', `${what} was cancelled at Vertex AI`);
    case 3:
    case 9:
    case 11:
      return new StudioError('invalid_input', `Vertex AI rejected ${what}${said}`, { retryable: false });
    case 5:
      return new StudioError('not_found', `Vertex AI could not find what ${what} needs${said}`);
    case 7:
    case 16:
      return new StudioError(
        'provider_unavailable',
        `Vertex AI refused the credentials for ${what}; check GOOGLE_APPLICATION_CREDENTIALS / GOOGLE_API_KEY and the project's permissions${said}`,
        {
          retryable: false,
        },
      );
    case 8:
      return new StudioError('rate_limited', `Vertex AI quota exhausted for ${what}${said}`, { retryable: true });
    case 4:
      return new StudioError('timeout', `${what} ran out of time at Vertex AI${said}`, { retryable: true });
    case 2:
    case 13:
    case 14:
      return new StudioError('provider_unavailable', `Vertex AI had an internal problem with ${what}${said}`, { retryable: true });
    default:
      return new StudioError('provider_error', `${what} failed at Vertex AI${said}`, { retryable: false });
  }
}

function progressOf(metadata: Record<string, unknown> | undefined): number | undefined {
  const p = metadata?.progressPercent ?? metadata?.progress_percent;
  return typeof p === 'number' && p >= 0 && p <= 100 ? p / 100 : undefined;
}

/** Turn an operation into a poll result. */
export function veoPollResult(op: VeoOperation, http: ProviderHttp): PollResult {
  if (!op.done) return { state: 'running', progress: progressOf(op.metadata), message: 'generating at Vertex AI' };
  if (op.error) return { state: 'failed', error: rpcStatusError(op.error, http) };
  const videos = op.response?.videos ?? [];
  const outputs: ProviderOutput[] = [];
  for (const v of videos) {
    const mime = v.mimeType ?? 'video/mp4';
    if (v.bytesBase64Encoded) outputs.push({ kind: 'bytes', data: Buffer.from(v.bytesBase64Encoded, 'base64'), mime });
    else if (v.gcsUri) outputs.push({ kind: 'gcs', uri: v.gcsUri, mime });
  }
  if (outputs.length > 0) return { state: 'succeeded', outputs };
  const filtered = op.response?.raiMediaFilteredCount ?? 0;
  const reasons = op.response?.raiMediaFilteredReasons ?? [];
  if (filtered > 0 || reasons.length > 0) {
    const why = reasons.length > 0 ? `: ${shorten(scrub(reasons.join('; '), http.redact))}` : '';
    return { state: 'failed', error: new StudioError('safety_blocked', `Vertex AI's responsible-AI filter removed the video${why}`, { retryable: false }) };
  }
  return { state: 'failed', error: new StudioError('provider_error', 'the Veo operation finished without any video', { retryable: false }) };
}

/** `projects/P/locations/L/publishers/google/models/M/operations/ID` → its model resource and location. */
export function parseOperationName(name: string): { modelResource: string; location: string } {
  const m = /^(projects\/[^/]+\/locations\/([^/]+)\/publishers\/google\/models\/[^/]+)\/operations\/[^/]+$/.exec(name);
  if (!m?.[1] || !m[2]) throw new StudioError('invalid_input', 'the stored Veo operation name is not a Vertex operation name', { retryable: false });
  return { modelResource: m[1], location: m[2] };
}
