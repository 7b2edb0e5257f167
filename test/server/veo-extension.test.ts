import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { byRoute } from '../fakes/base.js';
import { startAllFakes, type AllFakes } from '../fakes/index.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';

/**
 * Veo 3.1 video extension through the studio (issue 15, part 7): a shot's take is continued by 7 s in one call,
 * the take going to Vertex as `instances[0].video` (MP4) at 8 s, and the result becomes the shot's next take.
 */
describe('lengthening a shot with Veo video extension (fakes)', () => {
  let fakes: AllFakes;
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('extend-');
    const clip = path.join(dir, 'clip.mp4');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=24:duration=2', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=2'],
      ...['-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-c:a', 'aac', '-shortest', clip],
    ]);
    fakes = await startAllFakes();
    fakes.vertex.setScenario({ videoBytes: fs.readFileSync(clip) });
    h = await startHarness({ env: { ...fakes.env, STUDIO_ALLOWED_DIRS: dir } });
  }, 120_000);
  afterAll(async () => {
    await h.close();
    await fakes.close();
  });

  it("the shot's take is sent as the video to extend and the extension becomes its next take", async () => {
    const scene = ((await h.call('scene_create', { title: 'Chase' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shot = (
      (await h.call('shot_create', { scene_id: scene, prompt: 'a runner on the quay', model: 'vertex/veo-3.1-fast-generate-001' })) as {
        shot: { shot_id: string };
      }
    ).shot.shot_id;
    const first = String((await h.call('video_generate', { shot_id: shot })).media_id);
    const r = await h.call('video_generate', { shot_id: shot, video: first, prompt: 'the runner keeps going past the cranes' });
    expect(r.status).toBe('succeeded');
    expect(r.warnings).toEqual([
      'duration set to 8 because video is given (an extension call takes durationSeconds 8 (Gemini API Veo 3.1 table; it adds 7 s to the clip; ' +
        'unverified on Vertex))',
    ]);
    const body = byRoute(fakes.vertex.requests, 'veo-start').at(-1)?.json as {
      instances: Array<{ prompt: string; video?: { mimeType: string; bytesBase64Encoded: string }; image?: unknown }>;
      parameters: Record<string, unknown>;
    };
    expect(body.instances[0]?.video?.mimeType).toBe('video/mp4');
    expect(
      Buffer.from(body.instances[0]?.video?.bytesBase64Encoded ?? '', 'base64').equals(
        fs.readFileSync(h.studio.library.absPath(await h.studio.library.get(first))),
      ),
    ).toBe(true);
    expect(body.instances[0]?.image).toBeUndefined();
    expect(body.parameters['durationSeconds']).toBe(8);
    const media = await h.studio.library.get(String(r.media_id));
    expect(media.shot_id).toBe(shot);
    expect(r.take_number).toBe(2);
  });

  it('an extension with a start frame is refused before anything is sent', async () => {
    const scene = ((await h.call('scene_create', { title: 'Chase 2' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shot = (
      (await h.call('shot_create', { scene_id: scene, prompt: 'a runner', model: 'vertex/veo-3.1-fast-generate-001' })) as {
        shot: { shot_id: string };
      }
    ).shot.shot_id;
    const take = String((await h.call('video_generate', { shot_id: shot })).media_id);
    const still = String((await h.call('image_generate', { prompt: 'a quay' })).media_id);
    const before = byRoute(fakes.vertex.requests, 'veo-start').length;
    const err = await h.callError('video_generate', { shot_id: shot, video: take, start_frame: still, prompt: 'p' });
    expect(err.message).toMatch(/video \(extension of an earlier clip\) cannot be combined with start_frame/);
    expect(byRoute(fakes.vertex.requests, 'veo-start').length).toBe(before);
  });
});
