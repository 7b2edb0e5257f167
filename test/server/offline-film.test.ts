import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameDiff } from '../../src/media/compare.js';
import { probe } from '../../src/media/probe.js';
import type { MediaRecord } from '../../src/store/media.js';
import { sidecarPath } from '../../src/studio/library.js';
import { makeDemoFilm, type DemoFilm } from '../../scripts/demo-film.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const SPEC_TOOLS = [
  'video_generate',
  'video_get_capabilities',
  'video_smooth_transition',
  'image_generate',
  'voice_tts',
  'voice_v2v',
  'lipsync_image',
  'lipsync_video',
  'extract_frames',
  'use_last_frame',
  'render_scene',
  'render_film',
];
const STUDIO_TOOLS = [
  'character_create',
  'character_update',
  'character_delete',
  'character_list',
  'film_create',
  'film_update',
  'film_delete',
  'film_get',
  'film_list',
  'scene_create',
  'scene_update',
  'scene_delete',
  'scene_reorder',
  'scene_get',
  'shot_create',
  'shot_update',
  'shot_delete',
  'shot_reorder',
  'shot_select_take',
  'shot_add_dialogue',
  'media_import',
  'media_get',
  'media_list',
  'job_get',
  'job_wait',
  'job_cancel',
  'job_list',
  'models_list',
];

describe('the offline film workflow through an MCP client', () => {
  let h: Harness;
  let film: DemoFilm;
  beforeAll(async () => {
    h = await startHarness();
    film = await makeDemoFilm(h.client);
  }, 180_000);
  afterAll(async () => h.close());

  it('lists all twelve spec tools, the studio tools and every resource template', async () => {
    const { tools } = await h.client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of [...SPEC_TOOLS, ...STUDIO_TOOLS]) expect(names).toContain(n);
    for (const t of tools) {
      expect(t.description?.length ?? 0).toBeGreaterThan(20);
      expect(Object.keys(t.annotations ?? {})).toEqual(expect.arrayContaining(['readOnlyHint', 'openWorldHint']));
      expect(t.inputSchema.type).toBe('object');
    }
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(
      [
        'studio://characters/{character_id}',
        'studio://films/{film_id}',
        'studio://jobs/{job_id}',
        'studio://media/{media_id}',
        'studio://media/{media_id}/preview',
        'studio://media/{media_id}/frame/{which}',
        'studio://media/{media_id}/frame/{which}/full',
        'studio://models/{provider}/{model}',
        'studio://scenes/{scene_id}',
      ].sort(),
    );
  });

  it("makes a film whose duration is the sum of its shots' (minus the crossfade)", async () => {
    let expected = 0;
    for (const sceneId of film.scene_ids) {
      const scene = (await h.call('scene_get', { scene_id: sceneId })) as {
        shots: {
          transition: { type: string; duration: number };
          shot_id: string;
          takes: { take_number: number; media_id: string; kind: string }[];
          current_take: { media_id: string };
        }[];
      };
      scene.shots.forEach(async (s, i) => {
        // The render uses the lip-synced take when one exists.
        const lipsync = s.takes.filter((t) => t.kind === 'lipsync').pop();
        const mediaId = lipsync?.media_id ?? s.current_take.media_id;
        const m = await h.studio.store.media.get(mediaId);
        expect(m?.duration).toBeGreaterThan(0);
        expected += m?.duration ?? 0;
        if (i > 0 && s.transition.type === 'crossfade') expected -= s.transition.duration;
      });
    }
    const info = await probe(film.film_path);
    expect(info.videoStreams).toBe(1);
    expect(info.audioStreams).toBe(1);
    expect(Math.abs(info.durationSeconds - expected)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(film.film_duration - expected)).toBeLessThanOrEqual(0.1);
  });

  it("starts the continued shot on the previous shot's exact last frame (pixel compare)", async () => {
    const take = async (shotId: string) => {
      const shot = await h.studio.store.shots.get(shotId);
      const t = await h.studio.store.shots.getTake(shot?.current_take_id ?? '');
      return await h.studio.library.get(t?.media_id ?? '');
    };
    const prev = await take(film.continued.from_shot_id);
    const next = await take(film.continued.to_shot_id);
    expect(next.start_frame_used).toBe(prev.last_frame_id);
    const diff = await frameDiff(h.studio.library.absPath(next), h.studio.library.absPath(prev), { aFrame: 'first', bFrame: 'last' });
    expect(diff).toBeLessThan(2);
    // And it is not trivially equal to any frame: the shot's own last frame differs.
    const own = await frameDiff(h.studio.library.absPath(next), h.studio.library.absPath(prev), { aFrame: 'last', bFrame: 'last' });
    expect(own).toBeGreaterThan(2);
  });

  it('stores metadata for every generated asset, as a row and as a JSON sidecar', async () => {
    const fs = await import('node:fs');
    const m = await h.studio.library.get(film.film_media_id);
    expect(m.type).toBe('video');
    const lipsync = (await h.studio.store.media.list({ shot_id: film.lipsynced_shot_id })).find(
      (x) => x.model === 'local/lipsync-video' && x.origin === 'generated',
    );
    // Its parent is the take it re-synced: the shot's take that was current before the lip-sync take was added.
    const takes = await h.studio.store.shots.takes(film.lipsynced_shot_id);
    const lipsyncTake = takes.find((t) => t.media_id === lipsync?.media_id);
    const sourceTake = takes.filter((t) => t.kind !== 'lipsync' && t.take_number < (lipsyncTake?.take_number ?? 0)).pop();
    expect(sourceTake?.media_id).toMatch(/^med_/);
    expect(lipsync?.parent_media_id).toBe(sourceTake?.media_id);
    const gen = (await h.studio.store.media.list({ shot_id: film.continued.to_shot_id })).find((x) => x.origin === 'generated');
    expect(gen).toMatchObject({ provider: 'local', model: 'local/animatic', type: 'video' });
    expect(gen?.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Its first and last frames are image media derived from it.
    for (const frameId of [gen?.first_frame_id, gen?.last_frame_id]) {
      expect(await h.studio.store.media.get(frameId ?? '')).toMatchObject({ type: 'image', origin: 'frame', parent_media_id: gen?.media_id });
    }
    expect(gen?.first_frame_id).not.toBe(gen?.last_frame_id);
    // local/animatic takes reference images together with a start frame, so the character was injected too.
    expect(gen?.reference_images_used.length).toBe(1);
    const sidecar = JSON.parse(fs.readFileSync(h.studio.store.blobs.abs(sidecarPath(gen as MediaRecord)), 'utf8')) as Record<string, unknown>;
    expect(sidecar.media_id).toBe(gen?.media_id);
    expect(sidecar.start_frame_used).toBe(gen?.start_frame_used);
    const res = await h.client.readResource({ uri: `studio://media/${gen?.media_id}` });
    expect(JSON.parse(String((res.contents[0] as { text: string }).text)).media_id).toBe(gen?.media_id);
  });

  it('re-rendering the film reuses every scene', async () => {
    const again = await h.call('render_film', { film_id: film.film_id });
    expect(again.reused).toBe(true);
    expect((again.scenes as { reused: boolean }[]).every((s) => s.reused)).toBe(true);
  });
});
