import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { probe } from '../../src/media/probe.js';
import { byRoute } from '../fakes/base.js';
import { startAllFakes, type AllFakes } from '../fakes/index.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';

/**
 * Media formats and the refusals that must happen before any request (issue 15, parts 1 and 4), through a real MCP
 * client: a WebP still from the library reaches Veo as PNG; calls Veo documents as invalid never leave the studio;
 * files over a model's input size, or too small for Kling, are refused naming the field.
 */
describe('inputs the providers accept, through the studio', () => {
  let fakes: AllFakes;
  let h: Harness;
  let dir: string;
  const ids: Record<string, string> = {};
  const VEO = 'vertex/veo-3.1-generate-001';
  const sentToProviders = () => fakes.vertex.requests.length + fakes.replicate.requests.length;

  beforeAll(async () => {
    dir = tempDir('formats-');
    const clip = path.join(dir, 'clip.mp4');
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=24:duration=1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', clip]);
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1', '-c:v', 'libwebp', path.join(dir, 'frame.webp')]);
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1', path.join(dir, 'ref.png')]);
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=200x150', '-frames:v', '1', path.join(dir, 'small.png')]);
    fakes = await startAllFakes();
    fakes.vertex.setScenario({ videoBytes: fs.readFileSync(clip) });
    h = await startHarness({ env: { ...fakes.env, STUDIO_ALLOWED_DIRS: dir } });
    for (const name of ['frame.webp', 'ref.png', 'small.png']) ids[name] = String((await h.call('media_import', { path: path.join(dir, name) })).media_id);
  }, 120_000);
  afterAll(async () => {
    await h.close();
    await fakes.close();
  });
  beforeEach(() => {
    fakes.vertex.reset();
    fakes.replicate.reset();
  });

  it('a WebP start frame reaches Veo as a PNG of the same size; the library keeps the WebP', async () => {
    expect((await h.studio.library.get(ids['frame.webp'] as string)).mime).toBe('image/webp');
    const r = await h.call('video_generate', { model: VEO, prompt: 'the door opens', start_frame: ids['frame.webp'] });
    expect(r.status).toBe('succeeded');
    const inst = (byRoute(fakes.vertex.requests, 'veo-start')[0]!.json as { instances: Array<{ image: { mimeType: string; bytesBase64Encoded: string } }> })
      .instances[0];
    expect(inst?.image.mimeType).toBe('image/png');
    const sent = path.join(dir, 'sent.png');
    fs.writeFileSync(sent, Buffer.from(inst?.image.bytesBase64Encoded ?? '', 'base64'));
    const p = await probe(sent);
    expect({ codec: p.videoCodec, width: p.width, height: p.height }).toEqual({ codec: 'png', width: 320, height: 240 });
    expect((await h.studio.library.get(String(r.media_id))).start_frame_used).toBe(ids['frame.webp']);
    expect((await h.studio.library.get(ids['frame.webp'] as string)).mime).toBe('image/webp');
  });

  it('three references at 9:16 are refused before any request, naming the rule', async () => {
    const refs = [ids['ref.png'], ids['ref.png'], ids['ref.png']];
    const err = await h.callError('video_generate', { model: VEO, prompt: 'p', reference_images: refs, aspect_ratio: '9:16' });
    expect(err).toMatchObject({ code: 'invalid_input', field: 'aspect_ratio', model: VEO });
    expect(err.message).toBe(`${VEO}: reference-to-video is 8 seconds and 16:9 only (got aspect_ratio='9:16')`);
    expect(sentToProviders()).toBe(0);
  });

  it('1080p at 4 s is refused before any request', async () => {
    const err = await h.callError('video_generate', { model: VEO, prompt: 'p', resolution: '1080p', duration: 4 });
    expect(err).toMatchObject({ code: 'invalid_input', field: 'duration', model: VEO });
    expect(err.message).toBe(`${VEO}: 1080p and 4k are 8 seconds only (got duration=4)`);
    expect(sentToProviders()).toBe(0);
  });

  it('an image too small for Kling is refused before any upload, naming start_frame and what Kling takes', async () => {
    const id = 'replicate/kwaivgi/kling-v2.1';
    const err = await h.callError('video_generate', { model: id, prompt: 'p', start_frame: ids['small.png'] });
    expect(err).toMatchObject({ code: 'invalid_input', field: 'start_frame', model: id });
    expect(err.message).toBe(`${id}: start_frame is 200×150 px; the model needs at least 300 px on each side`);
    expect(sentToProviders()).toBe(0);
  });

  it('a file over limits.max_input_bytes is refused before any upload', async () => {
    const big = path.join(dir, 'big.png');
    // 3000×3000 of noise does not compress: well over Gemini 2.5's inline limit once the file is made larger still.
    await runFfmpeg(['-f', 'lavfi', '-i', 'nullsrc=s=3000x3000,geq=random(1)*255:128:128', '-frames:v', '1', big]);
    const bigId = String((await h.call('media_import', { path: big })).media_id);
    const bytes = (await h.studio.library.get(bigId)).bytes;
    const id = 'vertex/gemini-2.5-flash-image';
    const limit = h.studio.registry.require(id).limits.max_input_bytes ?? 0;
    expect(limit).toBeGreaterThan(0);
    expect(bytes).toBeGreaterThan(limit);
    const err = await h.callError('image_generate', { model: id, prompt: 'p', reference_images: [bigId] });
    expect(err).toMatchObject({ code: 'invalid_input', field: 'reference_images[0]', model: id });
    expect(err.message).toBe(`${id}: reference_images[0] is ${(bytes / 1e6).toFixed(1)} MB; the model accepts files of at most ${(limit / 1e6).toFixed(1)} MB`);
    expect(sentToProviders()).toBe(0);
  });
});
