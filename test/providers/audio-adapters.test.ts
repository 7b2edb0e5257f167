import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Capability } from '../../src/capabilities/types.js';
import { createElevenLabsAdapter } from '../../src/providers/elevenlabs.js';
import type { ProviderAdapter, ProviderOutput } from '../../src/providers/types.js';
import { createVertexAdapter } from '../../src/providers/vertex.js';
import { byRoute } from '../fakes/base.js';
import { type AudioFake, lyriaWav, startAudioFake } from '../fakes/audio-providers.js';
import { fakeAudio } from '../fakes/elevenlabs.js';
import { configFor, FAST, failure, leaks, makeCtx, request, SECRETS, type TestDir, tempDir } from './helpers.js';

const ROOT = path.resolve(__dirname, '../..');
const shipped = (rel: string): Capability => Capability.parse(JSON.parse(readFileSync(path.join(ROOT, 'capability-schemas', rel), 'utf8')));
const sfx = shipped('elevenlabs/eleven_text_to_sound_v2.json');
const music = shipped('elevenlabs/music_v1.json');
const lyria = shipped('vertex/lyria-002.json');
const PROJECT = 'film-project';

function bytesOf(r: unknown): Extract<ProviderOutput, { kind: 'bytes' }>[] {
  const started = r as { kind: string; outputs: ProviderOutput[] };
  expect(started.kind).toBe('done');
  return started.outputs.map((o) => {
    if (o.kind !== 'bytes') throw new Error('expected bytes');
    return o;
  });
}

describe('music and effect adapters (wire level)', () => {
  let fake: AudioFake;
  let tmp: TestDir;
  let eleven: ProviderAdapter;
  let vertex: ProviderAdapter;

  beforeAll(async () => {
    fake = await startAudioFake();
  });
  afterAll(async () => fake.close());
  beforeEach(async () => {
    fake.reset();
    fake.setScenario({ elevenKey: SECRETS.elevenlabs, googleToken: SECRETS.googleToken });
    tmp = await tempDir();
    eleven = createElevenLabsAdapter(configFor({ ELEVENLABS_BASE_URL: fake.url, ELEVENLABS_API_KEY: SECRETS.elevenlabs }), FAST);
    vertex = createVertexAdapter(configFor({ VERTEX_BASE_URL: fake.url, GOOGLE_CLOUD_PROJECT: PROJECT, GOOGLE_CLOUD_LOCATION: 'us-central1' }), {
      ...FAST,
      getAccessToken: async () => SECRETS.googleToken,
    });
  });
  afterEach(async () => tmp.cleanup());

  it('sound effects: POST /v1/sound-generation with the JSON body, model_id and output_format in the query', async () => {
    const [out] = bytesOf(
      await eleven.start(
        request(sfx, { text: 'glass shatters', duration_seconds: 2.5, prompt_influence: 0.6, loop: true, output_format: 'wav_44100' }),
        makeCtx(tmp.dir),
      ),
    );
    const [r] = byRoute(fake.requests, 'sfx');
    expect(r?.method).toBe('POST');
    expect(r?.query).toEqual({ output_format: 'wav_44100' });
    expect(r?.headers['xi-api-key']).toBe(SECRETS.elevenlabs);
    expect(r?.headers['content-type']).toBe('application/json');
    expect(r?.json).toEqual({ text: 'glass shatters', duration_seconds: 2.5, prompt_influence: 0.6, loop: true, model_id: 'eleven_text_to_sound_v2' });
    expect(out?.mime).toBe('audio/wav');
    expect(out?.data.equals(fakeAudio('wav_44100'))).toBe(true);
  });

  it('music: POST /v1/music with prompt, length and force_instrumental; mp3 back', async () => {
    const [out] = bytesOf(
      await eleven.start(request(music, { prompt: 'slow piano, rain', music_length_ms: 20000, force_instrumental: true }), makeCtx(tmp.dir)),
    );
    const [r] = byRoute(fake.requests, 'music');
    expect(r?.path).toBe('/v1/music');
    expect(r?.query).toEqual({});
    expect(r?.json).toEqual({ prompt: 'slow piano, rain', music_length_ms: 20000, force_instrumental: true, model_id: 'music_v1' });
    expect(out?.mime).toBe('audio/mpeg');
    expect(out?.data.equals(fakeAudio('mp3_44100_128'))).toBe(true);
  });

  it('music bad_prompt: invalid_input on prompt, with the suggested prompt', async () => {
    const e = await failure(() => eleven.start(request(music, { prompt: 'a song in the style of a famous band' }), makeCtx(tmp.dir)));
    expect(e.code).toBe('invalid_input');
    expect(e.details?.field).toBe('prompt');
    expect(e.message).toContain('Suggested prompt: An upbeat pop song with bright synths');
    expect(byRoute(fake.requests, 'music')).toHaveLength(1);
  });

  it('422 on a field names it; quota is not retried; too many concurrent requests is retried', async () => {
    // The studio's schema would stop 45 s first; the adapter still maps the provider's own refusal.
    const e = await failure(() => eleven.start(request(sfx, { text: 'boom', duration_seconds: 45 }), makeCtx(tmp.dir)));
    expect(e.code).toBe('invalid_input');
    expect(e.details?.field).toBe('duration_seconds');

    fake.setScenario({ elevenKey: SECRETS.elevenlabs, elevenError: 'quota_exceeded' });
    const q = await failure(() => eleven.start(request(sfx, { text: 'boom' }), makeCtx(tmp.dir)));
    expect(q.code).toBe('quota');
    expect(byRoute(fake.requests, 'sfx')).toHaveLength(2);

    fake.setScenario({ elevenKey: SECRETS.elevenlabs, elevenError: 'too_many_concurrent_requests' });
    const busy = await failure(() => eleven.start(request(music, { prompt: 'drums' }), makeCtx(tmp.dir)));
    expect(busy.code).toBe('rate_limited');
    // FAST allows 3 retries: 4 attempts in all.
    expect(byRoute(fake.requests, 'music')).toHaveLength(4);
  });

  it('a wrong ElevenLabs key is reported without echoing it', async () => {
    const other = createElevenLabsAdapter(configFor({ ELEVENLABS_BASE_URL: fake.url, ELEVENLABS_API_KEY: `${SECRETS.elevenlabs}-wrong` }), FAST);
    const e = await failure(() => other.start(request(sfx, { text: 'boom' }), makeCtx(tmp.dir)));
    expect(e.code).toBe('provider_unavailable');
    expect(leaks(JSON.stringify(e) + e.message)).toEqual([]);
  });

  it('Lyria: :predict with instances[0] and parameters from the capability paths; each prediction becomes a WAV output', async () => {
    const outs = bytesOf(await vertex.start(request(lyria, { prompt: 'ambient pads', negative_prompt: 'vocals', sample_count: 2 }), makeCtx(tmp.dir)));
    const [r] = byRoute(fake.requests, 'lyria');
    expect(r?.path).toBe(`/v1/projects/${PROJECT}/locations/us-central1/publishers/google/models/lyria-002:predict`);
    expect(r?.headers.authorization).toBe(`Bearer ${SECRETS.googleToken}`);
    expect(r?.json).toEqual({ instances: [{ prompt: 'ambient pads', negative_prompt: 'vocals' }], parameters: { sample_count: 2 } });
    expect(outs.map((o) => o.mime)).toEqual(['audio/wav', 'audio/wav']);
    expect(outs[0]?.data.equals(lyriaWav(0))).toBe(true);
    expect(outs[1]?.data.equals(lyriaWav(1))).toBe(true);
  });

  it('Lyria: seed goes in the instance; a blocked prompt is a non-retried invalid_input; no audio is a provider_error', async () => {
    bytesOf(await vertex.start(request(lyria, { prompt: 'jazz trio', seed: 7 }), makeCtx(tmp.dir)));
    expect(byRoute(fake.requests, 'lyria')[0]?.json).toEqual({ instances: [{ prompt: 'jazz trio', seed: 7 }] });

    const blocked = await failure(() => vertex.start(request(lyria, { prompt: 'forbidden tune' }), makeCtx(tmp.dir)));
    expect(blocked.code).toBe('invalid_input');
    expect(blocked.message).toContain('blocked by the safety filters');
    expect(byRoute(fake.requests, 'lyria')).toHaveLength(2);

    fake.setScenario({ googleToken: SECRETS.googleToken, lyriaEmpty: true });
    const empty = await failure(() => vertex.start(request(lyria, { prompt: 'jazz trio' }), makeCtx(tmp.dir)));
    expect(empty.code).toBe('provider_error');
    expect(empty.message).toMatch(/no audio/);
  });
});
