import { z } from 'zod';
import type { StudioConfig } from '../config.js';
import { StudioError } from '../errors.js';
import { type AdapterDeps, guardFor, httpFor, ioOf, readMedia, trimBase } from './common.js';
import { DEFAULT_DOWNLOAD_TIMEOUT_MS, DEFAULT_MAX_DOWNLOAD_BYTES, downloadToFile, writeBytes } from './download.js';
import { type AccessTokenSource, googleAuthHeaders, hasGoogleCredentials, VERTEX_AUTH_ENV } from './vertex-auth.js';
import { buildGeminiBody, GenerateContentResponse, pickGeminiImage } from './vertex-gemini.js';
import { LyriaResponse, lyriaOutputs } from './vertex-lyria.js';
import { buildBody } from './request-body.js';
import { buildVeoBody, parseOperationName, VeoOperation, veoPollResult } from './vertex-veo.js';
import type { AdapterContext, MediaInput, ProviderAdapter, ProviderRequest, StartResult } from './types.js';

/**
 * Vertex AI: Veo (`:predictLongRunning` + `:fetchPredictOperation`) and Gemini image (`:generateContent`).
 *
 * Plain REST on `/v1`, not `@google/genai`: the capability files carry the REST field paths
 * (`instances.0.image.bytesBase64Encoded`, `parameters.durationSeconds`, lowercase `referenceType: "asset"`),
 * while the SDK takes camelCase `config` objects, renames fields (`numberOfVideos`→`sampleCount`, `imageBytes`→
 * `bytesBase64Encoded`), upper-cases enums (`ASSET`) and would need per-field code for every new parameter —
 * exactly what "adding a model is adding a capability file" rules out. The REST surface is three calls; auth
 * comes from google-auth-library (ADC), which the SDK itself uses.
 */

export interface VertexDeps extends AdapterDeps {
  /** OAuth token source (tests inject a fake token); default: Application Default Credentials. */
  getAccessToken?: AccessTokenSource;
  /** GCS JSON API base URL (default https://storage.googleapis.com, env GCS_BASE_URL). */
  storageBaseUrl?: string;
}

const SYNC_TIMEOUT_MS = 5 * 60_000;

/** Veo is only offered in regions; Google's own sample falls back to us-central1 when given `global`. */
function veoLocation(req: ProviderRequest, configured: string): string {
  const loc = req.capability.location ?? configured;
  return loc === 'global' ? 'us-central1' : loc;
}

/** Gemini 3.x image models are served from `global` only; others use the configured region. */
function geminiLocation(req: ProviderRequest, configured: string): string {
  if (req.capability.location) return req.capability.location;
  return /^gemini-3/.test(req.capability.provider_model) ? 'global' : configured;
}

function isVeo(req: ProviderRequest): boolean {
  return req.capability.adapter === 'vertex-veo' || (req.capability.adapter !== 'vertex-gemini-image' && req.capability.media_type === 'video');
}

export function createVertexAdapter(config: StudioConfig, deps: VertexDeps = {}): ProviderAdapter {
  const env = deps.env ?? process.env;
  const override = config.baseUrls.vertex ? trimBase(config.baseUrls.vertex) : undefined;
  const storageBase = trimBase(deps.storageBaseUrl ?? env.GCS_BASE_URL ?? 'https://storage.googleapis.com');
  const http = httpFor('Vertex AI', VERTEX_AUTH_ENV.slice(1), config, deps);
  const guard = guardFor(deps, [override, storageBase]);
  const authHeaders = googleAuthHeaders(config, deps.getAccessToken);
  // Optional gs://bucket/prefix/ for Veo outputs; without it videos come back inline (base64 in the operation).
  const storageUri = env.VERTEX_STORAGE_URI?.trim() || undefined;

  function host(location: string): string {
    if (override) return override;
    return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
  }

  function project(): string {
    const p = config.google.project;
    if (!p) throw new StudioError('provider_unavailable', 'Vertex AI is not configured: set GOOGLE_CLOUD_PROJECT', { retryable: false });
    return p;
  }

  function modelUrl(location: string, model: string, verb: string): string {
    const locationPath = `/v1/projects/${encodeURIComponent(project())}/locations/${encodeURIComponent(location)}`;
    return `${host(location)}${locationPath}/publishers/google/models/${encodeURIComponent(model)}:${verb}`;
  }

  async function jsonHeaders(): Promise<Record<string, string>> {
    return { ...(await authHeaders()), 'Content-Type': 'application/json' };
  }

  async function base64(m: MediaInput): Promise<string> {
    return (await readMedia(m)).toString('base64');
  }

  async function startVeo(req: ProviderRequest, ctx: AdapterContext): Promise<StartResult> {
    const location = veoLocation(req, config.google.location);
    const url = modelUrl(location, req.capability.provider_model, 'predictLongRunning');
    const headers = await jsonHeaders();
    const body = await buildVeoBody(req, async (m) => ({ bytesBase64Encoded: await base64(m), mimeType: m.mime }), storageUri);
    const json = JSON.stringify(body);
    const op = await http.json(
      { method: 'POST', url, headers, body: () => json, kind: 'create', what: 'start the Veo generation' },
      VeoOperation.extend({ name: z.string().min(1) }),
      ioOf(ctx, deps),
    );
    return { kind: 'operation', operationId: op.name };
  }

  async function generateImage(req: ProviderRequest, ctx: AdapterContext): Promise<StartResult> {
    const location = geminiLocation(req, config.google.location);
    const url = modelUrl(location, req.capability.provider_model, 'generateContent');
    const headers = await jsonHeaders();
    const body = await buildGeminiBody(req, async (m) => ({ mimeType: m.mime, data: await base64(m) }));
    const json = JSON.stringify(body);
    const reply = await http.json(
      { method: 'POST', url, headers, body: () => json, kind: 'create', what: 'generate the image', timeoutMs: deps.timeoutMs ?? SYNC_TIMEOUT_MS },
      GenerateContentResponse,
      ioOf(ctx, deps),
    );
    return { kind: 'done', outputs: [pickGeminiImage(reply, http)] };
  }

  async function generateMusic(req: ProviderRequest, ctx: AdapterContext): Promise<StartResult> {
    const url = modelUrl(req.capability.location ?? config.google.location, req.capability.provider_model, 'predict');
    const headers = await jsonHeaders();
    const json = JSON.stringify(await buildBody(req, { encodeMedia: async (m) => m }));
    const reply = await http.json(
      { method: 'POST', url, headers, body: () => json, kind: 'create', what: 'generate the music', timeoutMs: deps.timeoutMs ?? SYNC_TIMEOUT_MS },
      LyriaResponse,
      ioOf(ctx, deps),
    );
    return { kind: 'done', outputs: lyriaOutputs(reply) };
  }

  return {
    provider: 'vertex',

    availability() {
      if (!config.google.project) {
        return { available: false, reason: 'Vertex AI needs a Google Cloud project and credentials', env: [...VERTEX_AUTH_ENV] };
      }
      if (!hasGoogleCredentials(config, env)) {
        return {
          available: false,
          reason: 'Vertex AI needs credentials: a service account key file, an API key, or `gcloud auth application-default login`',
          env: ['GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_API_KEY'],
        };
      }
      return { available: true };
    },

    async start(req, ctx) {
      project();
      if (req.capability.adapter === 'vertex-lyria') return generateMusic(req, ctx);
      return isVeo(req) ? startVeo(req, ctx) : generateImage(req, ctx);
    },

    async poll(operationId, req, ctx) {
      if (!isVeo(req)) {
        return {
          state: 'failed',
          error: new StudioError('provider_error', 'Gemini image and Lyria calls are synchronous; an interrupted call cannot be resumed, run it again', {
            retryable: true,
          }),
        };
      }
      // The operation lives on its model resource: cut the name at /operations/ (as the SDK does).
      const { modelResource, location } = parseOperationName(operationId);
      const op = await http.json(
        {
          method: 'POST',
          url: `${host(location)}/v1/${modelResource}:fetchPredictOperation`,
          headers: await jsonHeaders(),
          body: () => JSON.stringify({ operationName: operationId }),
          kind: 'read',
          what: 'fetch the Veo operation',
        },
        VeoOperation,
        ioOf(ctx, deps),
      );
      return veoPollResult(op, http);
    },

    async cancel(_operationId, _req, ctx) {
      // The Veo docs describe no cancel for predictLongRunning operations; the generation runs to its end.
      ctx.log('vertex: Veo operations cannot be cancelled; it will finish at the provider');
    },

    async download(output, destPath, ctx) {
      if (output.kind === 'bytes') {
        await writeBytes(destPath, output.data, deps.maxDownloadBytes);
        return { mime: output.mime };
      }
      if (output.kind !== 'gcs') throw new StudioError('internal', `Vertex AI cannot download a '${output.kind}' output`);
      const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(output.uri);
      if (!m?.[1] || !m[2]) throw new StudioError('provider_error', 'Vertex AI returned a malformed gs:// URI', { retryable: false });
      // GCS JSON API media download; the bucket is the caller's own (storageUri), so our credentials apply.
      const url = `${storageBase}/storage/v1/b/${encodeURIComponent(m[1])}/o/${encodeURIComponent(m[2])}?alt=media`;
      const got = await downloadToFile(
        {
          url,
          destPath,
          headers: await authHeaders(),
          maxBytes: deps.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES,
          timeoutMs: deps.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
        },
        { http, guard, io: ioOf(ctx, deps) },
      );
      return { mime: output.mime ?? got.mime ?? 'video/mp4' };
    },

    pollIntervalMs(req) {
      // Google's samples poll every 10-15 s; a Veo job takes 1-6 minutes.
      return deps.pollIntervalMs ?? (isVeo(req) ? 10_000 : 1_000);
    },
  };
}
