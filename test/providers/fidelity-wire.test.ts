import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toProviderFields } from '../../src/capabilities/tool-schema.js';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { conformInputs } from '../../src/providers/conform-inputs.js';
import { createElevenLabsAdapter } from '../../src/providers/elevenlabs.js';
import { createReplicateAdapter } from '../../src/providers/replicate.js';
import type { MediaInput, ProviderAdapter, ProviderRequest } from '../../src/providers/types.js';
import { createVertexAdapter } from '../../src/providers/vertex.js';
import { cap, runCall } from '../capabilities/helpers.js';
import { byRoute } from '../fakes/base.js';
import { startElevenLabsFake, type ElevenLabsFake } from '../fakes/elevenlabs.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { DOCUMENTED_MODELS, SVD_VERSION } from '../fakes/replicate-docs.js';
import { startVertexFake, type VertexFake } from '../fakes/vertex.js';
import { configFor, FAST, failure, makeCtx, makeMedia, runToEnd, SECRETS, type TestDir, tempDir } from './helpers.js';

/**
 * The wire half of the audit's findings (docs/capability-audit-2026-11.md): each call goes through the studio's
 * own validation of the shipped capability file (runCall), is turned into provider fields and sent by the real
 * adapter to a fake that refuses what the provider's docs say it refuses. The bad variants are sent straight to the
 * adapter to show the fake (like the provider) would refuse them — the reason the local rules exist.
 */

const PROJECT = 'film-project';
const VEO = 'vertex/veo-3.1-generate-001';
const VEO_FAST = 'vertex/veo-3.1-fast-generate-001';

/** A call validated by the studio's pipeline and turned into a provider request, media ids replaced by files. */
function prepared(id: string, args: Record<string, unknown>, media: Record<string, MediaInput> = {}): ProviderRequest {
  const r = runCall(id, args);
  expect(r.errors).toEqual([]);
  const fields = toProviderFields(cap(id), r.values);
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string' && media[v]) fields[k] = media[v];
    if (Array.isArray(v)) fields[k] = v.map((x) => (typeof x === 'string' && media[x] ? media[x] : x));
  }
  return { jobId: 'job_fidelity', capability: cap(id), fields };
}

/** A request straight to the adapter, bypassing the studio's rules (what a file without the fix let through). */
function raw(id: string, fields: Record<string, unknown>): ProviderRequest {
  return { jobId: 'job_fidelity', capability: cap(id), fields };
}

/** A real still image made by ffmpeg (`ext` decides the format). */
async function realImage(dir: string, ext: 'webp' | 'png' | 'jpg', w = 64, h = 48): Promise<MediaInput> {
  const file = path.join(dir, `still-${ext}-${w}x${h}.${ext}`);
  await runFfmpeg(['-f', 'lavfi', '-i', `color=c=red:s=${w}x${h}`, '-frames:v', '1', '-update', '1', file]);
  const data = await readFile(file);
  const mime = ext === 'webp' ? 'image/webp' : ext === 'png' ? 'image/png' : 'image/jpeg';
  return { mediaId: `med_${ext}_${w}x${h}`, path: file, mime, kind: 'image', sha256: 'x', bytes: data.length, width: w, height: h };
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('Vertex Veo against a fake that follows the docs', () => {
  let fake: VertexFake;
  let tmp: TestDir;
  let adapter: ProviderAdapter;
  beforeAll(async () => {
    fake = await startVertexFake();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    fake.setScenario({ token: SECRETS.googleToken });
    tmp = await tempDir();
    adapter = createVertexAdapter(configFor({ VERTEX_BASE_URL: fake.url, GOOGLE_CLOUD_PROJECT: PROJECT, GOOGLE_CLOUD_LOCATION: 'us-central1' }), {
      ...FAST,
      getAccessToken: async () => SECRETS.googleToken,
      storageBaseUrl: fake.url,
    });
  });
  afterEach(async () => {
    await tmp.cleanup();
  });
  const params = () => (byRoute(fake.requests, 'veo-start').at(-1)!.json as { parameters: Record<string, unknown> }).parameters;

  it.each([VEO, VEO_FAST])('F1 %s: references at 9:16 are refused by the fake; the studio sends 16:9 and 8 s', async (id) => {
    const refs = await Promise.all([1, 2, 3].map(() => makeMedia(tmp.dir, 'image', 'image/png')));
    const bad = await failure(() =>
      runToEnd(adapter, raw(id, { prompt: 'p', referenceImages: refs, aspectRatio: '9:16', durationSeconds: 8 }), makeCtx(tmp.dir)),
    );
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toMatch(/reference images to video only supports 16:9 aspect ratio/);
    await runToEnd(
      adapter,
      prepared(id, { prompt: 'p', reference_images: ['r1', 'r2', 'r3'] }, { r1: refs[0]!, r2: refs[1]!, r3: refs[2]! }),
      makeCtx(tmp.dir),
    );
    expect(params()).toEqual({ durationSeconds: 8, aspectRatio: '16:9', sampleCount: 1 });
  });

  it('F2: 1080p at 4 s is refused by the fake; 1080p goes out at 8 s', async () => {
    const bad = await failure(() => runToEnd(adapter, raw(VEO, { prompt: 'p', resolution: '1080p', durationSeconds: 4 }), makeCtx(tmp.dir)));
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toMatch(/durationSeconds must be 8 with 1080p resolution/);
    await runToEnd(adapter, prepared(VEO, { prompt: 'p', resolution: '1080p' }), makeCtx(tmp.dir));
    expect(params()).toEqual({ resolution: '1080p', sampleCount: 1 });
  });

  it('F3: a WebP start frame is refused by the fake as sent, and reaches it as PNG once conformed', async () => {
    const webp = await realImage(tmp.dir, 'webp');
    const bad = await failure(() => runToEnd(adapter, raw(VEO, { prompt: 'p', image: webp }), makeCtx(tmp.dir)));
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toMatch(/image\/webp is not supported; supported MIME types: image\/jpeg, image\/png/);
    const req = await conformInputs(prepared(VEO, { prompt: 'p', start_frame: 'w' }, { w: webp }), tmp.dir);
    await runToEnd(adapter, req, makeCtx(tmp.dir));
    const inst = (byRoute(fake.requests, 'veo-start').at(-1)!.json as { instances: Array<{ image: { mimeType: string; bytesBase64Encoded: string } }> })
      .instances[0];
    expect(inst?.image.mimeType).toBe('image/png');
    expect(
      Buffer.from(inst?.image.bytesBase64Encoded ?? '', 'base64')
        .subarray(0, 4)
        .equals(PNG_MAGIC),
    ).toBe(true);
  });

  it('F3 (Kling): a frame the library knows no size of is probed, and refused before upload when too small', async () => {
    const small = await realImage(tmp.dir, 'png', 200, 150);
    const { width: _w, height: _h, ...unsized } = small;
    const req = prepared('replicate/kwaivgi/kling-v2.1', { prompt: 'p', start_frame: 's' }, { s: unsized });
    const err = await failure(() => conformInputs(req, tmp.dir));
    expect(err).toMatchObject({
      code: 'invalid_input',
      message: 'replicate/kwaivgi/kling-v2.1: start_frame is 200×150 px; the model needs at least 300 px on each side',
      details: { model: 'replicate/kwaivgi/kling-v2.1', field: 'start_frame', accepts: 'images of at least 300 px a side' },
    });
  });

  it('C2: 4k on Veo 3.1 Fast at 8 s reaches the fake', async () => {
    await runToEnd(adapter, prepared(VEO_FAST, { prompt: 'p', resolution: '4k' }), makeCtx(tmp.dir));
    expect(params()).toEqual({ resolution: '4k', sampleCount: 1 });
  });

  it('C8: Gemini image sends candidateCount 1; the fake, like the API, refuses more', async () => {
    const id = 'vertex/gemini-3-pro-image';
    await runToEnd(adapter, prepared(id, { prompt: 'a red door' }), makeCtx(tmp.dir));
    expect((byRoute(fake.requests, 'gemini').at(-1)!.json as { generationConfig: { candidateCount: number } }).generationConfig.candidateCount).toBe(1);
    const bad = await failure(() => runToEnd(adapter, raw(id, { prompt: 'a red door', candidateCount: 2 }), makeCtx(tmp.dir)));
    expect(bad.message).toMatch(/Multiple candidates is not enabled for models\/gemini-3-pro-image/);
    expect(cap(id).fields['candidateCount']?.schema['maximum']).toBe(1);
  });
});

describe('Replicate against a fake that checks inputs per published schema', () => {
  let fake: ReplicateFake;
  let tmp: TestDir;
  let adapter: ProviderAdapter;
  beforeAll(async () => {
    fake = await startReplicateFake();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    fake.setScenario({});
    tmp = await tempDir();
    adapter = createReplicateAdapter(configFor({ REPLICATE_BASE_URL: fake.url, REPLICATE_API_TOKEN: SECRETS.replicate }), FAST);
  });
  afterEach(async () => {
    await tmp.cleanup();
  });
  const lastInput = (route: 'create' | 'create-version') => (byRoute(fake.requests, route).at(-1)!.json as { input: Record<string, unknown> }).input;

  it('F4: Stable Video Diffusion frames_per_second outside 5-30 gets a 422; 30 goes through', async () => {
    const id = 'replicate/stability-ai/stable-video-diffusion';
    const img = await makeMedia(tmp.dir, 'image', 'image/png');
    const bad = await failure(() => runToEnd(adapter, raw(id, { input_image: img, frames_per_second: 4 }), makeCtx(tmp.dir)));
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toMatch(/frames_per_second: Must be greater than or equal to 5/);
    await runToEnd(adapter, prepared(id, { start_frame: 's', frames_per_second: 30 }, { s: img }), makeCtx(tmp.dir));
    expect(lastInput('create-version').frames_per_second).toBe(30);
    expect((byRoute(fake.requests, 'create-version').at(-1)!.json as { version: string }).version).toBe(SVD_VERSION);
  });

  it('F5: Seedream 4 with 10 inputs and max_images 15 gets a 422; 10 + 5 goes through', async () => {
    const id = 'replicate/bytedance/seedream-4';
    const refs = await Promise.all(Array.from({ length: 10 }, () => makeMedia(tmp.dir, 'image', 'image/png')));
    fake.setScenario({ outputKind: 'array', outputMime: 'image/jpeg' });
    const bad = await failure(() => runToEnd(adapter, raw(id, { prompt: 'p', image_input: refs, max_images: 15 }), makeCtx(tmp.dir)));
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toMatch(/Total images \(input \+ generated\) cannot exceed 15; got 10 \+ 15/);
    const ids = Object.fromEntries(refs.map((m, i) => [`r${i}`, m]));
    await runToEnd(adapter, prepared(id, { prompt: 'p', reference_images: Object.keys(ids), max_images: 5 }, ids), makeCtx(tmp.dir));
    const input = lastInput('create');
    expect((input.image_input as unknown[]).length).toBe(10);
    expect(input.max_images).toBe(5);
  });

  it('S1: Seedance 1 Pro without a resolution is sent with 1080p, the provider default the file now states', async () => {
    await runToEnd(adapter, prepared('replicate/bytedance/seedance-1-pro', { prompt: 'p' }), makeCtx(tmp.dir));
    expect(lastInput('create')).toEqual({ prompt: 'p', resolution: '1080p' });
    await runToEnd(adapter, prepared('replicate/bytedance/seedance-1-pro', { prompt: 'p', resolution: '720p' }), makeCtx(tmp.dir));
    expect(lastInput('create')).toEqual({ prompt: 'p', resolution: '720p' });
    expect(DOCUMENTED_MODELS['bytedance/seedance-1-pro']?.defaults['resolution']).toBe('1080p');
  });

  it('S4: MiniMax with a subject reference and a first frame is refused by the fake; one of them goes through', async () => {
    const id = 'replicate/minimax/video-01';
    const face = await makeMedia(tmp.dir, 'image', 'image/png');
    const first = await makeMedia(tmp.dir, 'image', 'image/png');
    const bad = await failure(() => runToEnd(adapter, raw(id, { prompt: 'p', subject_reference: face, first_frame_image: first }), makeCtx(tmp.dir)));
    expect(bad.message).toMatch(/first_frame_image is ignored with subject_reference/);
    await runToEnd(adapter, prepared(id, { prompt: 'p', reference_images: 'f' }, { f: face }), makeCtx(tmp.dir));
    expect(Object.keys(lastInput('create')).sort()).toEqual(['prompt', 'subject_reference']);
  });

  it('C1: Seedance 1 Pro at 2 s goes through; 1 s gets a 422', async () => {
    const id = 'replicate/bytedance/seedance-1-pro';
    await runToEnd(adapter, prepared(id, { prompt: 'p', duration: 2 }), makeCtx(tmp.dir));
    expect(lastInput('create').duration).toBe(2);
    const bad = await failure(() => runToEnd(adapter, raw(id, { prompt: 'p', duration: 1 }), makeCtx(tmp.dir)));
    expect(bad.message).toMatch(/duration: Must be greater than or equal to 2/);
  });

  it('C7 and S1: every default in a shipped Replicate file equals the provider default the fake knows', () => {
    const files = [
      'replicate/stability-ai/stable-video-diffusion',
      'replicate/bytedance/seedream-4',
      'replicate/bytedance/seedance-1-pro',
      'replicate/minimax/video-01',
    ];
    for (const id of files) {
      const c = cap(id);
      const documented = DOCUMENTED_MODELS[c.version ?? c.provider_model];
      expect(documented, id).toBeDefined();
      for (const [name, want] of Object.entries(documented?.defaults ?? {})) {
        const f = c.fields[name];
        if (!f) continue;
        expect({ id, name, default: f.schema['default'] }).toEqual({ id, name, default: want });
      }
    }
  });
});

describe('ElevenLabs against a fake that follows the docs', () => {
  let fake: ElevenLabsFake;
  let tmp: TestDir;
  let adapter: ProviderAdapter;
  const VOICE = '21m00Tcm4TlvDq8ikWAM';
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
  const lastBody = () => byRoute(fake.requests, 'tts').at(-1)?.json as Record<string, unknown>;

  it.each(['elevenlabs/eleven_flash_v2_5', 'elevenlabs/eleven_turbo_v2_5'])(
    "F6 %s: normalisation 'on' without an Enterprise plan is reported as a plan limit on that field",
    async (id) => {
      const err = await failure(() => adapter.start(prepared(id, { text: 'It costs $5', voice_id: VOICE, apply_text_normalization: 'on' }), makeCtx(tmp.dir)));
      expect(err.code).toBe('invalid_input');
      expect(err.details?.field).toBe('apply_text_normalization');
      expect(err.message).toContain(
        "ElevenLabs refused apply_text_normalization='on' when asked to synthesize the speech (text normalisation 'on' on eleven_turbo_v2_5 and " +
          "eleven_flash_v2_5 needs an Enterprise plan); use 'auto' or 'off'",
      );
      expect(err.message).toMatch(/can only be enabled with Enterprise plans/);
      await adapter.start(prepared(id, { text: 'It costs $5', voice_id: VOICE, apply_text_normalization: 'auto' }), makeCtx(tmp.dir));
      expect(lastBody().apply_text_normalization).toBe('auto');
    },
  );

  it('F7: eleven_v3 with 3,001 characters is refused by the fake naming text; 3,000 goes through', async () => {
    const id = 'elevenlabs/eleven_v3';
    const err = await failure(() => adapter.start(raw(id, { text: 'x'.repeat(3001), voice_id: VOICE }), makeCtx(tmp.dir)));
    expect(err.code).toBe('invalid_input');
    expect(err.details?.field).toBe('text');
    expect(err.message).toMatch(/The maximum for eleven_v3 is 3000 characters/);
    await adapter.start(prepared(id, { text: 'x'.repeat(3000), voice_id: VOICE }), makeCtx(tmp.dir));
    expect((lastBody().text as string).length).toBe(3000);
  });

  it('S2 and S3: the fake refuses stitching, style and speaker boost on eleven_v3; the studio no longer has them to send', async () => {
    const id = 'elevenlabs/eleven_v3';
    const stitched = await failure(() => adapter.start(raw(id, { text: 'Hi', voice_id: VOICE, previous_text: 'Before.' }), makeCtx(tmp.dir)));
    expect(stitched.message).toMatch(/\(field 'previous_text'\).*Request stitching is not available/);
    // What the old file sent: `style` and `use_speaker_boost` at voice_settings.*.
    const styled = await failure(() => adapter.start(raw(id, { text: 'Hi', voice_id: VOICE, voice_settings: { style: 0.3 } }), makeCtx(tmp.dir)));
    expect(styled.message).toMatch(/\(field 'style'\).*style is not used by eleven_v3/);
    const boosted = await failure(() => adapter.start(raw(id, { text: 'Hi', voice_id: VOICE, voice_settings: { use_speaker_boost: true } }), makeCtx(tmp.dir)));
    expect(boosted.message).toMatch(/\(field 'use_speaker_boost'\)/);
    for (const gone of ['previous_text', 'next_text', 'style', 'use_speaker_boost']) expect(cap(id).fields[gone]).toBeUndefined();
  });

  it.each(['elevenlabs/eleven_flash_v2_5', 'elevenlabs/eleven_v3'])('C3 %s: language_code fil reaches the fake', async (id) => {
    await adapter.start(prepared(id, { text: 'Kumusta', voice_id: VOICE, language_code: 'fil' }), makeCtx(tmp.dir));
    expect(lastBody().language_code).toBe('fil');
  });

  it('C4: eleven_v3 stability 0.3 reaches the fake as voice_settings.stability', async () => {
    await adapter.start(prepared('elevenlabs/eleven_v3', { text: 'Hi', voice_id: VOICE, stability: 0.3 }), makeCtx(tmp.dir));
    expect(lastBody().voice_settings).toEqual({ stability: 0.3 });
  });
});
