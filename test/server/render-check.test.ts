import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge, type QcShot } from '../../src/studio/render-check.js';
import type { MediaRecord } from '../../src/store/media.js';
import { startHarness, type Harness } from '../helpers/harness.js';

interface Finding {
  severity: string;
  check: string;
  start?: number;
  end?: number;
  shot_id?: string;
  fix?: string;
}
interface Qc {
  ok: boolean;
  findings: Finding[];
}

/** A 3 s test clip with sound whose middle second is `middle` (black, or the first frame held). */
function clip(file: string, middle: 'black' | 'freeze' | 'none'): string {
  const v =
    middle === 'black'
      ? '[0:v]trim=0:1,setpts=PTS-STARTPTS[a];color=c=black:s=320x180:r=24:d=1[b];' +
        '[0:v]trim=2:3,setpts=PTS-STARTPTS[c];[a][b][c]concat=n=3:v=1:a=0,format=yuv420p[v]'
      : middle === 'freeze'
        ? '[0:v]trim=0:1,setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop_duration=2,format=yuv420p[v]'
        : '[0:v]format=yuv420p[v]';
  execFileSync('ffmpeg', [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=320x180:r=24:d=3',
    '-f',
    'lavfi',
    '-i',
    'sine=f=300:d=3:sample_rate=48000',
    '-filter_complex',
    v,
    '-map',
    '[v]',
    '-map',
    '1:a',
    '-t',
    '3',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    file,
  ]);
  return file;
}

describe('render checks (QC)', () => {
  let h: Harness;
  let scene: string;
  const shotIn = async (s: string, duration = 3): Promise<string> =>
    ((await h.call('shot_create', { scene_id: s, prompt: 'x', model: 'local/animatic', duration })) as { shot: { shot_id: string } }).shot.shot_id;
  const take = async (shotId: string, file: string): Promise<void> => {
    const m = (await h.call('media_import', { path: file })) as { media_id?: string; media?: { media_id: string } };
    await h.call('shot_add_take', { shot_id: shotId, media_id: m.media_id ?? m.media?.media_id });
  };
  beforeAll(async () => {
    h = await startHarness();
    await h.call('film_create', { title: 'qc' });
    scene = ((await h.call('scene_create', { title: 'qc', settings: { width: 320, height: 180, fps: 24 } })) as { scene: { scene_id: string } }).scene.scene_id;
  }, 60_000);
  afterAll(async () => h.close());

  it('a clean scene of placeholder shots and lines has no findings', async () => {
    const s = ((await h.call('scene_create', { title: 'clean', settings: { width: 320, height: 180, fps: 24 } })) as { scene: { scene_id: string } }).scene
      .scene_id;
    const a = await shotIn(s);
    const b = await shotIn(s, 2);
    await h.call('shot_update', { shot_id: b, continues: true });
    const mara = ((await h.call('character_create', { name: 'M' })) as { character: { character_id: string } }).character.character_id;
    await h.call('video_generate', { shot_id: a });
    await h.call('voice_tts', { shot_id: a, character_id: mara, text: 'Hello there.', offset_seconds: 0.5 });
    await h.call('lipsync_video', { shot_id: a });
    await h.call('video_generate', { shot_id: b, use_last_frame: true });
    const r = (await h.call('render_scene', { scene_id: s })) as { qc: Qc };
    expect(r.qc).toMatchObject({ ok: true, findings: [] });
  });

  it('finds a 1 s black insert, a 2 s freeze and a silent line with their shots and times', async () => {
    const black = await shotIn(scene);
    const frozen = await shotIn(scene);
    const speaking = await shotIn(scene);
    await take(black, clip(path.join(h.home, 'black.mp4'), 'black'));
    await take(frozen, clip(path.join(h.home, 'freeze.mp4'), 'freeze'));
    await take(speaking, clip(path.join(h.home, 'plain.mp4'), 'none'));
    // A line whose recording is silence: where the audience should hear words, the render is quiet.
    execFileSync('ffmpeg', [
      '-nostdin',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=48000:cl=mono',
      '-t',
      '1.5',
      path.join(h.home, 'silent.wav'),
    ]);
    const silent = (await h.call('media_import', { path: path.join(h.home, 'silent.wav') })) as { media_id: string };
    const line = (await h.call('shot_add_dialogue', {
      shot_id: speaking,
      audio: silent.media_id,
      offset_seconds: 0.5,
      gain_db: 0,
      text: 'Words nobody hears.',
    })) as { dialogue: { audio_id: string } };
    const r = (await h.call('render_scene', { scene_id: scene })) as { qc: Qc; duration: number };
    const byCheck = (c: string): Finding[] => r.qc.findings.filter((f) => f.check === c);
    expect(byCheck('black')).toEqual([expect.objectContaining({ severity: 'error', shot_id: black })]);
    const b = byCheck('black')[0] as Finding;
    expect(Math.abs((b.start ?? 0) - 1)).toBeLessThanOrEqual(0.1);
    expect(Math.abs((b.end ?? 0) - 2)).toBeLessThanOrEqual(0.1);
    expect(byCheck('frozen')).toEqual([expect.objectContaining({ severity: 'warning', shot_id: frozen, fix: `video_generate(shot_id: "${frozen}")` })]);
    const f = byCheck('frozen')[0] as Finding;
    expect(Math.abs((f.start ?? 0) - 3.96)).toBeLessThanOrEqual(0.15);
    expect(Math.abs((f.end ?? 0) - 6)).toBeLessThanOrEqual(0.1);
    expect(r.qc.ok).toBe(false);
    // The tone of the clip plays under the silent line, so that line is not silent in the mix: no finding for it.
    expect(byCheck('silent_line')).toEqual([]);
    expect(line.dialogue.audio_id).toMatch(/^aud_/);
  });

  it('a line that is silent in the mix is found, and a stale cut is reported with its fix (render_check)', async () => {
    const s = ((await h.call('scene_create', { title: 'quiet', settings: { width: 320, height: 180, fps: 24 } })) as { scene: { scene_id: string } }).scene
      .scene_id;
    const a = await shotIn(s, 3);
    const b = await shotIn(s, 2);
    await h.call('video_generate', { shot_id: a });
    await h.call('video_generate', { shot_id: b, use_last_frame: true });
    const silent = (await h.call('media_import', { path: path.join(h.home, 'silent.wav') })) as { media_id: string };
    const line = (await h.call('shot_add_dialogue', { shot_id: a, audio: silent.media_id, offset_seconds: 0.5, text: 'Lost words.' })) as {
      dialogue: { audio_id: string };
    };
    // A new take that looks different (the same prompt would make the same picture, and the cut would still join).
    await h.call('video_generate', { shot_id: a, prompt: 'something else' });
    const r = (await h.call('render_scene', { scene_id: s })) as { qc: Qc };
    expect(r.qc.findings.map((x) => [x.check, x.shot_id])).toEqual([
      ['silent_line', a],
      ['continuity', b],
    ]);
    expect(r.qc.findings[0]?.fix).toContain(line.dialogue.audio_id);
    expect(r.qc.findings[1]?.fix).toBe(`video_generate(shot_id: "${b}", use_last_frame: true)`);
    const again = (await h.call('render_check', { scene_id: s })) as unknown as Qc & { media_id: string };
    expect(again.findings.map((x) => x.check)).toEqual(['silent_line', 'continuity']);
  });

  it('judges loudness against the target only when normalised', () => {
    const media = { duration: 4, width: 320, height: 180, has_audio: true } as MediaRecord;
    const shots: QcShot[] = [{ shot: 1, shot_id: 's1', take: 1, start: 0, end: 4, still: false }];
    const scan = { black: [], frozen: [], silent: [], integratedLufs: -13, truePeakDb: -3 };
    expect(judge(scan, media, shots, [], { width: 320, height: 180, targetLufs: -16 }).findings).toEqual([
      { severity: 'warning', check: 'loudness', message: 'integrated loudness -13 LUFS is 3 LU above the target -16 LUFS' },
    ]);
    expect(judge(scan, media, shots, [], { width: 320, height: 180 }).findings).toEqual([]);
    expect(judge({ ...scan, truePeakDb: 0.2 }, media, shots, [], { width: 320, height: 180 }).findings.map((f) => f.check)).toEqual(['peak']);
  });
});
