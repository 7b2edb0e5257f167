import { randomUUID } from 'node:crypto';
import { type FakeServer, fakeBytes, type StartOptions, startFake } from './base.js';

/**
 * A fake of the ElevenLabs TTS and STS endpoints as documented in docs/providers.md §2:
 * `POST /v1/text-to-speech/{voice_id}?output_format=…` (JSON body), its `/with-timestamps` twin (same body and query,
 * a JSON reply `{audio_base64, alignment, normalized_alignment}` timing every character of the text) and `POST /v1/speech-to-speech/{voice_id}`
 * (multipart: `audio` file, `model_id`, `voice_settings` as a JSON string, …), answering raw audio bytes whose
 * format follows `output_format` (`pcm_*` raw samples without a header, `wav_*` with one, mp3 otherwise), header
 * `xi-api-key`, error bodies `{detail:{status,message}}` and 422 `{detail:[{loc,msg,type}]}`.
 */

export interface ElevenLabsScenario {
  /** Known voice ids; others answer voice_not_found (HTTP 400: the real status is undocumented). */
  voices: string[];
  /** Expected key; a mismatch answers invalid_api_key (401) echoing the key (to test redaction). */
  apiKey?: string;
  /** Answer every generation with this ElevenLabs error status code. */
  error?: 'quota_exceeded' | 'too_many_concurrent_requests' | 'system_busy';
  /** Real audio to return instead of opaque bytes (for tests that ingest the output through the studio). */
  audioBytes?: Buffer;
  /** Seconds each character of the text takes in the fake's alignment (the first starts at `leadSeconds`). */
  charSeconds?: number;
  leadSeconds?: number;
}

export interface ElevenLabsFake extends FakeServer {
  /** Put this in ELEVENLABS_BASE_URL. */
  url: string;
  /** Replace the scenario (unspecified keys take their defaults). */
  setScenario(s: Partial<ElevenLabsScenario>): void;
}

const DEFAULTS: ElevenLabsScenario = { voices: ['21m00Tcm4TlvDq8ikWAM', 'voice-narrator'], charSeconds: 0.05, leadSeconds: 0.1 };

/** The fake's timing of a text: character i runs from lead + i·step to lead + (i+1)·step seconds. */
export function fakeAlignment(
  text: string,
  step = 0.05,
  lead = 0.1,
): { characters: string[]; character_start_times_seconds: number[]; character_end_times_seconds: number[] } {
  const characters = [...text];
  const at = (i: number): number => Math.round((lead + i * step) * 1000) / 1000;
  return {
    characters,
    character_start_times_seconds: characters.map((_, i) => at(i)),
    character_end_times_seconds: characters.map((_, i) => at(i + 1)),
  };
}

/** The audio bytes the fake returns for an output format (deterministic per format). */
export function fakeAudio(format: string): Buffer {
  if (format.startsWith('wav_')) {
    const pcm = fakeBytes(`pcm-${format}`, 3200);
    const h = Buffer.alloc(44);
    h.write('RIFF', 0, 'ascii');
    h.writeUInt32LE(36 + pcm.length, 4);
    h.write('WAVEfmt ', 8, 'ascii');
    h.writeUInt32LE(16, 16);
    h.writeUInt16LE(1, 20);
    h.writeUInt16LE(1, 22);
    h.writeUInt32LE(Number(format.split('_')[1]), 24);
    h.writeUInt32LE(Number(format.split('_')[1]) * 2, 28);
    h.writeUInt16LE(2, 32);
    h.writeUInt16LE(16, 34);
    h.write('data', 36, 'ascii');
    h.writeUInt32LE(pcm.length, 40);
    return Buffer.concat([h, pcm]);
  }
  if (format.startsWith('pcm_') || format.startsWith('ulaw_') || format.startsWith('alaw_')) return fakeBytes(`pcm-${format}`, 3200);
  return Buffer.concat([Buffer.from('ID3'), fakeBytes(`mp3-${format}`, 4000)]);
}

function contentType(format: string): string {
  if (format.startsWith('wav_')) return 'audio/wav';
  if (format.startsWith('pcm_')) return 'audio/pcm';
  if (format.startsWith('opus_')) return 'audio/opus';
  if (format.startsWith('ulaw_') || format.startsWith('alaw_')) return 'audio/basic';
  return 'audio/mpeg';
}

/** Characters per request by model (models.mdx; eleven_v3 as the official page states it). */
export const TEXT_LIMITS: Record<string, number> = {
  eleven_v3: 3000,
  eleven_multilingual_v2: 10_000,
  eleven_flash_v2_5: 40_000,
  eleven_turbo_v2_5: 40_000,
};

type Reply = { status: number; json: unknown };
const unprocessable = (loc: string[], msg: string): Reply => ({ status: 422, json: { detail: [{ loc: ['body', ...loc], msg, type: 'value_error' }] } });

/**
 * What the docs say a TTS body may not carry, per model: the character limit; text normalisation 'on' on the v2.5
 * models (Enterprise plans only — the fake's account is not Enterprise); request stitching, style and speaker boost on
 * eleven_v3 (the real service ignores the last two silently; the fake refuses so a test notices them being sent);
 * language codes of two or three letters. The exact error bodies of the real refusals are not documented.
 */
function documentedTtsRefusal(body: Record<string, unknown>): Reply | undefined {
  const model = typeof body.model_id === 'string' ? body.model_id : 'eleven_multilingual_v2';
  const text = String(body.text);
  const limit = TEXT_LIMITS[model];
  if (limit !== undefined && text.length > limit) {
    return {
      status: 400,
      json: {
        detail: {
          status: 'max_character_limit_exceeded',
          message: `Text is too long (${text.length} characters). The maximum for ${model} is ${limit} characters.`,
        },
      },
    };
  }
  if ((model === 'eleven_flash_v2_5' || model === 'eleven_turbo_v2_5') && body.apply_text_normalization === 'on') {
    return {
      status: 400,
      json: { detail: { status: 'invalid_request', message: `For '${model}' text normalization can only be enabled with Enterprise plans.` } },
    };
  }
  if (model === 'eleven_v3') {
    for (const k of ['previous_text', 'next_text', 'previous_request_ids', 'next_request_ids']) {
      if (body[k] !== undefined) return unprocessable([k], `Request stitching is not available for the eleven_v3 model`);
    }
    const vs = body.voice_settings as Record<string, unknown> | undefined;
    for (const k of ['style', 'use_speaker_boost']) {
      if (vs?.[k] !== undefined) return unprocessable(['voice_settings', k], `${k} is not used by eleven_v3`);
    }
  }
  const lang = body.language_code;
  if (lang !== undefined && (typeof lang !== 'string' || !/^[a-z]{2,3}$/.test(lang))) return unprocessable(['language_code'], 'unsupported language code');
  return undefined;
}

export async function startElevenLabsFake(opts: StartOptions = {}): Promise<ElevenLabsFake> {
  let scenario: ElevenLabsScenario = { ...DEFAULTS };

  const common = (
    headers: Record<string, string | string[] | undefined>,
    voiceId: string,
  ): { status: number; json: unknown; headers?: Record<string, string> } | undefined => {
    const key = headers['xi-api-key'];
    if (scenario.apiKey !== undefined && key !== scenario.apiKey) {
      return { status: 401, json: { detail: { status: 'invalid_api_key', message: `Invalid API key: ${String(key)}` } } };
    }
    if (scenario.error === 'quota_exceeded') {
      return {
        status: 401,
        json: {
          detail: {
            status: 'quota_exceeded',
            message: 'This request exceeds your quota of 10000. You have 12 credits remaining, while 50 credits are required for this request.',
          },
        },
      };
    }
    if (scenario.error) {
      return { status: 429, headers: { 'retry-after': '0' }, json: { detail: { status: scenario.error, message: 'Please slow down.' } } };
    }
    if (!scenario.voices.includes(voiceId)) {
      return { status: 400, json: { detail: { status: 'voice_not_found', message: `A voice with the voice_id ${voiceId} was not found.` } } };
    }
    return undefined;
  };

  const audioReply = (format: string) => ({
    status: 200,
    headers: { 'content-type': contentType(format), 'request-id': randomUUID(), 'character-cost': '42' },
    body: scenario.audioBytes ?? fakeAudio(format),
  });

  /** What both TTS endpoints refuse, as documented; undefined when the call is fine. */
  const ttsRefusal = (
    headers: Record<string, string | string[] | undefined>,
    voiceId: string,
    json: unknown,
  ): { status: number; json: unknown; headers?: Record<string, string> } | undefined => {
    const err = common(headers, voiceId);
    if (err) return err;
    const body = json as Record<string, unknown> | undefined;
    if (!body || typeof body.text !== 'string' || body.text === '') {
      return { status: 422, json: { detail: [{ loc: ['body', 'text'], msg: 'field required', type: 'value_error.missing' }] } };
    }
    const refused = documentedTtsRefusal(body);
    if (refused) return refused;
    const vs = body.voice_settings as Record<string, unknown> | undefined;
    if (vs && typeof vs.stability === 'number' && (vs.stability < 0 || vs.stability > 1)) {
      return {
        status: 422,
        json: { detail: [{ loc: ['body', 'voice_settings', 'stability'], msg: 'ensure this value is less than or equal to 1', type: 'value_error' }] },
      };
    }
    return undefined;
  };

  const fake = (await startFake(
    () => [
      {
        // The with-timestamps endpoint is the one the adapter calls: it keeps the route name 'tts'.
        name: 'tts',
        method: 'POST',
        pattern: /^\/v1\/text-to-speech\/([^/]+)\/with-timestamps$/,
        handle: ({ rec, match }) => {
          const refused = ttsRefusal(rec.headers, decodeURIComponent(match[1] ?? ''), rec.json);
          if (refused) return refused;
          const body = rec.json as { text: string };
          const audio = audioReply(rec.query.output_format ?? 'mp3_44100_128');
          const alignment = fakeAlignment(body.text, scenario.charSeconds, scenario.leadSeconds);
          return {
            status: 200,
            headers: { 'request-id': audio.headers['request-id'], 'character-cost': '42' },
            json: { audio_base64: audio.body.toString('base64'), alignment, normalized_alignment: alignment },
          };
        },
      },
      {
        name: 'tts-plain',
        method: 'POST',
        pattern: /^\/v1\/text-to-speech\/([^/]+)$/,
        handle: ({ rec, match }) =>
          ttsRefusal(rec.headers, decodeURIComponent(match[1] ?? ''), rec.json) ?? audioReply(rec.query.output_format ?? 'mp3_44100_128'),
      },
      {
        // Text to Dialogue (api-reference/text-to-dialogue/convert): inputs [{text, voice_id}], model_id eleven_v3.
        name: 'dialogue',
        method: 'POST',
        pattern: /^\/v1\/text-to-dialogue$/,
        handle: ({ rec }) => {
          const body = rec.json as Record<string, unknown> | undefined;
          const inputs = body?.inputs;
          if (!Array.isArray(inputs) || inputs.length === 0) {
            return { status: 422, json: { detail: [{ loc: ['body', 'inputs'], msg: 'field required', type: 'value_error.missing' }] } };
          }
          for (const [i, turn] of inputs.entries()) {
            const t = turn as Record<string, unknown>;
            if (typeof t.text !== 'string' || t.text === '' || typeof t.voice_id !== 'string') {
              return { status: 422, json: { detail: [{ loc: ['body', 'inputs', i], msg: 'text and voice_id are required', type: 'value_error' }] } };
            }
            const err = common(rec.headers, t.voice_id);
            if (err) return err;
          }
          if (body?.model_id !== 'eleven_v3') {
            return { status: 400, json: { detail: { status: 'invalid_model', message: `model ${String(body?.model_id)} does not support text to dialogue` } } };
          }
          return audioReply(rec.query.output_format ?? 'mp3_44100_128');
        },
      },
      {
        name: 'sts',
        method: 'POST',
        pattern: /^\/v1\/speech-to-speech\/([^/]+)$/,
        handle: ({ rec, match }) => {
          const voiceId = decodeURIComponent(match[1] ?? '');
          const err = common(rec.headers, voiceId);
          if (err) return err;
          const audio = rec.parts?.find((p) => p.name === 'audio');
          if (!audio || audio.filename === undefined) {
            return { status: 422, json: { detail: [{ loc: ['body', 'audio'], msg: 'field required', type: 'value_error.missing' }] } };
          }
          const vs = rec.parts?.find((p) => p.name === 'voice_settings');
          if (vs) {
            try {
              JSON.parse(vs.text);
            } catch {
              return { status: 422, json: { detail: [{ loc: ['body', 'voice_settings'], msg: 'invalid JSON string', type: 'value_error' }] } };
            }
          }
          return audioReply(rec.query.output_format ?? 'mp3_44100_128');
        },
      },
    ],
    opts,
  )) as ElevenLabsFake;
  fake.url = fake.origin;
  fake.setScenario = (s) => {
    scenario = { ...DEFAULTS, ...s };
  };
  fake.applyScenario = (s) => fake.setScenario(s as Partial<typeof scenario>);
  return fake;
}
