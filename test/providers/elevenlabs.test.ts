import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Capability } from '../../src/capabilities/types.js';
import { createElevenLabsAdapter, outputFormatInfo } from '../../src/providers/elevenlabs.js';
import type { ProviderAdapter, ProviderOutput } from '../../src/providers/types.js';
import { byRoute } from '../fakes/base.js';
import { type ElevenLabsFake, fakeAlignment, fakeAudio, startElevenLabsFake } from '../fakes/elevenlabs.js';
import { capability, configFor, FAST, failure, leaks, makeCtx, makeMedia, recordingSleep, request, SECRETS, type TestDir, tempDir } from './helpers.js';

const ROOT = path.resolve(__dirname, '../..');
const shipped = (rel: string): Capability => Capability.parse(JSON.parse(readFileSync(path.join(ROOT, 'capability-schemas', rel), 'utf8')));
const tts = shipped('elevenlabs/eleven_multilingual_v2.json');
const v3 = shipped('elevenlabs/eleven_v3.json');
const sts = shipped('elevenlabs/eleven_multilingual_sts_v2.json');

const VOICE = '21m00Tcm4TlvDq8ikWAM';

describe('elevenlabs adapter', () => {
  let fake: ElevenLabsFake;
  let tmp: TestDir;
  let adapter: ProviderAdapter;

  beforeAll(async () => {
    fake = await startElevenLabsFake();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    fake.setScenario({});
    tmp = await tempDir();
    adapter = createElevenLabsAdapter(configFor({ ELEVENLABS_BASE_URL: fake.url, ELEVENLABS_API_KEY: SECRETS.elevenlabs }), FAST);
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  async function onlyOutput(p: Promise<unknown>): Promise<Extract<ProviderOutput, { kind: 'bytes' }>> {
    const r = (await p) as { kind: string; outputs: ProviderOutput[] };
    expect(r.kind).toBe('done');
    expect(r.outputs).toHaveLength(1);
    const out = r.outputs[0];
    if (out?.kind !== 'bytes') throw new Error('expected bytes');
    return out;
  }

  it('TTS: the with-timestamps endpoint, voice_id in the path, output_format in the query, JSON body with nested voice_settings and model_id', async () => {
    const out = await onlyOutput(
      adapter.start(
        request(v3, {
          text: 'Hello there.',
          voice_id: VOICE,
          stability: 0.5,
          similarity_boost: 0.75,
          speed: 1.1,
          seed: 42,
          language_code: 'en',
          output_format: 'mp3_44100_128',
        }),
        makeCtx(tmp.dir),
      ),
    );
    const [r] = byRoute(fake.requests, 'tts');
    expect(r?.method).toBe('POST');
    expect(r?.path).toBe(`/v1/text-to-speech/${VOICE}/with-timestamps`);
    expect(r?.query).toEqual({ output_format: 'mp3_44100_128' });
    expect(r?.headers['xi-api-key']).toBe(SECRETS.elevenlabs);
    expect(r?.headers.authorization).toBeUndefined();
    expect(r?.headers['content-type']).toBe('application/json');
    expect(r?.json).toEqual({
      text: 'Hello there.',
      model_id: 'eleven_v3',
      voice_settings: { stability: 0.5, similarity_boost: 0.75, speed: 1.1 },
      seed: 42,
      language_code: 'en',
    });
    expect(out.mime).toBe('audio/mpeg');
    expect(out.data.equals(fakeAudio('mp3_44100_128'))).toBe(true);
    expect(byRoute(fake.requests, 'tts-plain')).toHaveLength(0);
    const dest = path.join(tmp.dir, 'voice.mp3');
    expect(await adapter.download(out, dest, makeCtx(tmp.dir))).toEqual({ mime: 'audio/mpeg' });
    expect((await readFile(dest)).equals(out.data)).toBe(true);
  });

  it('TTS without output_format sends no query and yields mp3', async () => {
    const out = await onlyOutput(adapter.start(request(tts, { text: 'Hi', voice_id: VOICE }), makeCtx(tmp.dir)));
    const [r] = byRoute(fake.requests, 'tts');
    expect(r?.query).toEqual({});
    expect(r?.json).toEqual({ text: 'Hi', model_id: 'eleven_multilingual_v2' });
    expect(out.mime).toBe('audio/mpeg');
  });

  it('pcm output is raw samples: wrapped in a WAV header; wav output is kept as is', async () => {
    const pcm = await onlyOutput(adapter.start(request(tts, { text: 'Hi', voice_id: VOICE, output_format: 'pcm_24000' }), makeCtx(tmp.dir)));
    expect(pcm.mime).toBe('audio/wav');
    expect(pcm.data.toString('ascii', 0, 4)).toBe('RIFF');
    expect(pcm.data.readUInt32LE(24)).toBe(24000);
    expect(pcm.data.readUInt16LE(34)).toBe(16);
    expect(pcm.data.subarray(44).equals(fakeAudio('pcm_24000'))).toBe(true);
    const wav = await onlyOutput(adapter.start(request(tts, { text: 'Hi', voice_id: VOICE, output_format: 'wav_44100' }), makeCtx(tmp.dir)));
    expect(wav.mime).toBe('audio/wav');
    expect(wav.data.equals(fakeAudio('wav_44100'))).toBe(true);
    expect(outputFormatInfo('ulaw_8000')).toEqual({ mime: 'audio/wav', wrap: { rate: 8000, encoding: 'mulaw' } });
    expect(outputFormatInfo('opus_48000_64').mime).toBe('audio/ogg');
  });

  it('STS: multipart with the audio file part, model_id, voice_settings as a JSON string, remove_background_noise, seed, file_format', async () => {
    const audio = await makeMedia(tmp.dir, 'audio', 'audio/wav');
    const out = await onlyOutput(
      adapter.start(
        request(sts, {
          audio,
          voice_id: VOICE,
          stability: 1,
          similarity_boost: 0.8,
          style: 0,
          remove_background_noise: true,
          seed: 7,
          file_format: 'other',
          output_format: 'mp3_44100_192',
        }),
        makeCtx(tmp.dir),
      ),
    );
    const [r] = byRoute(fake.requests, 'sts');
    expect(r?.method).toBe('POST');
    expect(r?.path).toBe(`/v1/speech-to-speech/${VOICE}`);
    expect(r?.query).toEqual({ output_format: 'mp3_44100_192' });
    expect(r?.headers['xi-api-key']).toBe(SECRETS.elevenlabs);
    expect(r?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const parts = Object.fromEntries((r?.parts ?? []).map((p) => [p.name, p]));
    expect(Object.keys(parts).sort()).toEqual(['audio', 'file_format', 'model_id', 'remove_background_noise', 'seed', 'voice_settings']);
    expect(parts.audio?.filename).toMatch(/\.wav$/);
    expect(parts.audio?.contentType).toBe('audio/wav');
    expect(parts.audio?.data.equals(await readFile(audio.path))).toBe(true);
    expect(parts.model_id?.text).toBe('eleven_multilingual_sts_v2');
    expect(parts.voice_settings?.filename).toBeUndefined();
    expect(JSON.parse(parts.voice_settings?.text ?? '')).toEqual({ stability: 1, similarity_boost: 0.8, style: 0 });
    expect(parts.remove_background_noise?.text).toBe('true');
    expect(parts.seed?.text).toBe('7');
    expect(parts.file_format?.text).toBe('other');
    expect(out.mime).toBe('audio/mpeg');
  });

  it('TTS carries the character alignment out as meta: every character and the span of the words', async () => {
    const out = await onlyOutput(adapter.start(request(tts, { text: ' Hi, you. ', voice_id: VOICE }), makeCtx(tmp.dir)));
    const a = fakeAlignment(' Hi, you. ');
    // Characters 0 and 9 are spaces: the words run from character 1 (0.15 s) to the end of character 8 (0.55 s).
    expect(out.meta).toEqual({
      alignment: { characters: a.characters, start_seconds: a.character_start_times_seconds, end_seconds: a.character_end_times_seconds },
      speech: { start: 0.15, end: 0.55 },
    });
    expect(out.data.equals(fakeAudio('mp3_44100_128'))).toBe(true);
  });

  it('TTS pcm through with-timestamps: the decoded samples get the same WAV header as the audio-bytes path', async () => {
    const out = await onlyOutput(adapter.start(request(tts, { text: 'Hi', voice_id: VOICE, output_format: 'pcm_16000' }), makeCtx(tmp.dir)));
    expect(out.mime).toBe('audio/wav');
    expect(out.data.toString('ascii', 0, 4)).toBe('RIFF');
    expect(out.data.readUInt32LE(24)).toBe(16000);
    expect(out.data.subarray(44).equals(fakeAudio('pcm_16000'))).toBe(true);
  });

  it.each([404, 405])('with-timestamps answering %i: falls back once to the plain endpoint (audio, no alignment)', async (status) => {
    fake.fail('tts', { kind: 'status', status, body: { detail: 'Not Found' } });
    const out = await onlyOutput(adapter.start(request(tts, { text: 'Hi', voice_id: VOICE, output_format: 'pcm_24000' }), makeCtx(tmp.dir)));
    expect(byRoute(fake.requests, 'tts')).toHaveLength(1);
    const plain = byRoute(fake.requests, 'tts-plain');
    expect(plain).toHaveLength(1);
    expect(plain[0]?.path).toBe(`/v1/text-to-speech/${VOICE}`);
    expect(plain[0]?.query).toEqual({ output_format: 'pcm_24000' });
    expect(plain[0]?.json).toEqual({ text: 'Hi', model_id: 'eleven_multilingual_v2' });
    expect(out.meta).toBeUndefined();
    expect(out.mime).toBe('audio/wav');
    expect(out.data.subarray(44).equals(fakeAudio('pcm_24000'))).toBe(true);
  });

  it('a reply without alignments is audio without meta', async () => {
    fake.fail('tts', { kind: 'status', status: 200, body: { audio_base64: fakeAudio('mp3_44100_128').toString('base64'), alignment: null } });
    const out = await onlyOutput(adapter.start(request(tts, { text: 'Hi', voice_id: VOICE }), makeCtx(tmp.dir)));
    expect(out.meta).toBeUndefined();
    expect(out.data.equals(fakeAudio('mp3_44100_128'))).toBe(true);
  });

  it.each([
    ['not JSON', { kind: 'malformed' as const }, /the reply is not JSON/],
    ['no audio_base64', { kind: 'status' as const, status: 200, body: { detail: 'what' } }, /audio_base64/],
    ['audio that is not base64', { kind: 'status' as const, status: 200, body: { audio_base64: '<html>' } }, /not base64/],
    [
      'timings that do not match the characters',
      {
        kind: 'status' as const,
        status: 200,
        body: { audio_base64: 'AAAA', alignment: { characters: ['a', 'b'], character_start_times_seconds: [0], character_end_times_seconds: [0.1, 0.2] } },
      },
      /differ in length/,
    ],
  ])('a malformed with-timestamps reply (%s) is a clear error, not retried on the plain endpoint', async (_name, fault, message) => {
    fake.fail('tts', fault);
    const err = await failure(() => adapter.start(request(tts, { text: 'x', voice_id: VOICE }), makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_error');
    expect(err.message).toMatch(/ElevenLabs sent a reply to synthesize the speech that studio-mcp cannot read/);
    expect(err.message).toMatch(message);
    expect(byRoute(fake.requests, 'tts-plain')).toHaveLength(0);
  });

  it('422 detail list → invalid_input naming the field from loc', async () => {
    const err = await failure(() => adapter.start(request(tts, { text: 'x', voice_id: VOICE, stability: 3 }), makeCtx(tmp.dir)));
    expect(err.code).toBe('invalid_input');
    expect(err.details?.field).toBe('stability');
    expect(err.message).toContain("field 'stability'");
  });

  it('voice_not_found → not_found on field voice_id', async () => {
    const err = await failure(() => adapter.start(request(tts, { text: 'x', voice_id: 'nope' }), makeCtx(tmp.dir)));
    expect(err).toMatchObject({ code: 'not_found', details: { field: 'voice_id' } });
  });

  it('quota_exceeded (HTTP 401) → quota, not a credentials error', async () => {
    fake.setScenario({ error: 'quota_exceeded' });
    const err = await failure(() => adapter.start(request(tts, { text: 'x', voice_id: VOICE }), makeCtx(tmp.dir)));
    expect(err.code).toBe('quota');
  });

  it.each(['too_many_concurrent_requests', 'system_busy'] as const)('%s → rate_limited after retrying the 429', async (status) => {
    fake.setScenario({ error: status });
    const err = await failure(() => adapter.start(request(tts, { text: 'x', voice_id: VOICE }), makeCtx(tmp.dir)));
    expect(err.code).toBe('rate_limited');
    expect(byRoute(fake.requests, 'tts')).toHaveLength(4); // 429 is the one status a create may retry
  });

  it('429 then success: the synthesis is retried after Retry-After', async () => {
    fake.fail('tts', { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { detail: { status: 'system_busy', message: 'busy' } } });
    const { sleep, waits } = recordingSleep();
    const timed = createElevenLabsAdapter(configFor({ ELEVENLABS_BASE_URL: fake.url, ELEVENLABS_API_KEY: SECRETS.elevenlabs }), {
      ...FAST,
      sleep,
      random: () => 0,
    });
    await onlyOutput(timed.start(request(tts, { text: 'x', voice_id: VOICE }), makeCtx(tmp.dir)));
    expect(waits).toEqual([1000]);
    expect(byRoute(fake.requests, 'tts')).toHaveLength(2);
  });

  it('a 500 on the synthesis is not retried (it bills characters)', async () => {
    fake.fail('tts', { kind: 'status', status: 500 });
    expect((await failure(() => adapter.start(request(tts, { text: 'x', voice_id: VOICE }), makeCtx(tmp.dir)))).code).toBe('provider_unavailable');
    expect(byRoute(fake.requests, 'tts')).toHaveLength(1);
  });

  it('a synthesis that hangs is a timeout', async () => {
    const slow = createElevenLabsAdapter(configFor({ ELEVENLABS_BASE_URL: fake.url, ELEVENLABS_API_KEY: SECRETS.elevenlabs }), { ...FAST, timeoutMs: 200 });
    fake.fail('tts', { kind: 'hang' });
    expect((await failure(() => slow.start(request(tts, { text: 'x', voice_id: VOICE }), makeCtx(tmp.dir)))).code).toBe('timeout');
  });

  it('audio that breaks half way is an error', async () => {
    fake.fail('tts', { kind: 'break' });
    const err = await failure(() => adapter.start(request(tts, { text: 'x', voice_id: VOICE }), makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_unavailable');
    expect(err.message).toMatch(/broke off/);
  });

  it('a JSON reply where audio was expected (plain endpoint, after a 404) is a clear error', async () => {
    fake.fail('tts', { kind: 'status', status: 404 });
    fake.fail('tts-plain', { kind: 'status', status: 200, body: { detail: 'what' } });
    const err = await failure(() => adapter.start(request(tts, { text: 'x', voice_id: VOICE }), makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_error');
    expect(err.message).toMatch(/expected audio bytes/);
  });

  it('invalid key: names ELEVENLABS_API_KEY and never contains the key', async () => {
    fake.setScenario({ apiKey: 'sk_right' });
    const err = await failure(() => adapter.start(request(tts, { text: 'x', voice_id: VOICE }), makeCtx(tmp.dir)));
    expect(err.code).toBe('provider_unavailable');
    expect(err.message).toContain('ELEVENLABS_API_KEY');
    expect(leaks(JSON.stringify({ m: err.message, d: err.details }))).toEqual([]);
  });

  it('an inline capability without url.voice_id still puts the voice in the path', async () => {
    const cap = capability({
      provider: 'elevenlabs',
      provider_model: 'eleven_flash_v2_5',
      adapter: 'elevenlabs-tts',
      media_type: 'voice',
      task: 'voice_tts',
      output: { mime: 'audio/mpeg' },
      fields: { text: { role: 'text', schema: { type: 'string' } }, voice: { role: 'voice_id', schema: { type: 'string' } } },
    });
    await onlyOutput(adapter.start(request(cap, { text: 'x', voice: VOICE }), makeCtx(tmp.dir)));
    const [r] = byRoute(fake.requests, 'tts');
    expect(r?.path).toBe(`/v1/text-to-speech/${VOICE}/with-timestamps`);
    expect(r?.json).toEqual({ text: 'x', model_id: 'eleven_flash_v2_5' });
  });

  it('availability without a key', () => {
    const none = createElevenLabsAdapter(configFor({}), FAST);
    expect(none.availability()).toMatchObject({ available: false, env: ['ELEVENLABS_API_KEY'] });
    expect(existsSync(tmp.dir)).toBe(true);
  });
});
