import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb, meanAbsDiff } from '../../src/media/compare.js';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { extractFrameAt } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';

/** Clips as different models would deliver them: sizes, frame rates, with and without audio. */
async function makeClip(file: string, size: string, rate: number, seconds: number, audio: boolean): Promise<void> {
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
    ...(audio ? ['-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=44100:duration=${seconds}`] : []),
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    '-crf',
    '16',
    '-g',
    '12',
    '-bf',
    '2',
    ...(audio ? ['-c:a', 'aac', '-shortest'] : []),
    file,
  ]);
}

describe('render_scene with clips from different models', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('clips-');
    await makeClip(path.join(dir, 'a.mp4'), '640x360', 30, 2, true);
    await makeClip(path.join(dir, 'b.mp4'), '320x240', 24, 1.5, false);
    await makeClip(path.join(dir, 'c.mp4'), '480x270', 25, 2, true);
    h = await startHarness({ env: { STUDIO_ALLOWED_DIRS: dir } });
  }, 120_000);

  /**
   * A scene of the three clips (each imported afresh, so no test sees another's takes, renders or corrupted
   * files): a, then b with a 0.5 s crossfade, then c on a plain cut.
   */
  const mixedScene = async (): Promise<{ sceneId: string; media: Record<'a' | 'b' | 'c', string> }> => {
    const sceneId = ((await h.call('scene_create', { title: 'mixed', settings: { width: 640, height: 360, fps: 30 } })) as { scene: { scene_id: string } })
      .scene.scene_id;
    const media: Record<string, string> = {};
    for (const [name, transition] of [
      ['a', undefined],
      ['b', { type: 'crossfade', duration: 0.5 }],
      ['c', { type: 'cut' }],
    ] as const) {
      const m = (await h.call('media_import', { path: path.join(dir, `${name}.mp4`) })) as { media_id: string };
      media[name] = m.media_id;
      const shot = ((await h.call('shot_create', { scene_id: sceneId, title: name, ...(transition ? { transition } : {}) })) as { shot: { shot_id: string } })
        .shot.shot_id;
      await h.call('shot_add_take', { shot_id: shot, media_id: m.media_id });
    }
    return { sceneId, media: media as Record<'a' | 'b' | 'c', string> };
  };
  afterAll(async () => h.close());

  it('has the right duration, one video and one audio stream, and the shots at the cuts', async () => {
    const { sceneId, media } = await mixedScene();
    const r = (await h.call('render_scene', { scene_id: sceneId })) as { file_path: string; mode: string; duration: number; reused: boolean };
    expect(r.mode).toBe('encode');
    const info = await probe(r.file_path);
    expect(info.videoStreams).toBe(1);
    expect(info.audioStreams).toBe(1);
    expect(info.width).toBe(640);
    expect(info.height).toBe(360);
    // 2 + 1.5 + 2 − 0.5 (crossfade overlap), within one frame.
    expect(Math.abs(info.durationSeconds - 5)).toBeLessThanOrEqual(1 / 30 + 0.01);

    const lib = async (id: string) => h.studio.library.absPath(await h.studio.library.get(id));
    const at = async (t: number) => {
      const png = path.join(dir, `at-${t}.png`);
      await extractFrameAt(r.file_path, t, png);
      return decodeRgb(png);
    };
    const size = { width: 640, height: 360 };
    // First frame of the scene = first frame of shot a.
    const a0 = await decodeRgb(await lib(media.a), { frame: 'first', size });
    expect(meanAbsDiff((await at(0)).data, a0.data)).toBeLessThan(4);
    // The plain cut into c at 3.0 s: the frame there is c's first frame (scaled to the scene size).
    const c0 = await decodeRgb(await lib(media.c), { frame: 'first', size });
    expect(meanAbsDiff((await at(3.0)).data, c0.data)).toBeLessThan(6);
    // And it is not c's last frame (the comparison can tell frames apart).
    const cLast = await decodeRgb(await lib(media.c), { frame: 'last', size });
    expect(meanAbsDiff((await at(3.0)).data, cLast.data)).toBeGreaterThan(6);
    // The last frame of the scene is c's last frame.
    const last = path.join(dir, 'scene-last.png');
    const { extractLastFrame } = await import('../../src/media/frames.js');
    await extractLastFrame(r.file_path, last);
    expect(meanAbsDiff((await decodeRgb(last)).data, cLast.data)).toBeLessThan(6);
  });

  it('an unchanged scene is reused; changing one take renders again', async () => {
    const { sceneId, media } = await mixedScene();
    const first = (await h.call('render_scene', { scene_id: sceneId })) as { reused: boolean };
    expect(first.reused).toBe(false);
    const again = (await h.call('render_scene', { scene_id: sceneId })) as { reused: boolean };
    expect(again.reused).toBe(true);
    const shots = (await h.call('scene_get', { scene_id: sceneId })) as { shots: { shot_id: string }[] };
    await h.call('shot_add_take', { shot_id: shots.shots[1]?.shot_id, media_id: media.a });
    const changed = (await h.call('render_scene', { scene_id: sceneId })) as { reused: boolean; duration: number };
    expect(changed.reused).toBe(false);
    expect(Math.abs(changed.duration - 5.5)).toBeLessThanOrEqual(0.05);
  });

  it('a corrupt take is a clear error naming the shot, and no render is recorded', async () => {
    const { sceneId } = await mixedScene();
    const fs = await import('node:fs');
    const bad = path.join(dir, 'bad.mp4');
    fs.writeFileSync(bad, fs.readFileSync(path.join(dir, 'a.mp4')).subarray(0, 3000));
    const err = await h.callError('media_import', { path: bad });
    expect(err.code).toBe('invalid_input');
    // Corrupt the stored file of a take behind the studio's back: the render must refuse and record nothing.
    const shots = (await h.call('scene_get', { scene_id: sceneId })) as { shots: { shot_id: string; current_take: { media_id: string } }[] };
    const target = await h.studio.library.get(shots.shots[2]?.current_take.media_id as string);
    fs.chmodSync(h.studio.library.absPath(target), 0o644);
    fs.writeFileSync(h.studio.library.absPath(target), Buffer.from('garbage'));
    const e2 = await h.callError('render_scene', { scene_id: sceneId, force: true });
    expect(e2.message).toContain(shots.shots[2]?.shot_id);
    expect(await h.studio.store.renders.list('scene', sceneId)).toEqual([]);
  });
});
