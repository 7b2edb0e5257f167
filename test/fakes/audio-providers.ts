import { randomUUID } from 'node:crypto';
import { bearer, type FakeServer, type Reply, type StartOptions, startFake } from './base.js';
import { fakeAudio } from './elevenlabs.js';

/**
 * Fakes of the music and effect endpoints, as their API references describe them:
 * - ElevenLabs `POST /v1/sound-generation` (JSON `text`, `duration_seconds` 0.5-30, `prompt_influence` 0-1, `loop`,
 *   `model_id`; `output_format` in the query) and `POST /v1/music` (JSON `prompt`, `music_length_ms` 3000-600000,
 *   `force_instrumental`, `model_id`), both answering audio bytes; errors `{detail:{status,message}}` (music's
 *   `bad_prompt` carries `data.prompt_suggestion`) and 422 `{detail:[{loc,msg,type}]}`; header `xi-api-key`.
 * - Vertex Lyria 2 `…/publishers/google/models/lyria-002:predict` (`instances[0].prompt|negative_prompt|seed`,
 *   `parameters.sample_count`; seed and sample_count together refused) answering
 *   `{predictions:[{audioContent, mimeType:"audio/wav"}]}`; Google error bodies `{error:{code,message,status}}`.
 */

export interface AudioScenario {
  elevenKey?: string;
  googleToken?: string;
  /** Answer every ElevenLabs call with this error. */
  elevenError?: 'quota_exceeded' | 'too_many_concurrent_requests';
  /** Lyria answers with no predictions (as a filtered reply might). */
  lyriaEmpty?: boolean;
}

export interface AudioFake extends FakeServer {
  url: string;
  setScenario(s: AudioScenario): void;
}

/** The WAV bytes Lyria's fake returns for sample n. */
export function lyriaWav(n: number): Buffer {
  return fakeAudio(`wav_48000`).subarray(0, 44 + 3200 - n * 2);
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const unprocessable = (loc: string[], msg: string): Reply => ({ status: 422, json: { detail: [{ loc: ['body', ...loc], msg, type: 'value_error' }] } });
const googleError = (code: number, status: string, message: string): Reply => ({ status: code, json: { error: { code, message, status } } });

function range(body: Rec, key: string, min: number, max: number): Reply | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || v < min || v > max) return unprocessable([key], `ensure ${key} is between ${min} and ${max}`);
  return undefined;
}

export async function startAudioFake(opts: StartOptions = {}): Promise<AudioFake> {
  let scenario: AudioScenario = {};

  const eleven = (rec: { headers: Record<string, string | string[] | undefined>; query: Record<string, string>; json?: unknown }, kind: 'sfx' | 'music') => {
    const key = rec.headers['xi-api-key'];
    if (scenario.elevenKey !== undefined && key !== scenario.elevenKey) {
      return { status: 401, json: { detail: { status: 'invalid_api_key', message: `Invalid API key: ${String(key)}` } } };
    }
    if (scenario.elevenError === 'quota_exceeded') {
      return { status: 401, json: { detail: { status: 'quota_exceeded', message: 'This request exceeds your quota.' } } };
    }
    if (scenario.elevenError) return { status: 429, headers: { 'retry-after': '0' }, json: { detail: { status: scenario.elevenError, message: 'slow down' } } };
    const body = isRec(rec.json) ? rec.json : {};
    if (kind === 'sfx') {
      if (typeof body.text !== 'string' || body.text === '') return unprocessable(['text'], 'field required');
      const bad = range(body, 'duration_seconds', 0.5, 30) ?? range(body, 'prompt_influence', 0, 1);
      if (bad) return bad;
    } else {
      if (typeof body.prompt !== 'string' || body.prompt === '') return unprocessable(['prompt'], 'field required');
      const bad = range(body, 'music_length_ms', 3000, 600_000);
      if (bad) return bad;
      if (/in the style of/i.test(body.prompt)) {
        return {
          status: 400,
          json: {
            detail: {
              status: 'bad_prompt',
              message: 'The prompt references copyrighted material.',
              data: { prompt_suggestion: 'An upbeat pop song with bright synths' },
            },
          },
        };
      }
    }
    const format = rec.query.output_format ?? 'mp3_44100_128';
    return {
      status: 200,
      headers: { 'content-type': format.startsWith('wav_') || format.startsWith('pcm_') ? 'audio/wav' : 'audio/mpeg', 'request-id': randomUUID() },
      body: fakeAudio(format),
    };
  };

  const fake = (await startFake(
    () => [
      { name: 'sfx', method: 'POST', pattern: /^\/v1\/sound-generation$/, handle: ({ rec }) => eleven(rec, 'sfx') },
      { name: 'music', method: 'POST', pattern: /^\/v1\/music$/, handle: ({ rec }) => eleven(rec, 'music') },
      {
        name: 'lyria',
        method: 'POST',
        pattern: /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/lyria-002:predict$/,
        handle: ({ rec }) => {
          const token = bearer(rec.headers);
          if (scenario.googleToken !== undefined && token !== scenario.googleToken) {
            return googleError(401, 'UNAUTHENTICATED', `Request had invalid authentication credentials: ${String(token)}`);
          }
          const body = isRec(rec.json) ? rec.json : {};
          const inst = Array.isArray(body.instances) && body.instances.length === 1 && isRec(body.instances[0]) ? body.instances[0] : undefined;
          if (!inst || typeof inst.prompt !== 'string') return googleError(400, 'INVALID_ARGUMENT', 'instances[0].prompt is required');
          const count = isRec(body.parameters) ? body.parameters.sample_count : undefined;
          if (inst.seed !== undefined && count !== undefined) return googleError(400, 'INVALID_ARGUMENT', 'seed and sample_count cannot be used together');
          if (/forbidden/i.test(inst.prompt)) return googleError(400, 'INVALID_ARGUMENT', 'The prompt was blocked by the safety filters.');
          const n = typeof count === 'number' ? count : 1;
          const predictions = scenario.lyriaEmpty
            ? []
            : Array.from({ length: n }, (_, i) => ({ audioContent: lyriaWav(i).toString('base64'), mimeType: 'audio/wav' }));
          return { status: 200, json: { predictions, model: 'lyria-002', modelDisplayName: 'Lyria 2' } };
        },
      },
    ],
    opts,
  )) as AudioFake;
  fake.url = fake.origin;
  fake.setScenario = (s) => {
    scenario = { ...s };
  };
  fake.applyScenario = (s) => fake.setScenario(s as AudioScenario);
  return fake;
}
