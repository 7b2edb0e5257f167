import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAllFakes, type AllFakes } from '../fakes/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/** A provider output ffprobe cannot read was paid for: it is kept (never lost), flagged, and refused where it cannot work. */
describe('provider outputs that are not readable media', () => {
  let fakes: AllFakes;
  let h: Harness;
  beforeAll(async () => {
    fakes = await startAllFakes();
    h = await startHarness({ env: fakes.env });
  });
  afterAll(async () => {
    await h.close();
    await fakes.close();
  });

  it('are kept with a warning, never silently dropped', async () => {
    const r = await h.call('image_generate', { model: 'replicate/bytedance/seedream-4', prompt: 'x' });
    expect(r.status).toBe('succeeded');
    expect((r.warnings as string[]).join(' ')).toMatch(/not readable image .* kept as med_/);
    const m = await h.studio.library.get(String(r.media_id));
    expect(typeof m.extra.unreadable_media).toBe('string');
    const file = fs.readFileSync(h.studio.library.absPath(m));
    expect(createHash('sha256').update(file).digest('hex')).toBe(m.sha256);
    expect(m.bytes).toBe(file.length);
  });

  it('an unreadable take makes a render fail naming the shot', async () => {
    const scene = ((await h.call('scene_create', { title: 's' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shot = (
      (await h.call('shot_create', { scene_id: scene, prompt: 'x', model: 'vertex/veo-3.1-fast-generate-001', duration: 4 })) as { shot: { shot_id: string } }
    ).shot.shot_id;
    const r = await h.call('video_generate', { shot_id: shot });
    expect(r.status).toBe('succeeded');
    expect(r).not.toHaveProperty('last_frame_id');
    const renders = (await h.studio.store.renders.list('scene', scene)).length;
    const err = await h.callError('render_scene', { scene_id: scene });
    expect(err.message).toContain(shot);
    expect((await h.studio.store.renders.list('scene', scene)).length).toBe(renders);
  });
});
