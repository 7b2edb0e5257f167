import { z } from 'zod';
import type { StudioConfig } from '../config.js';
import { StudioError } from '../errors.js';
import {
  type AdapterDeps,
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
import type { ProviderHttp } from './http.js';
import { shorten, scrub } from './safe-message.js';
import type { AdapterContext, PollResult, ProviderAdapter, ProviderOutput, ProviderRequest, StartResult } from './types.js';

/**
 * WaveSpeed AI (InfiniteTalk lip-sync and whatever else a capability file names), plain REST as documented in
 * docs/providers.md §3. The official `wavespeed` SDK hides the task id inside
 * its own polling loop, so a dropped connection would orphan a paid task; we submit, persist `data.id`, and poll.
 *
 * Media inputs are uploaded first (`/api/v3/media/upload/binary`, part `file`) and the returned `download_url`
 * is the input value. Sync mode is never used (long jobs hit 504 while the task still runs and bills).
 */

const AUTH_ENV = ['WAVESPEED_API_KEY'] as const;

/** `{code, message, data}` — `code !== 200` is an error even when HTTP said 200. */
const Envelope = z.object({ code: z.number(), message: z.string().nullish(), data: z.unknown() });

const UploadData = z.object({ download_url: z.string().min(1) });

const TaskData = z.object({
  id: z.string().min(1),
  status: z.string(),
  outputs: z.array(z.string()).nullish(),
  error: z.string().nullish(),
  /** Task error code on failure (1200 moderation, 14xx input, 5xxx provider). */
  code: z.number().nullish(),
});
type TaskData = z.infer<typeof TaskData>;

/** Map a WaveSpeed task error code (docs §3.6) or envelope code to a StudioError. */
export function wavespeedTaskError(code: number | null | undefined, text: string, http: ProviderHttp): StudioError {
  const said = text ? `: ${shorten(scrub(text, http.redact))}` : '';
  if (code === 1200 || (!code && SAFETY_WORDS.test(text))) {
    return new StudioError('safety_blocked', `WaveSpeed refused the task on content moderation grounds${said}`, { retryable: false });
  }
  if (code !== undefined && code !== null && code >= 1400 && code < 1500) {
    const what = code === 1402 ? 'an input media URL was not accessible' : 'the input was rejected';
    return new StudioError('invalid_input', `WaveSpeed failed the task (${code}, ${what})${said}`, { retryable: false });
  }
  if (code !== undefined && code !== null && code >= 5000 && code < 6000) {
    return new StudioError('provider_unavailable', `WaveSpeed had an internal problem (${code})${said}`, { retryable: true });
  }
  return new StudioError('provider_error', `WaveSpeed failed the task${code ? ` (${code})` : ''}${said}`, { retryable: false });
}

export function createWavespeedAdapter(config: StudioConfig, deps: AdapterDeps = {}): ProviderAdapter {
  const base = trimBase(config.baseUrls.wavespeed);
  const http = httpFor('WaveSpeed', AUTH_ENV, config, deps);
  const guard = guardFor(deps, [base]);

  function headers(json: boolean): Record<string, string> {
    const key = config.secrets.wavespeedKey;
    if (!key) throw missingCredentials('WaveSpeed', AUTH_ENV);
    return { Authorization: `Bearer ${key}`, ...(json ? { 'Content-Type': 'application/json' } : {}) };
  }

  /** Unwrap the envelope; a non-200 envelope code is an error with the same mapping as an HTTP status. */
  function unwrap<S extends z.ZodType>(reply: z.infer<typeof Envelope>, schema: S, what: string): z.output<S> {
    if (reply.code !== 200) {
      if (reply.code >= 1000) throw wavespeedTaskError(reply.code, reply.message ?? '', http);
      throw http.errorFor({ status: reply.code, body: { message: reply.message ?? '' }, headers: new Headers(), what });
    }
    return http.parse(schema, reply.data, what);
  }

  async function upload(media: Parameters<typeof uploadName>[0], ctx: AdapterContext): Promise<string> {
    const blob = await mediaBlob(media);
    const name = uploadName(media);
    const reply = await http.json(
      {
        method: 'POST',
        url: `${base}/api/v3/media/upload/binary`,
        headers: headers(false),
        body: () => {
          const form = new FormData();
          form.append('file', blob, name);
          return form;
        },
        kind: 'upload',
        what: 'upload a media file',
        timeoutMs: 10 * 60_000,
      },
      Envelope,
      ioOf(ctx, deps),
    );
    return unwrap(reply, UploadData, 'upload a media file').download_url;
  }

  function modelUrl(req: ProviderRequest): string {
    return `${base}/api/v3/${req.capability.provider_model.split('/').map(encodeURIComponent).join('/')}`;
  }

  function outputsOf(task: TaskData, req: ProviderRequest): ProviderOutput[] {
    return (task.outputs ?? []).map((url) => ({ kind: 'url', url, mime: mimeFromUrl(url) ?? req.capability.output.mime }));
  }

  return {
    provider: 'wavespeed',

    availability() {
      return keyAvailability(config.secrets.wavespeedKey, 'WaveSpeed needs an API key', AUTH_ENV);
    },

    async start(req, ctx): Promise<StartResult> {
      headers(false); // fail before uploading anything when the key is missing
      const body = await buildBody(req, { encodeMedia: (m) => upload(m, ctx) });
      // Never sync mode: a long task answers 504 while it keeps running (and billing) server-side.
      delete body.enable_sync_mode;
      const reply = await http.json(
        { method: 'POST', url: modelUrl(req), headers: headers(true), body: () => JSON.stringify(body), kind: 'create', what: 'submit the task' },
        Envelope,
        ioOf(ctx, deps),
      );
      const task = unwrap(reply, TaskData, 'submit the task');
      return { kind: 'operation', operationId: task.id };
    },

    async poll(operationId, req, ctx): Promise<PollResult> {
      const reply = await http.json(
        {
          method: 'GET',
          url: `${base}/api/v3/predictions/${encodeURIComponent(operationId)}/result`,
          headers: headers(false),
          kind: 'read',
          what: 'get the task result',
        },
        Envelope,
        ioOf(ctx, deps),
      );
      const task = unwrap(reply, TaskData, 'get the task result');
      switch (task.status) {
        case 'completed': {
          const outputs = outputsOf(task, req);
          if (outputs.length === 0) return { state: 'failed', error: new StudioError('provider_error', 'WaveSpeed completed the task without any output') };
          return { state: 'succeeded', outputs };
        }
        case 'failed':
          // Arrives as HTTP 200 with envelope code 200: the failure is only in data.status.
          return { state: 'failed', error: wavespeedTaskError(task.code, task.error ?? '', http) };
        case 'cancelled':
        case 'canceled':
          return { state: 'failed', error: new StudioError('canceled', 'the WaveSpeed task was cancelled') };
        case 'timeout':
          return { state: 'failed', error: new StudioError('timeout', 'WaveSpeed gave up on the task (timeout)', { retryable: true }) };
        case 'created':
          return { state: 'running', message: 'queued at WaveSpeed' };
        default:
          return { state: 'running', message: task.status === 'processing' ? 'processing at WaveSpeed' : `WaveSpeed status ${task.status}` };
      }
    },

    async cancel(_operationId, _req, ctx) {
      // WaveSpeed documents no cancel endpoint; the task runs to its end.
      ctx.log('wavespeed: no cancel endpoint; the task will run to completion at the provider');
    },

    async download(output, destPath, ctx) {
      return downloadBytesOrUrl(
        'WaveSpeed',
        { http, guard, deps, apiBaseUrl: base, sameOriginHeaders: config.secrets.wavespeedKey ? headers(false) : undefined },
        output,
        destPath,
        ctx,
        'video/mp4',
      );
    },

    pollIntervalMs(req) {
      // Docs: at least 2 s for image tasks, at least 5 s for video tasks.
      return deps.pollIntervalMs ?? (req.capability.media_type === 'image' ? 2_000 : 5_000);
    },
  };
}
