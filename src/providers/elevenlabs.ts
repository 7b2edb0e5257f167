import { z } from 'zod';
import type { StudioConfig } from '../config.js';
import { StudioError } from '../errors.js';
import { type AdapterDeps, guardFor, httpFor, ioOf, keyAvailability, mediaBlob, missingCredentials, trimBase, uploadName } from './common.js';
import { DEFAULT_MAX_DOWNLOAD_BYTES, writeBytes } from './download.js';
import { buildBody, isMediaInput, takeQuery } from './request-body.js';
import type { ErrorReply } from './http.js';
import type { ProviderOutput, ProviderRequest, StartResult } from './types.js';
import type { ProviderAdapter } from './types.js';
import { isWav, type WavEncoding, wrapWav } from './wav.js';

/**
 * ElevenLabs text-to-speech, speech-to-speech and text-to-dialogue (docs/providers.md §2), plain
 * REST. Why not `@elevenlabs/elevenlabs-js`: its serialisers take camelCase and *strip* unknown keys
 * (`unrecognizedObjectKeys: "strip"`) and validate `output_format` against the enum compiled into the SDK, so a
 * field added in a capability file (snake_case, as on the wire) would be silently dropped — adding a model would
 * need code. Its own retries would also stack on ours.
 *
 * Text to speech calls `…/with-timestamps` and carries the character alignment out as the output's `meta`.
 * Both calls are synchronous: `start` returns the audio. Field paths: `url.voice_id` (URL path segment),
 * `query.output_format` (URL query), `voice_settings.*` (nested object; a JSON *string* part for STS),
 * `form.audio` (a multipart file part for STS); other fields are top-level JSON keys / form parts.
 */

const AUTH_ENV = ['ELEVENLABS_API_KEY'] as const;
const SYNC_TIMEOUT_MS = 5 * 60_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ElevenLabs error bodies: `{detail:{status,message}}` or a 422 `{detail:[{loc,msg,type}]}`. */
export function classifyElevenLabsError(reply: ErrorReply): StudioError | undefined {
  const detail = isRecord(reply.body) ? reply.body.detail : undefined;
  const said = reply.summary ? `: ${reply.summary}` : '';
  if (Array.isArray(detail)) {
    const first = detail.find(isRecord);
    const loc = first && Array.isArray(first.loc) ? first.loc.filter((x): x is string => typeof x === 'string') : [];
    const field = loc.filter((x) => x !== 'body' && x !== 'query' && x !== 'path').at(-1);
    return new StudioError('invalid_input', `ElevenLabs rejected ${reply.what}${field ? ` (field '${field}')` : ''}${said}`, {
      field,
      status: reply.status,
      retryable: false,
    });
  }
  if (!isRecord(detail) || typeof detail.status !== 'string') return undefined;
  const status = reply.status;
  const text = typeof detail.message === 'string' ? detail.message : '';
  if (status < 500 && /normali[sz]ation/i.test(text)) {
    // Plan-limited, not a malformed call: say which setting and what to use instead.
    return new StudioError(
      'invalid_input',
      `ElevenLabs refused apply_text_normalization='on' when asked to ${reply.what} (text normalisation 'on' on eleven_turbo_v2_5 and eleven_flash_v2_5 ` +
        `needs an Enterprise plan); use 'auto' or 'off'${said}`,
      { field: 'apply_text_normalization', accepts: "'auto' or 'off' (or 'on' with an Enterprise plan)", status, retryable: false },
    );
  }
  switch (detail.status) {
    case 'quota_exceeded':
      return new StudioError('quota', `ElevenLabs says the account is out of character quota${said}`, { status, retryable: false });
    case 'too_many_concurrent_requests':
      return new StudioError('rate_limited', `ElevenLabs: too many concurrent requests for the plan${said}`, {
        status,
        retryable: true,
        retryAfterMs: reply.retryAfterMs,
      });
    case 'system_busy':
      return new StudioError('rate_limited', `ElevenLabs is busy; try again shortly${said}`, { status, retryable: true, retryAfterMs: reply.retryAfterMs });
    case 'invalid_api_key':
      return new StudioError('provider_unavailable', `ElevenLabs refused the API key; check ELEVENLABS_API_KEY${said}`, { status, retryable: false });
    case 'max_character_limit_exceeded':
      return new StudioError('invalid_input', `ElevenLabs refused the text as too long for the model (field 'text'); split it into shorter lines${said}`, {
        field: 'text',
        status,
        retryable: false,
      });
    case 'bad_prompt': {
      // Music: a prompt naming an artist or quoting lyrics; the reply may carry a usable rewording.
      const data = isRecord(detail.data) ? detail.data : undefined;
      const suggestion = typeof data?.prompt_suggestion === 'string' ? ` Suggested prompt: ${data.prompt_suggestion}` : '';
      return new StudioError('invalid_input', `ElevenLabs refused the prompt (field 'prompt')${said}.${suggestion}`, {
        field: 'prompt',
        status,
        retryable: false,
      });
    }
    case 'voice_not_found':
      return new StudioError('not_found', `ElevenLabs has no such voice (field 'voice_id')${said}`, { field: 'voice_id', status, retryable: false });
    default:
      return undefined;
  }
}

/** What an `output_format` value produces: the file's MIME type and whether raw samples need a WAV header. */
export function outputFormatInfo(format: string | undefined): { mime: string; wrap?: { rate: number; encoding: WavEncoding } } {
  const m = /^(mp3|opus|pcm|wav|ulaw|alaw)_(\d+)/.exec(format ?? 'mp3_44100_128');
  const codec = m?.[1];
  const rate = Number(m?.[2] ?? 0);
  switch (codec) {
    case 'pcm':
      return { mime: 'audio/wav', wrap: { rate, encoding: 'pcm_s16le' } };
    case 'ulaw':
      return { mime: 'audio/wav', wrap: { rate, encoding: 'mulaw' } };
    case 'alaw':
      return { mime: 'audio/wav', wrap: { rate, encoding: 'alaw' } };
    case 'wav':
      return { mime: 'audio/wav' };
    case 'opus':
      return { mime: 'audio/ogg' };
    default:
      return { mime: 'audio/mpeg' };
  }
}

function formValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * Calls without a voice in the URL: sound effects (`POST /v1/sound-generation`), music (`POST /v1/music`) and
 * Text to Dialogue (`POST /v1/text-to-dialogue`, each turn carrying its own voice_id in the body). All take a JSON
 * body and `output_format` in the query and answer audio bytes, like text-to-speech.
 */
const VOICELESS: Record<string, { endpoint: string; what: string }> = {
  'elevenlabs-sfx': { endpoint: 'sound-generation', what: 'generate the sound effect' },
  'elevenlabs-music': { endpoint: 'music', what: 'compose the music' },
  'elevenlabs-dialogue': { endpoint: 'text-to-dialogue', what: 'voice the dialogue' },
};

/** The audio as the studio stores it: raw samples (`pcm_*`, `ulaw_*`, `alaw_*`) get a WAV header, as the format says. */
function audioOutput(data: Buffer, format: string | undefined): Extract<ProviderOutput, { kind: 'bytes' }> {
  const info = outputFormatInfo(format);
  return { kind: 'bytes', data: info.wrap && !isWav(data) ? wrapWav(data, info.wrap.rate, info.wrap.encoding) : data, mime: info.mime };
}

const Alignment = z
  .object({
    characters: z.array(z.string()),
    character_start_times_seconds: z.array(z.number().nonnegative()),
    character_end_times_seconds: z.array(z.number().nonnegative()),
  })
  .refine((a) => a.characters.length === a.character_start_times_seconds.length && a.characters.length === a.character_end_times_seconds.length, {
    message: 'characters and their start and end times differ in length',
  });

/** `POST /v1/text-to-speech/{voice_id}/with-timestamps` (AudioWithTimestampsResponse); both alignments may be absent. */
const WithTimestamps = z.object({
  audio_base64: z
    .string()
    .min(1, 'no audio')
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'audio_base64 is not base64'),
  alignment: Alignment.nullish(),
  normalized_alignment: Alignment.nullish(),
});

const ms = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * What the studio keeps of a reply's timings (media `extra`): every character's start and end, and `speech`, the
 * span from the first to the last character that is not a space (where the words really start and end).
 */
export function alignmentMeta(a: z.output<typeof Alignment>): Record<string, unknown> {
  const spoken = a.characters.flatMap((c, i) => (c.trim() === '' ? [] : [i]));
  const first = spoken[0];
  const last = spoken.at(-1);
  return {
    alignment: { characters: a.characters, start_seconds: a.character_start_times_seconds, end_seconds: a.character_end_times_seconds },
    ...(first !== undefined && last !== undefined
      ? { speech: { start: ms(a.character_start_times_seconds[first] ?? 0), end: ms(a.character_end_times_seconds[last] ?? 0) } }
      : {}),
  };
}

export function createElevenLabsAdapter(config: StudioConfig, deps: AdapterDeps = {}): ProviderAdapter {
  const base = trimBase(config.baseUrls.elevenlabs);
  const http = httpFor('ElevenLabs', AUTH_ENV, config, deps, classifyElevenLabsError);
  // Synchronous API: nothing is fetched from a reply URL, but the guard documents (and enforces) the same policy.
  guardFor(deps, [base]);
  const maxBytes = deps.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;

  function apiKey(): string {
    const key = config.secrets.elevenlabsKey;
    if (!key) throw missingCredentials('ElevenLabs', AUTH_ENV);
    return key;
  }

  function isSts(req: ProviderRequest): boolean {
    return req.capability.adapter === 'elevenlabs-sts' || req.capability.task === 'voice_v2v';
  }

  /** Split the built body into URL path params, query, and the rest. */
  function sections(req: ProviderRequest, body: Record<string, unknown>): { voiceId: string; query: URLSearchParams; form: Record<string, unknown> } {
    const url = isRecord(body.url) ? body.url : {};
    delete body.url;
    let voiceId = url.voice_id;
    if (voiceId === undefined) {
      // A capability without `url.voice_id`: take the voice_id role field from wherever it landed.
      const name = Object.keys(req.fields).find((k) => k === 'voice_id' || req.capability.fields[k]?.role === 'voice_id');
      if (name && name in body) {
        voiceId = body[name];
        delete body[name];
      }
    }
    if (typeof voiceId !== 'string' || voiceId === '') {
      throw new StudioError('invalid_input', 'a voice_id is required', { field: 'voice_id', model: req.capability.id });
    }
    const query = takeQuery(body);
    const form = isRecord(body.form) ? body.form : {};
    delete body.form;
    return { voiceId, query, form: { ...body, ...form } };
  }

  async function call(req: ProviderRequest, ctx: Parameters<ProviderAdapter['start']>[1]): Promise<StartResult> {
    const key = apiKey();
    const sts = isSts(req);
    const body = await buildBody(req, { encodeMedia: async (m) => m });
    const voiceless = VOICELESS[req.capability.adapter];
    const { voiceId, query, form } = voiceless ? { voiceId: '', query: takeQuery(body), form: body } : sections(req, body);
    if (form.model_id === undefined) form.model_id = req.capability.provider_model;
    const endpoint = sts ? 'speech-to-speech' : 'text-to-speech';
    const qs = query.toString();
    const url = voiceless
      ? `${base}/v1/${voiceless.endpoint}${qs ? `?${qs}` : ''}`
      : `${base}/v1/${endpoint}/${encodeURIComponent(voiceId)}${qs ? `?${qs}` : ''}`;
    const what = voiceless?.what ?? (sts ? 'convert the speech' : 'synthesize the speech');

    let makeBody: () => RequestInit['body'];
    const headers: Record<string, string> = { 'xi-api-key': key };
    if (sts) {
      const parts: Array<[string, Blob, string] | [string, string]> = [];
      for (const [name, value] of Object.entries(form)) {
        if (value === undefined || value === null) continue;
        if (isMediaInput(value)) parts.push([name, await mediaBlob(value), uploadName(value)]);
        else parts.push([name, formValue(value)]); // voice_settings becomes a JSON string, as documented
      }
      makeBody = () => {
        const fd = new FormData();
        for (const p of parts) {
          if (p.length === 3) fd.append(p[0], p[1], p[2]);
          else fd.append(p[0], p[1]);
        }
        return fd;
      };
    } else {
      if (Object.values(form).some(isMediaInput)) throw new StudioError('internal', `${req.capability.id}: text-to-speech takes no media fields`);
      headers['Content-Type'] = 'application/json';
      const json = JSON.stringify(form);
      makeBody = () => json;
    }

    const send = (to: string): Promise<Response> =>
      http.send({ method: 'POST', url: to, headers, body: makeBody, kind: 'create', what, timeoutMs: deps.timeoutMs ?? SYNC_TIMEOUT_MS }, ioOf(ctx, deps));
    const format = query.get('output_format') ?? undefined;
    const requestIdOf = (res: Response): { operationId?: string } => {
      const id = res.headers.get('request-id');
      return id ? { operationId: id } : {};
    };
    if (!sts && !voiceless) {
      // Text to speech asks for the character timings too (same body and query, a JSON reply): the studio uses them to
      // know where a line's words end, not just its audio.
      const timed = `${base}/v1/text-to-speech/${encodeURIComponent(voiceId)}/with-timestamps${qs ? `?${qs}` : ''}`;
      let res: Response | undefined;
      try {
        res = await send(timed);
      } catch (err) {
        // An account or proxy without the timestamps endpoint (a bare 404/405, not a refusal ElevenLabs explains,
        // such as an unknown voice): fall back once to the plain endpoint below, which answers audio without timings.
        if (!(err instanceof StudioError) || !(err.details.status === 404 || err.details.status === 405) || err.details.field !== undefined) throw err;
      }
      if (res) {
        const reply = http.parse(WithTimestamps, parseJsonBody(await readBody(res, ctx, Math.ceil(maxBytes * 1.4) + 65_536), what), what);
        const data = Buffer.from(reply.audio_base64, 'base64');
        if (data.length > maxBytes) throw new StudioError('provider_error', 'the ElevenLabs audio is larger than the download limit');
        const alignment = reply.alignment ?? reply.normalized_alignment ?? undefined;
        const meta = alignment ? alignmentMeta(alignment) : undefined;
        return { kind: 'done', outputs: [{ ...audioOutput(data, format), ...(meta ? { meta } : {}) }], ...requestIdOf(res) };
      }
    }

    const res = await send(url);
    const data = await readBody(res, ctx, maxBytes);
    const contentType = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    if (contentType.includes('json')) throw http.malformed(what, 'expected audio bytes, got JSON');
    return { kind: 'done', outputs: [audioOutput(data, format)], ...requestIdOf(res) };
  }

  /** The whole reply body, within `limit` bytes; a reply that breaks off is a retryable error. */
  async function readBody(res: Response, ctx: Parameters<ProviderAdapter['start']>[1], limit: number): Promise<Buffer> {
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) throw new StudioError('provider_error', 'the ElevenLabs audio is larger than the download limit');
    let data: Buffer;
    try {
      data = Buffer.from(await res.arrayBuffer());
    } catch {
      if (ctx.signal.aborted) throw new StudioError('canceled', 'the operation was canceled');
      throw new StudioError('provider_unavailable', 'the ElevenLabs audio broke off before it was complete', { retryable: true });
    }
    if (data.length === 0) throw new StudioError('provider_error', 'ElevenLabs returned empty audio');
    return data;
  }

  function parseJsonBody(data: Buffer, what: string): unknown {
    try {
      return JSON.parse(data.toString('utf8')) as unknown;
    } catch {
      throw http.malformed(what, 'the reply is not JSON');
    }
  }

  return {
    provider: 'elevenlabs',

    availability() {
      return keyAvailability(config.secrets.elevenlabsKey, 'ElevenLabs needs an API key', AUTH_ENV);
    },

    start: call,

    async poll() {
      // Synchronous API: there is nothing to poll. Reached only when a job was interrupted after the call.
      return {
        state: 'failed',
        error: new StudioError('provider_error', 'ElevenLabs calls are synchronous; an interrupted call cannot be resumed, run it again', { retryable: true }),
      };
    },

    async cancel() {
      // Synchronous: aborting ctx.signal aborts the request itself.
    },

    async download(output, destPath) {
      if (output.kind !== 'bytes') throw new StudioError('internal', `ElevenLabs cannot download a '${output.kind}' output`);
      await writeBytes(destPath, output.data, maxBytes);
      return { mime: output.mime };
    },

    pollIntervalMs() {
      return deps.pollIntervalMs ?? 1_000;
    },
  };
}
