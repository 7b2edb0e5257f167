import { z } from 'zod';
import { capabilityFromReplicateModel } from '../capabilities/replicate-openapi.js';
import type { Capability } from '../capabilities/types.js';
import type { StudioConfig } from '../config.js';
import { StudioError } from '../errors.js';
import {
  type AdapterDeps,
  collectDataUris,
  collectUrls,
  downloadBytesOrUrl,
  guardFor,
  httpFor,
  ioOf,
  keyAvailability,
  mediaBlob,
  mimeFromUrl,
  missingCredentials,
  SAFETY_WORDS,
  trimBase,
  uploadName,
} from './common.js';
import { buildBody } from './request-body.js';
import { scrub, shorten } from './safe-message.js';
import type { AdapterContext, MediaInput, PollResult, ProviderAdapter, ProviderOutput, ProviderRequest, StartResult } from './types.js';

/**
 * Replicate over plain REST (docs/providers.md §1).
 *
 * Why not the `replicate` npm client (1.4.0): its `withAutomaticRetries` catches *every* exception thrown by
 * fetch and retries up to 5 more times back to back — for POSTs too. A network error after Replicate accepted a
 * prediction therefore creates (and bills) up to six predictions (reproduced with a stub fetch: 6 POSTs). Its
 * 429 handling also ignores Retry-After, and its `data-uri` file strategy serialises the client (with the token)
 * into the input. The API surface we need is five small calls, so the shared http layer does them.
 *
 * Field paths are relative to the prediction's `input` object (Replicate model inputs are flat).
 */

const AUTH_ENV = ['REPLICATE_API_TOKEN'] as const;

const FileObject = z.object({ id: z.string(), urls: z.object({ get: z.string().min(1) }) });

const Prediction = z.object({
  id: z.string().min(1),
  status: z.enum(['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted']),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  logs: z.string().nullish(),
  data_removed: z.boolean().optional(),
});
type Prediction = z.infer<typeof Prediction>;

/** GET /models/{owner}/{name}: only what we check here; the converter reads the rest. */
const ModelObject = z.looseObject({
  owner: z.string(),
  name: z.string(),
  latest_version: z.looseObject({ id: z.string(), openapi_schema: z.unknown() }).nullish(),
});

/** The last tqdm percentage in the logs ("…40%|████…"), as 0..1. */
export function progressFromLogs(logs: string | null | undefined): number | undefined {
  if (!logs) return undefined;
  const all = [...logs.matchAll(/(\d{1,3})%\|/g)];
  const last = all.at(-1)?.[1];
  if (last === undefined) return undefined;
  const n = Number(last);
  return n >= 0 && n <= 100 ? n / 100 : undefined;
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') return JSON.stringify(error);
  return '';
}

/** The model path `/models/{owner}/{name}` of a provider model id, segments encoded. */
function modelPath(providerModel: string): string {
  const [owner, name, ...rest] = providerModel.split('/');
  if (!owner || !name || rest.length > 0) {
    throw new StudioError('invalid_input', `'${providerModel}' is not a Replicate model id (expected owner/name)`, { field: 'model' });
  }
  return `/models/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}

export interface ReplicateAdapter extends ProviderAdapter {
  /**
   * Live model discovery: GET /models/{owner}/{name} handed to `capabilityFromReplicateModel` (capability engine).
   * `shipped` is the capability file for the model, if there is one, so the converter can keep its roles and rules.
   */
  describeModel(providerModel: string, ctx: AdapterContext, shipped?: Capability): Promise<Capability>;
}

export function createReplicateAdapter(config: StudioConfig, deps: AdapterDeps = {}): ReplicateAdapter {
  const base = trimBase(config.baseUrls.replicate);
  const http = httpFor('Replicate', AUTH_ENV, config, deps);
  const guard = guardFor(deps, [base]);

  function headers(json: boolean): Record<string, string> {
    const token = config.secrets.replicateToken;
    if (!token) throw missingCredentials('Replicate', AUTH_ENV);
    return { Authorization: `Bearer ${token}`, ...(json ? { 'Content-Type': 'application/json' } : {}) };
  }

  /** POST /files (multipart `content`); the opaque `urls.get` is the input value. Never data URIs. */
  async function upload(media: MediaInput, ctx: AdapterContext): Promise<string> {
    const blob = await mediaBlob(media);
    const name = uploadName(media);
    const file = await http.json(
      {
        method: 'POST',
        url: `${base}/files`,
        headers: headers(false),
        body: () => {
          const form = new FormData();
          form.append('content', blob, name);
          form.append('type', media.mime);
          form.append('metadata', new Blob([JSON.stringify({ media_id: media.mediaId })], { type: 'application/json' }));
          return form;
        },
        kind: 'upload',
        what: 'upload an input file',
        timeoutMs: 10 * 60_000,
      },
      FileObject,
      ioOf(ctx, deps),
    );
    return file.urls.get;
  }

  async function getPrediction(id: string, ctx: AdapterContext): Promise<Prediction> {
    return http.json(
      { method: 'GET', url: `${base}/predictions/${encodeURIComponent(id)}`, headers: headers(false), kind: 'read', what: 'get the prediction' },
      Prediction,
      ioOf(ctx, deps),
    );
  }

  function toPoll(p: Prediction, req: ProviderRequest): PollResult {
    switch (p.status) {
      case 'starting':
        return { state: 'running', progress: 0, message: 'starting at Replicate (queued or booting)' };
      case 'processing':
        return { state: 'running', progress: progressFromLogs(p.logs), message: 'processing at Replicate' };
      case 'succeeded': {
        const urls = collectUrls(p.output);
        // A model may inline a small file as a data: URI; that is bytes, nothing to fetch.
        const inline = collectDataUris(p.output);
        if (urls.length === 0 && inline.length === 0) {
          const why = p.data_removed ? 'its outputs were already removed (Replicate keeps them for 1 hour)' : 'it returned no output file';
          return { state: 'failed', error: new StudioError('provider_error', `the Replicate prediction succeeded but ${why}`, { retryable: false }) };
        }
        return {
          state: 'succeeded',
          outputs: [
            ...urls.map((url): ProviderOutput => ({ kind: 'url', url, mime: mimeFromUrl(url) ?? req.capability.output.mime })),
            ...inline.map((d): ProviderOutput => ({ kind: 'bytes', data: d.data, mime: d.mime })),
          ],
        };
      }
      case 'failed': {
        const text = errorText(p.error);
        const said = text ? `: ${shorten(scrub(text, http.redact))}` : '';
        if (SAFETY_WORDS.test(text)) {
          return {
            state: 'failed',
            error: new StudioError('safety_blocked', `Replicate's safety checker refused the prediction${said}`, { retryable: false }),
          };
        }
        return { state: 'failed', error: new StudioError('provider_error', `the Replicate prediction failed${said}`, { retryable: false }) };
      }
      case 'canceled':
        return { state: 'failed', error: new StudioError('canceled', 'the Replicate prediction was canceled') };
      case 'aborted':
        return { state: 'failed', error: new StudioError('canceled', 'Replicate aborted the prediction before it started (deadline passed)') };
    }
  }

  return {
    provider: 'replicate',

    availability() {
      return keyAvailability(config.secrets.replicateToken, 'Replicate needs an API token', AUTH_ENV);
    },

    async start(req, ctx): Promise<StartResult> {
      headers(false); // fail before uploading anything when the token is missing
      const input = await buildBody(req, { encodeMedia: (m) => upload(m, ctx) });
      const cap = req.capability;
      // Official models run by name; community models need a version (hash or owner/name:hash).
      const call = cap.version
        ? { url: `${base}/predictions`, body: { version: cap.version, input } }
        : { url: `${base}${modelPath(cap.provider_model)}/predictions`, body: { input } };
      const p = await http.json(
        { method: 'POST', url: call.url, headers: headers(true), body: () => JSON.stringify(call.body), kind: 'create', what: 'create the prediction' },
        Prediction,
        ioOf(ctx, deps),
      );
      return { kind: 'operation', operationId: p.id };
    },

    async poll(operationId, req, ctx) {
      return toPoll(await getPrediction(operationId, ctx), req);
    },

    async cancel(operationId, _req, ctx) {
      await http.json(
        {
          method: 'POST',
          url: `${base}/predictions/${encodeURIComponent(operationId)}/cancel`,
          headers: headers(false),
          kind: 'read', // cancelling twice is harmless
          what: 'cancel the prediction',
        },
        Prediction,
        ioOf(ctx, deps),
      );
    },

    async download(output, destPath, ctx) {
      // Output URLs expire after 1 hour: the job queue downloads right after the poll that saw them.
      return downloadBytesOrUrl(
        'Replicate',
        { http, guard, deps, apiBaseUrl: base, sameOriginHeaders: config.secrets.replicateToken ? headers(false) : undefined },
        output,
        destPath,
        ctx,
        'application/octet-stream',
      );
    },

    pollIntervalMs(req) {
      // The npm client polls every 500 ms; for long video jobs a few seconds is plenty (and kinder to the limits).
      return deps.pollIntervalMs ?? (req.capability.media_type === 'video' ? 3_000 : 1_000);
    },

    async describeModel(providerModel, ctx, shipped) {
      const model = await http.json(
        { method: 'GET', url: `${base}${modelPath(providerModel)}`, headers: headers(false), kind: 'read', what: 'get the model' },
        ModelObject,
        ioOf(ctx, deps),
      );
      if (!model.latest_version) {
        throw new StudioError('not_found', `Replicate model '${providerModel}' has no published version to read a schema from`, { field: 'model' });
      }
      try {
        return capabilityFromReplicateModel(model, shipped);
      } catch (err) {
        if (err instanceof StudioError) throw err;
        throw http.malformed('get the model', 'its openapi_schema could not be turned into a capability');
      }
    },
  };
}
