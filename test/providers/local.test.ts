import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Capability } from '../../src/capabilities/types.js';
import { frameDiff } from '../../src/media/compare.js';
import { probe } from '../../src/media/probe.js';
import { createLocalAdapter, videoSize } from '../../src/providers/local.js';
import type { AdapterContext, MediaInput, ProviderOutput, ProviderRequest } from '../../src/providers/types.js';
import { makeClip, makeImage, makeTmp, type Tmp } from '../media/fixtures.js';

let tmp: Tmp;
beforeAll(async () => {
  tmp = await makeTmp('studio-local-');
});
afterAll(() => tmp.dispose());

async function capability(name: string): Promise<Capability> {
  const file = path.join(process.cwd(), 'capability-schemas', 'local', `${name}.json`);
  return Capability.parse(JSON.parse(await readFile(file, 'utf8')));
}

function mediaInput(p: string, kind: MediaInput['kind'], mime: string): MediaInput {
  return { mediaId: path.basename(p), path: p, mime, kind, sha256: '0'.repeat(64), bytes: 1 };
}

function ctx(progress?: number[]): AdapterContext {
  return {
    signal: new AbortController().signal,
    fetch: globalThis.fetch,
    workDir: path.join(tmp.dir, 'work'),
    onProgress: (p) => progress?.push(p),
    log: () => undefined,
  };
}

async function run(name: string, fields: Record<string, unknown>, progress?: number[]): Promise<Extract<ProviderOutput, { kind: 'file' }>> {
  const adapter = createLocalAdapter();
  const req: ProviderRequest = { jobId: `job/${name}`, capability: await capability(name), fields };
  const res = await adapter.start(req, ctx(progress));
  expect(res.kind).toBe('done');
  if (res.kind !== 'done') throw new Error('not done');
  const out = res.outputs[0];
  if (out?.kind !== 'file') throw new Error('expected a file output');
  expect(path.dirname(out.path)).toBe(path.join(tmp.dir, 'work'));
  const dest = tmp.p(`${name}-downloaded${path.extname(out.path)}`);
  expect(await adapter.download(out, dest, ctx())).toEqual({ mime: out.mime });
  expect((await stat(dest)).size).toBeGreaterThan(0);
  return { ...out, path: dest };
}

describe('local adapter', () => {
  it('is available when ffmpeg resolves', () => {
    expect(createLocalAdapter().availability()).toEqual({ available: true });
    expect(createLocalAdapter().provider).toBe('local');
  });

  it('animatic honours start/end frames, duration, resolution, aspect', async () => {
    const start = await makeImage(tmp.p('start.png'), 640, 360);
    const end = await makeImage(tmp.p('end.png'), 640, 360, 'purple');
    const ref = await makeImage(tmp.p('ref.png'), 90, 120, 'green');
    const progress: number[] = [];
    const out = await run(
      'animatic',
      {
        prompt: 'the hero turns',
        start_frame: mediaInput(start, 'image', 'image/png'),
        end_frame: mediaInput(end, 'image', 'image/png'),
        reference_images: [mediaInput(ref, 'image', 'image/png')],
        character_name: 'Ada',
        duration: 1,
        resolution: '360p',
        aspect_ratio: '16:9',
        fps: 12,
      },
      progress,
    );
    expect(out.mime).toBe('video/mp4');
    const info = await probe(out.path);
    expect(info).toMatchObject({ width: 640, height: 360, nbFrames: 12 });
    expect(await frameDiff(start, out.path)).toBeLessThan(2);
    expect(await frameDiff(end, out.path, { bFrame: 'last' })).toBeLessThan(2);
    // ffmpeg reports progress as it goes (how often depends on the machine): fractions that only grow.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p, i) => p >= 0 && p <= 1 && p >= (progress[i - 1] ?? 0))).toBe(true);
  });

  it('maps resolution × aspect to even sizes', () => {
    expect(videoSize('480p', '16:9')).toEqual({ width: 854, height: 480 });
    expect(videoSize('480p', '9:16')).toEqual({ width: 480, height: 854 });
    expect(videoSize('720p', '1:1')).toEqual({ width: 720, height: 720 });
    expect(videoSize('360p', '16:9')).toEqual({ width: 640, height: 360 });
  });

  it('still, voice (tts and v2v) and lip-sync (image and video)', async () => {
    const still = await run('still', { prompt: 'a lighthouse', aspect_ratio: '1:1' });
    expect(still.mime).toBe('image/png');
    expect(await probe(still.path)).toMatchObject({ width: 1024, height: 1024 });

    const tts = await run('voice', { text: 'one two three four five', voice_id: 'ada', output_format: 'wav' });
    expect(tts.mime).toBe('audio/wav');
    expect((await probe(tts.path)).durationSeconds).toBeCloseTo(2, 1);
    const mp3 = await run('voice', { text: 'hello there', voice_id: 'bob' });
    expect(mp3.mime).toBe('audio/mpeg');

    const v2v = await run('voice-changer', { audio: mediaInput(tts.path, 'audio', 'audio/wav'), voice_id: 'bob' });
    expect(Math.abs((await probe(v2v.path)).durationSeconds - 2)).toBeLessThan(0.1);

    const face = await makeImage(tmp.p('face.png'), 300, 400, 'tan');
    const ls = await run('lipsync', { image: mediaInput(face, 'image', 'image/png'), audio: mediaInput(tts.path, 'audio', 'audio/wav') });
    const lsInfo = await probe(ls.path);
    expect(lsInfo).toMatchObject({ hasAudio: true, height: 480, width: 360 });
    expect(lsInfo.durationSeconds).toBeCloseTo(2, 1);

    const clip = await makeClip(tmp.p('clip.mp4'), { seconds: 1 });
    const lv = await run('lipsync-video', { video: mediaInput(clip, 'video', 'video/mp4'), audio: mediaInput(tts.path, 'audio', 'audio/wav') });
    expect((await probe(lv.path)).durationSeconds).toBeCloseTo(2, 1);
  });

  it('reports a missing media field as invalid_input naming the field', async () => {
    const adapter = createLocalAdapter();
    const req: ProviderRequest = { jobId: 'j', capability: await capability('lipsync'), fields: {} };
    await expect(adapter.start(req, ctx())).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'audio' } });
  });

  it('refuses to download non-file outputs', async () => {
    await expect(createLocalAdapter().download({ kind: 'url', url: 'https://x' }, tmp.p('x'), ctx())).rejects.toMatchObject({ code: 'internal' });
  });
});
