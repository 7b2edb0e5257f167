import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startElevenLabsFake, type ElevenLabsFake } from '../fakes/elevenlabs.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startVertexFake, type VertexFake } from '../fakes/vertex.js';
import { startWavespeedFake, type WavespeedFake } from '../fakes/wavespeed.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';
import { DOCUMENTED_CODES, fastAdapters, filesUnder, makeFixtures, recordNotifications, type Fixtures } from './helpers.js';

/**
 * Issue 6 item 4: every provider failure path, driven through MCP tool calls with recognisable fake keys, and then
 * every place a secret could land is searched: tool results and errors, notifications, resources, the server log
 * (and stderr/console), the database with its -wal/-shm, every sidecar and every other file under the studio
 * folder. Zero hits. Provider error bodies in the fakes echo the key they were sent (as some real APIs do), so the
 * redaction is exercised, not just the absence of an echo.
 */

const MARK = 'SECRETCANARY';
const KEYS = {
  REPLICATE_API_TOKEN: `r8_${MARK}rep0123456789abcdef`,
  ELEVENLABS_API_KEY: `sk_${MARK}el0123456789abcdef`,
  WAVESPEED_API_KEY: `wsk_${MARK}ws0123456789abcdef`,
  GOOGLE_API_KEY: `AIza${MARK}google0123456789abcdef`,
  STUDIO_HTTP_TOKEN: `${MARK}http0123456789abcdef`,
};
/** An OAuth access token from ADC: not in the config, so only the generic scrubber stands between it and a log. */
const ADC_TOKEN = `ya29.${MARK}adc0123456789abcdef`;
const ALL_SECRETS = [...Object.values(KEYS), ADC_TOKEN];

/** Every form in which a secret could be written: raw, URL-encoded, base64 (e.g. a Basic header), and the marker. */
function needles(): string[] {
  const out = new Set<string>([MARK, MARK.toLowerCase()]);
  for (const s of ALL_SECRETS) {
    out.add(s);
    out.add(encodeURIComponent(s));
    out.add(Buffer.from(s).toString('base64').slice(0, 16));
    out.add(s.slice(-12)); // a tail that survived a partial redaction
  }
  return [...out];
}

function hits(label: string, data: Buffer | string): string[] {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return needles()
    .filter((n) => buf.includes(Buffer.from(n)))
    .map((n) => `${label}: contains '${n}'`);
}

let replicate: ReplicateFake;
let eleven: ElevenLabsFake;
let wavespeed: WavespeedFake;
let vertex: VertexFake;
let fx: Fixtures;

interface Case {
  name: string;
  arrange: () => void;
  tool: string;
  args: (m: Media) => Record<string, unknown>;
  /** Codes the call may end with (the result must be an error unless 'ok' is listed). */
  expect: string[];
}

interface Media {
  png: string;
  wav: string;
}

const REP_IMAGE = 'replicate/bytedance/seedream-4';
const REP_VIDEO = 'replicate/bytedance/seedance-1-lite';
const TTS = 'elevenlabs/eleven_multilingual_v2';
const STS = 'elevenlabs/eleven_multilingual_sts_v2';
const TALK = 'wavespeed/wavespeed-ai/infinitetalk';
const VEO = 'vertex/veo-3.1-generate-001';
const GEMINI = 'vertex/gemini-2.5-flash-image';
const VOICE = '21m00Tcm4TlvDq8ikWAM';

const echo = (what: string): string =>
  `${what}; you sent ${KEYS.REPLICATE_API_TOKEN} / ${KEYS.ELEVENLABS_API_KEY} / ${KEYS.WAVESPEED_API_KEY} / ${KEYS.GOOGLE_API_KEY} see ` +
  `https://x.example/o?token=${KEYS.REPLICATE_API_TOKEN}&signature=abc`;

function cases(): Case[] {
  const rep = (s: Parameters<ReplicateFake['setScenario']>[0] = {}): void => {
    replicate.reset();
    replicate.setScenario({
      pollsBeforeDone: 1,
      outputMime: 'image/jpeg',
      outputUrls: [replicate.addOutput('o.jpg', fs.readFileSync(fx.jpg), 'image/jpeg')],
      ...s,
    });
  };
  const el = (s: Parameters<ElevenLabsFake['setScenario']>[0] = {}): void => {
    eleven.reset();
    eleven.setScenario(s);
  };
  const ws = (s: Parameters<WavespeedFake['setScenario']>[0] = {}): void => {
    wavespeed.reset();
    wavespeed.setScenario({ pollsBeforeDone: 0, ...s });
  };
  const vx = (s: Parameters<VertexFake['setScenario']>[0] = {}): void => {
    vertex.reset();
    vertex.setScenario({ pollsBeforeDone: 0, ...s });
  };
  const repImage = (): Record<string, unknown> => ({ model: REP_IMAGE, prompt: 'a lighthouse' });
  const repVideo = (): Record<string, unknown> => ({ model: REP_VIDEO, prompt: 'a lighthouse', duration: 5 });
  const tts = (): Record<string, unknown> => ({ model: TTS, text: 'Hello there.', voice_id: VOICE });
  const talk = (m: Media): Record<string, unknown> => ({ model: TALK, image: m.png, audio: m.wav });
  const veo = (): Record<string, unknown> => ({ model: VEO, prompt: 'a lighthouse', duration: 4 });
  const gem = (): Record<string, unknown> => ({ model: GEMINI, prompt: 'a lighthouse' });
  const HTML_502 = `<html><body>502 Bad Gateway ${KEYS.REPLICATE_API_TOKEN}</body></html>`;
  return [
    // Replicate
    {
      name: 'replicate 401 echoing the token',
      arrange: () => rep({ token: 'r8_the_right_one_0000000000' }),
      tool: 'image_generate',
      args: repImage,
      expect: ['provider_unavailable'],
    },
    {
      name: 'replicate 422 echoing the token',
      arrange: () => (
        rep(), replicate.fail('create', { kind: 'status', status: 422, body: { title: 'Invalid', status: 422, detail: echo('- input.prompt: bad') } })
      ),
      tool: 'image_generate',
      args: repImage,
      expect: ['invalid_input'],
    },
    {
      name: 'replicate 429 on create',
      arrange: () => (
        rep(), replicate.fail('create', { kind: 'status', status: 429, headers: { 'retry-after': '0' }, body: { detail: echo('throttled') } }, 10)
      ),
      tool: 'image_generate',
      args: repImage,
      expect: ['rate_limited'],
    },
    {
      name: 'replicate 500 on create',
      arrange: () => (rep(), replicate.fail('create', { kind: 'status', status: 500, body: { detail: echo('boom') } })),
      tool: 'image_generate',
      args: repImage,
      expect: ['provider_unavailable'],
    },
    {
      name: 'replicate 502 HTML page on create',
      arrange: () => (rep(), replicate.fail('create', { kind: 'status', status: 502, body: HTML_502 })),
      tool: 'image_generate',
      args: repImage,
      expect: ['provider_unavailable'],
    },
    {
      name: 'replicate 503 on every poll',
      arrange: () => (rep(), replicate.fail('poll', { kind: 'status', status: 503, body: { detail: echo('down') } }, 40)),
      tool: 'video_generate',
      args: repVideo,
      expect: ['provider_unavailable'],
    },
    {
      name: 'replicate malformed create reply',
      arrange: () => (rep(), replicate.fail('create', { kind: 'malformed' })),
      tool: 'image_generate',
      args: repImage,
      expect: ['provider_error'],
    },
    {
      name: 'replicate malformed poll reply',
      arrange: () => (rep(), replicate.fail('poll', { kind: 'malformed' }, 40)),
      tool: 'image_generate',
      args: repImage,
      expect: ['provider_error'],
    },
    {
      name: 'replicate connection dropped on create',
      arrange: () => (rep(), replicate.fail('create', { kind: 'destroy' })),
      tool: 'image_generate',
      args: repImage,
      expect: ['provider_unavailable'],
    },
    {
      name: 'replicate safety refusal',
      arrange: () => rep({ outcome: 'failed', error: echo('NSFW content detected. Try a different prompt') }),
      tool: 'image_generate',
      args: repImage,
      expect: ['safety_blocked'],
    },
    {
      name: 'replicate failed prediction echoing the token',
      arrange: () => rep({ outcome: 'failed', error: echo('CUDA out of memory') }),
      tool: 'video_generate',
      args: repVideo,
      expect: ['provider_error'],
    },
    { name: 'replicate canceled prediction', arrange: () => rep({ outcome: 'canceled' }), tool: 'image_generate', args: repImage, expect: ['canceled'] },
    {
      name: 'replicate outputs already removed',
      arrange: () => rep({ dataRemoved: true }),
      tool: 'image_generate',
      args: repImage,
      expect: ['provider_error'],
    },
    {
      name: 'replicate expired output URL',
      arrange: () => rep({ outputUrls: undefined, outputTtlMs: -1000 }),
      tool: 'image_generate',
      args: repImage,
      expect: ['provider_error', 'provider_unavailable', 'not_found'],
    },
    {
      name: 'replicate output that is not media (kept, with a warning)',
      arrange: () => rep({ outputUrls: undefined }),
      tool: 'image_generate',
      args: repImage,
      expect: ['ok'],
    },
    {
      name: 'replicate upload 500',
      arrange: () => (rep(), replicate.fail('upload', { kind: 'status', status: 500, body: { detail: echo('upload broke') } }, 10)),
      tool: 'image_generate',
      args: (m) => ({ ...repImage(), reference_images: [m.png] }),
      expect: ['provider_unavailable'],
    },
    {
      name: 'replicate live schema 401',
      arrange: () => rep({ token: 'r8_the_right_one_0000000000' }),
      tool: 'model_get_capabilities',
      args: () => ({ model: 'replicate/someone/unseen-model' }),
      expect: ['provider_unavailable'],
    },
    {
      name: 'replicate live schema 404',
      arrange: () => rep(),
      tool: 'model_get_capabilities',
      args: () => ({ model: 'replicate/someone/unseen-model' }),
      expect: ['not_found'],
    },
    { name: 'replicate success (metadata must stay clean)', arrange: () => rep(), tool: 'image_generate', args: repImage, expect: ['ok'] },
    // ElevenLabs
    {
      name: 'elevenlabs 401 echoing the key',
      arrange: () => el({ apiKey: 'sk_the_right_one' }),
      tool: 'voice_tts',
      args: tts,
      expect: ['provider_unavailable'],
    },
    { name: 'elevenlabs quota exceeded', arrange: () => el({ error: 'quota_exceeded' }), tool: 'voice_tts', args: tts, expect: ['quota'] },
    {
      name: 'elevenlabs too many concurrent requests',
      arrange: () => el({ error: 'too_many_concurrent_requests' }),
      tool: 'voice_tts',
      args: tts,
      expect: ['rate_limited'],
    },
    {
      name: 'elevenlabs system busy',
      arrange: () => el({ error: 'system_busy' }),
      tool: 'voice_tts',
      args: tts,
      expect: ['rate_limited', 'provider_unavailable'],
    },
    {
      name: 'elevenlabs unknown voice',
      arrange: () => el(),
      tool: 'voice_tts',
      args: () => ({ ...tts(), voice_id: 'no-such-voice' }),
      expect: ['invalid_input', 'not_found'],
    },
    {
      name: 'elevenlabs 422 list echoing the key',
      arrange: () => (
        el(), eleven.fail('tts', { kind: 'status', status: 422, body: { detail: [{ loc: ['body', 'text'], msg: echo('bad text'), type: 'value_error' }] } })
      ),
      tool: 'voice_tts',
      args: tts,
      expect: ['invalid_input'],
    },
    {
      name: 'elevenlabs 500',
      arrange: () => (el(), eleven.fail('tts', { kind: 'status', status: 500, body: { detail: { status: 'internal', message: echo('oops') } } }, 10)),
      tool: 'voice_tts',
      args: tts,
      expect: ['provider_unavailable'],
    },
    {
      name: 'elevenlabs malformed audio',
      arrange: () => (el(), eleven.fail('tts', { kind: 'malformed' })),
      tool: 'voice_tts',
      args: tts,
      expect: ['invalid_input', 'provider_error'],
    },
    {
      name: 'elevenlabs broken transfer',
      arrange: () => (el(), eleven.fail('tts', { kind: 'break' }, 10)),
      tool: 'voice_tts',
      args: tts,
      expect: ['provider_unavailable', 'provider_error', 'invalid_input'],
    },
    {
      name: 'elevenlabs voice-to-voice 401',
      arrange: () => el({ apiKey: 'sk_the_right_one' }),
      tool: 'voice_v2v',
      args: (m) => ({ model: STS, audio: m.wav, voice_id: VOICE }),
      expect: ['provider_unavailable'],
    },
    {
      name: 'elevenlabs success as pcm (metadata must stay clean)',
      arrange: () => el(),
      tool: 'voice_tts',
      args: () => ({ ...tts(), output_format: 'pcm_16000' }),
      expect: ['ok'],
    },
    // WaveSpeed
    {
      name: 'wavespeed 401 echoing the key',
      arrange: () => ws({ apiKey: 'wsk_the_right_one' }),
      tool: 'lipsync_image',
      args: talk,
      expect: ['provider_unavailable'],
    },
    {
      name: 'wavespeed envelope error echoing the key',
      arrange: () => ws({ envelopeError: { code: 400, message: echo('bad input') } }),
      tool: 'lipsync_image',
      args: talk,
      expect: ['invalid_input', 'provider_error'],
    },
    {
      name: 'wavespeed moderation (safety)',
      arrange: () => ws({ outcome: 'failed', failCode: 1200, failError: echo('content moderation') }),
      tool: 'lipsync_image',
      args: talk,
      expect: ['safety_blocked'],
    },
    {
      name: 'wavespeed failed task echoing the key',
      arrange: () => ws({ outcome: 'failed', failCode: 5001, failError: echo('worker crashed') }),
      tool: 'lipsync_image',
      args: talk,
      expect: ['provider_error', 'provider_unavailable'],
    },
    { name: 'wavespeed task timed out', arrange: () => ws({ outcome: 'timeout' }), tool: 'lipsync_image', args: talk, expect: ['timeout', 'provider_error'] },
    {
      name: 'wavespeed upload 500',
      arrange: () => (ws(), wavespeed.fail('upload', { kind: 'status', status: 500, body: { code: 500, message: echo('disk full') } }, 10)),
      tool: 'lipsync_image',
      args: talk,
      expect: ['provider_unavailable'],
    },
    {
      name: 'wavespeed 429 on submit',
      arrange: () => (
        ws(), wavespeed.fail('create', { kind: 'status', status: 429, headers: { 'retry-after': '0' }, body: { code: 429, message: echo('slow down') } }, 10)
      ),
      tool: 'lipsync_image',
      args: talk,
      expect: ['rate_limited'],
    },
    {
      name: 'wavespeed malformed poll',
      arrange: () => (ws(), wavespeed.fail('poll', { kind: 'malformed' }, 40)),
      tool: 'lipsync_image',
      args: talk,
      expect: ['provider_error'],
    },
    // Vertex (API key)
    {
      name: 'vertex veo 401 echoing the key',
      arrange: () => vx({ apiKey: 'AIza_the_right_one' }),
      tool: 'video_generate',
      args: veo,
      expect: ['provider_unavailable'],
    },
    {
      name: 'vertex veo RAI filter',
      arrange: () => vx({ veo: 'rai', raiReasons: [echo('violates usage guidelines. Support codes: 90789179')] }),
      tool: 'video_generate',
      args: veo,
      expect: ['safety_blocked'],
    },
    {
      name: 'vertex veo operation error echoing the key',
      arrange: () => vx({ veo: 'error', opError: { code: 3, message: echo('not supported') } }),
      tool: 'video_generate',
      args: veo,
      expect: ['invalid_input', 'provider_error'],
    },
    {
      name: 'vertex veo 429 on start',
      arrange: () => (
        vx(),
        vertex.fail(
          'veo-start',
          {
            kind: 'status',
            status: 429,
            headers: { 'retry-after': '0' },
            body: { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: echo('quota') } },
          },
          10,
        )
      ),
      tool: 'video_generate',
      args: veo,
      expect: ['rate_limited', 'quota'],
    },
    {
      name: 'vertex veo 500 on start',
      arrange: () => (
        vx(), vertex.fail('veo-start', { kind: 'status', status: 500, body: { error: { code: 500, status: 'INTERNAL', message: echo('internal') } } })
      ),
      tool: 'video_generate',
      args: veo,
      expect: ['provider_unavailable'],
    },
    {
      name: 'vertex veo malformed start',
      arrange: () => (vx(), vertex.fail('veo-start', { kind: 'malformed' })),
      tool: 'video_generate',
      args: veo,
      expect: ['provider_error'],
    },
    {
      name: 'vertex veo 503 on every poll',
      arrange: () => (
        vx(), vertex.fail('veo-poll', { kind: 'status', status: 503, body: { error: { code: 503, status: 'UNAVAILABLE', message: echo('down') } } }, 40)
      ),
      tool: 'video_generate',
      args: veo,
      expect: ['provider_unavailable'],
    },
    { name: 'vertex veo output that is not media (kept, with a warning)', arrange: () => vx(), tool: 'video_generate', args: veo, expect: ['ok'] },
    { name: 'vertex gemini safety', arrange: () => vx({ gemini: 'safety' }), tool: 'image_generate', args: gem, expect: ['safety_blocked'] },
    { name: 'vertex gemini prompt blocked', arrange: () => vx({ gemini: 'prompt-blocked' }), tool: 'image_generate', args: gem, expect: ['safety_blocked'] },
    { name: 'vertex gemini text only', arrange: () => vx({ gemini: 'text-only' }), tool: 'image_generate', args: gem, expect: ['provider_error'] },
    {
      name: 'vertex gemini 400 echoing the key',
      arrange: () => (
        vx(), vertex.fail('gemini', { kind: 'status', status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: echo('bad') } } })
      ),
      tool: 'image_generate',
      args: gem,
      expect: ['invalid_input'],
    },
  ];
}

interface Capture {
  log: string[];
  results: unknown[];
  notifications: unknown[];
  resources: unknown[];
  codes: Map<string, string>;
}

async function runCases(h: Harness, list: Case[], media: Media, cap: Capture): Promise<void> {
  for (const c of list) {
    c.arrange();
    const t0 = Date.now();
    const r = (await h.raw(c.tool, c.args(media))) as CallToolResult;
    if (process.env.SECRETS_DEBUG) process.stdout.write(`${c.name}: ${Date.now() - t0} ms ${JSON.stringify(r.structuredContent).slice(0, 300)}\n`);
    cap.results.push(r);
    const code = r.isError ? ((r.structuredContent as { error?: { code?: string } } | undefined)?.error?.code ?? '(no code)') : 'ok';
    cap.codes.set(c.name, code);
  }
}

async function readAllResources(h: Harness, cap: Capture): Promise<void> {
  const { resources } = await h.client.listResources();
  const uris = new Set(resources.map((r) => r.uri));
  for (const j of await h.studio.store.jobs.list({ limit: 10_000 })) uris.add(`studio://jobs/${j.job_id}`);
  for (const m of await h.studio.store.media.all()) uris.add(`studio://media/${m.media_id}`);
  for (const id of [REP_IMAGE, REP_VIDEO, TTS, TALK, VEO, GEMINI]) uris.add(`studio://models/${id}`);
  for (const uri of uris) cap.resources.push(await h.client.readResource({ uri }).catch((e: unknown) => String(e)));
  cap.results.push(await h.raw('job_list', { limit: 500 }));
  cap.results.push(await h.raw('media_list', { limit: 500 }));
  cap.results.push(await h.raw('models_list', {}));
}

function grepStudio(home: string): string[] {
  const found: string[] = [];
  for (const f of filesUnder(home)) found.push(...hits(path.relative(home, f), fs.readFileSync(f)));
  return found;
}

describe('secrets never leave the process', () => {
  const cap: Capture = { log: [], results: [], notifications: [], resources: [], codes: new Map() };
  let h: Harness;
  let adc: Harness;
  let apiCases: Case[] = [];
  let adcCases: Case[] = [];
  let closed = false;
  const stderrSeen: string[] = [];
  const origWrite = process.stderr.write.bind(process.stderr);
  const origConsole = { log: console.log, warn: console.warn, error: console.error, info: console.info, debug: console.debug };

  beforeAll(async () => {
    fx = await makeFixtures();
    [replicate, eleven, wavespeed, vertex] = await Promise.all([startReplicateFake(), startElevenLabsFake(), startWavespeedFake(), startVertexFake()]);
    // Anything written to stderr or the console while the studio runs is captured too.
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stderrSeen.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (origWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    for (const k of Object.keys(origConsole) as (keyof typeof origConsole)[]) {
      console[k] = (...a: unknown[]) => void stderrSeen.push(a.map(String).join(' '));
    }
    // Both runs happen here; every test below checks what they left, so the tests can run in any order.
    await runWithApiKeys();
    await runWithAdc();
  }, 300_000);
  afterAll(async () => {
    if (!closed) await Promise.all([h?.close(), adc?.close()]);
    process.stderr.write = origWrite;
    Object.assign(console, origConsole);
    await Promise.all([replicate.close(), eleven.close(), wavespeed.close(), vertex.close()]);
    fs.rmSync(fx.dir, { recursive: true, force: true });
  });

  const env = (): Record<string, string> => ({
    ...KEYS,
    REPLICATE_BASE_URL: replicate.url,
    ELEVENLABS_BASE_URL: eleven.url,
    WAVESPEED_BASE_URL: wavespeed.url,
    VERTEX_BASE_URL: vertex.url,
    GOOGLE_CLOUD_PROJECT: 'canary-project',
    STUDIO_WAIT_SECONDS: '30',
  });

  async function importMedia(harness: Harness): Promise<Media> {
    fs.copyFileSync(fx.png, path.join(harness.home, 'face.png'));
    fs.copyFileSync(fx.wav, path.join(harness.home, 'line.wav'));
    const png = (await harness.call('media_import', { path: 'face.png' })) as { media_id: string };
    const wav = (await harness.call('media_import', { path: 'line.wav' })) as { media_id: string };
    return { png: png.media_id, wav: wav.media_id };
  }

  /** The API-key run: every provider failure path through MCP tool calls. */
  async function runWithApiKeys(): Promise<void> {
    const home = tempDir('studio-secrets-');
    const config = loadConfig({ STUDIO_HOME: home, ...env() });
    h = await startHarness({ home, env: env(), studio: { adapters: fastAdapters(config, { storageBaseUrl: vertex.url }), log: (m) => void cap.log.push(m) } });
    cap.notifications = recordNotifications(h.client);
    await h.client.setLoggingLevel('debug').catch(() => undefined);
    const media = await importMedia(h);
    // Subscribe to everything the calls touch, so resource notifications are part of what is searched.
    await h.client.subscribeResource({ uri: 'studio://characters' });
    await h.call('character_create', { name: 'Ada', reference_images: [media.png], voice_id: VOICE });
    apiCases = cases();
    await runCases(h, apiCases, media, cap);
    // Follow-up reads an agent would make after a failure.
    await readAllResources(h, cap);
  }

  /** The Vertex failure paths with an ADC access token (a secret the config does not know). */
  async function runWithAdc(): Promise<void> {
    const home = tempDir('studio-secrets-adc-');
    const { GOOGLE_API_KEY: _k, ...rest } = env();
    const adcEnv = { ...rest, GOOGLE_APPLICATION_CREDENTIALS: path.join(home, 'sa.json') };
    const config = loadConfig({ STUDIO_HOME: home, ...adcEnv });
    adc = await startHarness({
      home,
      env: adcEnv,
      studio: { adapters: fastAdapters(config, { storageBaseUrl: vertex.url, getAccessToken: async () => ADC_TOKEN }), log: (m) => void cap.log.push(m) },
    });
    const n = recordNotifications(adc.client);
    adcCases = [
      {
        name: 'adc veo 401 echoing the bearer token',
        arrange: () => (vertex.reset(), vertex.setScenario({ token: 'ya29.the-right-one' })),
        tool: 'video_generate',
        args: () => ({ model: VEO, prompt: 'x', duration: 4 }),
        expect: ['provider_unavailable'],
      },
      {
        name: 'adc gemini 401 echoing the bearer token',
        arrange: () => (vertex.reset(), vertex.setScenario({ token: 'ya29.the-right-one' })),
        tool: 'image_generate',
        args: () => ({ model: GEMINI, prompt: 'x' }),
        expect: ['provider_unavailable'],
      },
      {
        name: 'adc veo 400 echoing the bearer token',
        arrange: () => (
          vertex.reset(),
          vertex.setScenario({}),
          vertex.fail('veo-start', {
            kind: 'status',
            status: 400,
            body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: `bad request from Bearer ${ADC_TOKEN}` } },
          })
        ),
        tool: 'video_generate',
        args: () => ({ model: VEO, prompt: 'x', duration: 4 }),
        expect: ['invalid_input'],
      },
    ];
    await runCases(adc, adcCases, { png: '', wav: '' }, cap);
    await readAllResources(adc, cap);
    cap.notifications.push(...n);
  }

  it('runs every provider failure path through MCP tool calls (API keys)', () => {
    const bad: string[] = [];
    for (const c of apiCases) {
      const code = cap.codes.get(c.name) ?? '';
      if (!c.expect.includes(code)) bad.push(`${c.name}: got ${code}, expected ${c.expect.join('|')}`);
      if (code !== 'ok') expect(DOCUMENTED_CODES as readonly string[]).toContain(code);
    }
    expect(bad).toEqual([]);
    expect([...cap.codes.values()]).not.toContain('internal');
  });

  it('runs the Vertex failure paths with an ADC access token (a secret the config does not know)', () => {
    const bad = adcCases.filter((c) => !c.expect.includes(cap.codes.get(c.name) ?? '')).map((c) => `${c.name}: ${cap.codes.get(c.name)}`);
    expect(bad).toEqual([]);
  });

  it('zero hits in results, errors, notifications, resources, logs, stderr and console', () => {
    const found = [
      ...hits('tool results and errors', JSON.stringify(cap.results)),
      ...hits('notifications', JSON.stringify(cap.notifications)),
      ...hits('resources', JSON.stringify(cap.resources)),
      ...hits('server log', cap.log.join('\n')),
      ...hits('stderr/console', stderrSeen.join('\n')),
    ];
    expect(found).toEqual([]);
    // Provider errors are summarised, never echoed raw: short messages, no JSON or HTML bodies, no signed URLs.
    for (const r of cap.results as CallToolResult[]) {
      if (!r.isError) continue;
      const msg = (r.structuredContent as { error: { message: string } }).error.message;
      expect(msg.length).toBeLessThan(700);
      expect(msg).not.toMatch(/[{[]\s*"(detail|error|message|title|code)"|<html|<body|signature=(?!\[redacted\])/i);
    }
    // The searches had something to search: failures were logged and reported.
    expect(cap.results.length).toBeGreaterThan(50);
  });

  it('zero hits in the database (with -wal/-shm), sidecars and every file under the studio folders, open and after close', async () => {
    const homes = [h.home, adc.home];
    // While open: the WAL holds the most recent pages.
    expect(homes.flatMap((d) => filesUnder(d)).some((f) => f.endsWith('-wal'))).toBe(true);
    expect(homes.flatMap(grepStudio)).toEqual([]);
    await h.close();
    await adc.close();
    closed = true;
    expect(homes.flatMap(grepStudio)).toEqual([]);
    // And the failures really were recorded there (jobs with errors, sidecars of what succeeded).
    const files = homes.flatMap((d) => filesUnder(d));
    expect(files.some((f) => f.endsWith('studio.db'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.json')).length).toBeGreaterThan(2);
  });

  it('a spawned server (stdio) keeps its real stderr clean on the same kind of failures', async () => {
    const home = tempDir('studio-secrets-stdio-');
    replicate.reset();
    replicate.setScenario({ token: 'r8_the_right_one_0000000000' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.resolve('dist/src/cli.js')],
      env: { PATH: process.env.PATH ?? '', STUDIO_HOME: home, ...env(), STUDIO_POLL_INTERVAL_MS: '10' },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const client = new Client({ name: 'secrets-stdio', version: '1.0.0' });
    const notes = recordNotifications(client);
    await client.connect(transport);
    const results: unknown[] = [];
    results.push(await client.callTool({ name: 'image_generate', arguments: { model: REP_IMAGE, prompt: 'x' } }));
    replicate.setScenario({ outcome: 'failed', error: echo('boom') });
    results.push(await client.callTool({ name: 'video_generate', arguments: { model: REP_VIDEO, prompt: 'x', duration: 5 } }));
    replicate.setScenario({});
    replicate.fail('create', { kind: 'status', status: 422, body: { detail: echo('bad') } });
    results.push(await client.callTool({ name: 'image_generate', arguments: { model: REP_IMAGE, prompt: 'x' } }));
    results.push(await client.callTool({ name: 'model_get_capabilities', arguments: { model: 'replicate/someone/unseen' } }));
    results.push(await client.callTool({ name: 'job_list', arguments: {} }));
    await client.close();
    expect((results as CallToolResult[]).slice(0, 3).every((r) => r.isError)).toBe(true);
    expect([
      ...hits('stdio results', JSON.stringify(results)),
      ...hits('stdio notifications', JSON.stringify(notes)),
      ...hits('stdio stderr', stderr),
      ...grepStudio(home),
    ]).toEqual([]);
  });
});
