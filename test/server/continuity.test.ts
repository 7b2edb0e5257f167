import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameDiff } from '../../src/media/compare.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const TEXT_ONLY_MODEL = {
  url: 'https://replicate.com/acme/text2vid',
  owner: 'acme',
  name: 'text2vid',
  description: 'Text-to-video model',
  visibility: 'public',
  is_official: true,
  run_count: 1,
  latest_version: {
    id: 'b'.repeat(64),
    created_at: '2026-10-01T00:00:00Z',
    cog_version: '0.10.0',
    openapi_schema: {
      components: {
        schemas: {
          Input: {
            type: 'object',
            required: ['prompt'],
            properties: {
              prompt: { type: 'string', 'x-order': 0 },
              duration: { type: 'integer', minimum: 2, maximum: 10, default: 5, 'x-order': 1, description: 'Video duration in seconds' },
            },
          },
          Output: { type: 'string', format: 'uri' },
        },
      },
    },
  },
};

describe('continuity tools through an MCP client', () => {
  let h: Harness;
  let fake: ReplicateFake;
  const take = async (shotId: string) => {
    const s = await h.studio.store.shots.get(shotId);
    return await h.studio.library.get((await h.studio.store.shots.getTake(s?.current_take_id ?? ''))?.media_id ?? '');
  };
  /** Each test shoots its own scene of two shots with one take each: no test depends on another's leftovers. */
  const twoShots = async (): Promise<{ scene: string; shots: [string, string] }> => {
    const scene = ((await h.call('scene_create', { title: 'c' })) as { scene: { scene_id: string } }).scene.scene_id;
    const shots: string[] = [];
    for (const p of ['door opens', 'hall light']) {
      const id = ((await h.call('shot_create', { scene_id: scene, prompt: p, duration: 1.5, model: 'local/animatic' })) as { shot: { shot_id: string } }).shot
        .shot_id;
      shots.push(id);
      await h.call('video_generate', { shot_id: id });
    }
    return { scene, shots: shots as [string, string] };
  };
  beforeAll(async () => {
    fake = await startReplicateFake();
    fake.setScenario({ models: { 'acme/text2vid': TEXT_ONLY_MODEL } });
    h = await startHarness({ env: { REPLICATE_API_TOKEN: 'r8_test_continuity', REPLICATE_BASE_URL: fake.url } });
  }, 120_000);
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  it("use_last_frame links a shot to its predecessor's last frame; the next take starts on it", async () => {
    const { shots } = await twoShots();
    const r = await h.call('use_last_frame', { shot_id: shots[1] });
    expect(r.start_frame).toBe((await take(shots[0])).last_frame_id);
    const g = await h.call('video_generate', { shot_id: shots[1] });
    expect(g.take_number).toBe(2);
    const m = await take(shots[1]);
    expect(m.start_frame_used).toBe(r.start_frame);
    expect(await frameDiff(h.studio.library.absPath(m), h.studio.library.absPath(await take(shots[0])), { aFrame: 'first', bFrame: 'last' })).toBeLessThan(2);
  });

  it('use_last_frame is refused on a model without a start frame, naming the models that have one', async () => {
    const { shots } = await twoShots();
    await h.call('video_get_capabilities', { model: 'replicate/acme/text2vid' });
    await h.call('shot_update', { shot_id: shots[1], model: 'replicate/acme/text2vid' });
    const err = await h.callError('use_last_frame', { shot_id: shots[1] });
    expect(err.message).toMatch(/replicate\/acme\/text2vid takes no start frame/);
    expect(err.message).toMatch(/vertex\/veo-3\.1-generate-001/);
  });

  it('video_smooth_transition declines between shots that already join (the next shot continues on the last frame)', async () => {
    const { scene, shots } = await twoShots();
    await h.call('video_generate', { shot_id: shots[1], use_last_frame: true });
    const declined = await h.callError('video_smooth_transition', { from_shot_id: shots[0], duration: 1 });
    expect(declined.code).toBe('invalid_input');
    expect(declined.field).toBe('to_shot_id');
    expect(declined.message).toContain(`already starts on the last frame of '${shots[0]}'`);
    expect(((await h.call('scene_get', { scene_id: scene })) as { shots: unknown[] }).shots).toHaveLength(2);
  });

  it('video_smooth_transition inserts a bridge from the last frame to the next first frame', async () => {
    const { scene, shots } = await twoShots();
    const r = (await h.call('video_smooth_transition', { from_shot_id: shots[0], duration: 1 })) as {
      bridged: boolean;
      bridge_shot_id: string;
      media_id: string;
    };
    expect(r.bridged).toBe(true);
    const view = (await h.call('scene_get', { scene_id: scene })) as { shots: { shot_id: string }[] };
    expect(view.shots.map((s) => s.shot_id)).toEqual([shots[0], r.bridge_shot_id, shots[1]]);
    const bridge = await h.studio.library.get(r.media_id);
    expect(bridge.start_frame_used).toBe((await take(shots[0])).last_frame_id);
    expect(bridge.end_frame_used).toBe((await take(shots[1])).first_frame_id);
    const path = async (id: string) => h.studio.library.absPath(await take(id));
    expect(await frameDiff(h.studio.library.absPath(bridge), await path(shots[0]), { aFrame: 'first', bFrame: 'last' })).toBeLessThan(2);
    // The next shot's first frame is itself one encode away from its start image, so this chain has two generations.
    expect(await frameDiff(h.studio.library.absPath(bridge), await path(shots[1]), { aFrame: 'last', bFrame: 'first' })).toBeLessThan(3);
  });

  it('refuses a bridge model the studio does not offer, naming the field, the model and the offered ones; nothing changes', async () => {
    const { scene, shots } = await twoShots();
    const err = await h.callError('video_smooth_transition', { from_shot_id: shots[0], model: 'vertex/veo-3.1-generate-001', crossfade_seconds: 0.5 });
    expect(err.code).toBe('invalid_input');
    expect(err.field).toBe('model');
    expect(err.model).toBe('vertex/veo-3.1-generate-001');
    expect(err.message).toMatch(/^vertex\/veo-3\.1-generate-001 is not offered here: its provider vertex is not configured \(set GOOGLE_CLOUD_PROJECT/);
    expect(err.message).toMatch(/offered video_generate models: local\/animatic, /);
    expect((await h.studio.store.shots.get(shots[1]))?.transition).toEqual({ type: 'cut', duration: 0 });
    expect(((await h.call('scene_get', { scene_id: scene })) as { shots: unknown[] }).shots).toHaveLength(2);
  });

  it('refuses a bridge model without an end frame', async () => {
    const { scene, shots } = await twoShots();
    const err = await h.callError('video_smooth_transition', { from_shot_id: shots[0], model: 'replicate/minimax/video-01' });
    expect(err.code).toBe('invalid_input');
    expect(err.field).toBe('model');
    expect(err.message).toMatch(/^replicate\/minimax\/video-01 does not take both a start and an end frame/);
    expect(((await h.call('scene_get', { scene_id: scene })) as { shots: unknown[] }).shots).toHaveLength(2);
  });

  it('extract_frames makes a storyboard contact sheet of the scene and frames at given times', async () => {
    const { scene, shots } = await twoShots();
    const sheet = (await h.call('extract_frames', { scene_id: scene })) as { frames: { label: string }[]; rows: unknown[]; contact_sheet_id: string };
    // One row per cut: shot 1's last frame beside shot 2's first (test/server/storyboard.test.ts checks the pixels).
    expect(sheet.rows).toHaveLength(1);
    expect(sheet.frames).toHaveLength(2);
    expect((await h.studio.library.get(sheet.contact_sheet_id)).type).toBe('image');
    const at = (await h.call('extract_frames', { shot_id: shots[0], times: [0.5, 1], contact_sheet: true })) as {
      frames: { media_id: string; label: string }[];
      contact_sheet_id: string;
    };
    expect(at.frames.map((f) => f.label)).toEqual(['0.50 s', '1.00 s']);
    expect(await h.studio.library.get(at.contact_sheet_id)).toMatchObject({ type: 'image', origin: 'frame' });
    const err = await h.callError('extract_frames', { shot_id: shots[0], times: [99] });
    expect(err.field).toBe('times');
  });
});
