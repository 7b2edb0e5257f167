import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../src/errors.js';
import { getBinaries, resetBinariesCache, resolveBinaries } from '../../src/media/binaries.js';
import { ffmpegVersionLine } from '../../src/media/ffmpeg.js';
import { makeTmp, type Tmp } from './fixtures.js';

let tmp: Tmp;
beforeAll(async () => {
  tmp = await makeTmp();
});
afterAll(async () => {
  await tmp.dispose();
  resetBinariesCache();
});

async function fakeExe(p: string): Promise<string> {
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, '#!/bin/sh\nexit 0\n');
  await chmod(p, 0o755);
  return p;
}

function thrown(fn: () => unknown): StudioError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StudioError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('resolveBinaries', () => {
  it('prefers an explicit FFMPEG_PATH and takes ffprobe from beside it', () => {
    const r = resolveBinaries({ ffmpegPath: '/usr/bin/ffmpeg', searchPath: '', bundledFfmpeg: () => undefined });
    expect(r).toEqual({ ffmpeg: '/usr/bin/ffmpeg', ffprobe: '/usr/bin/ffprobe', source: { ffmpeg: 'config', ffprobe: 'config' } });
  });

  it('takes an explicit FFPROBE_PATH over everything', async () => {
    const probe = await fakeExe(tmp.p('custom/ffprobe-x'));
    const r = resolveBinaries({ ffmpegPath: '/usr/bin/ffmpeg', ffprobePath: probe, searchPath: '/usr/bin' });
    expect(r.ffprobe).toBe(probe);
  });

  it('explicit beats bundled, bundled beats PATH', async () => {
    const bundled = await fakeExe(tmp.p('bundle/ffmpeg'));
    const viaBundle = resolveBinaries({ searchPath: '/usr/bin', bundledFfmpeg: () => bundled });
    expect(viaBundle.ffmpeg).toBe(bundled);
    expect(viaBundle.source.ffmpeg).toBe('bundled');
    // ffmpeg-static ships no ffprobe: it falls back to PATH...
    expect(viaBundle.ffprobe).toBe('/usr/bin/ffprobe');
    expect(viaBundle.source.ffprobe).toBe('system');
    // ...unless one sits beside the bundled binary.
    const besideProbe = await fakeExe(tmp.p('bundle/ffprobe'));
    expect(resolveBinaries({ searchPath: '/usr/bin', bundledFfmpeg: () => bundled }).ffprobe).toBe(besideProbe);
    const explicit = resolveBinaries({ ffmpegPath: '/usr/bin/ffmpeg', searchPath: '/usr/bin', bundledFfmpeg: () => bundled });
    expect(explicit.source.ffmpeg).toBe('config');
  });

  it('ignores a bundled path whose download never happened', () => {
    const r = resolveBinaries({ searchPath: '/usr/bin', bundledFfmpeg: () => tmp.p('nope/ffmpeg') });
    expect(r).toMatchObject({ ffmpeg: '/usr/bin/ffmpeg', source: { ffmpeg: 'system' } });
  });

  it('searches PATH in order', async () => {
    const first = await fakeExe(tmp.p('p1/ffmpeg'));
    const r = resolveBinaries({ searchPath: [tmp.p('p0'), tmp.p('p1'), '/usr/bin'].join(path.delimiter), bundledFfmpeg: () => undefined });
    expect(r.ffmpeg).toBe(first);
    expect(r.ffprobe).toBe('/usr/bin/ffprobe');
  });

  it('explains how to get ffmpeg when there is none', () => {
    const e = thrown(() => resolveBinaries({ searchPath: '', bundledFfmpeg: () => undefined }));
    expect(e.code).toBe('provider_unavailable');
    expect(e.message).toMatch(/apt-get install ffmpeg/);
    expect(e.message).toMatch(/brew install ffmpeg/);
    expect(e.message).toMatch(/FFMPEG_PATH/);
  });

  it('rejects a bogus FFMPEG_PATH instead of silently using another binary', () => {
    const e = thrown(() => resolveBinaries({ ffmpegPath: tmp.p('bogus/ffmpeg'), searchPath: '/usr/bin' }));
    expect(e.code).toBe('provider_unavailable');
    expect(e.message).toMatch(/FFMPEG_PATH is set but/);
    expect(e.details.field).toBe('FFMPEG_PATH');
  });

  it('says which one is missing when only ffprobe is absent', async () => {
    const lone = await fakeExe(tmp.p('lone/ffmpeg'));
    const e = thrown(() => resolveBinaries({ searchPath: path.dirname(lone), bundledFfmpeg: () => undefined }));
    expect(e.message).toMatch(/^ffprobe was not found/);
  });
});

describe('getBinaries / ffmpegVersionLine', () => {
  it('caches and honours FFMPEG_PATH from the environment', async () => {
    const before = process.env.FFMPEG_PATH;
    try {
      resetBinariesCache();
      process.env.FFMPEG_PATH = '/usr/bin/ffmpeg';
      const a = getBinaries();
      expect(getBinaries()).toBe(a);
      expect(a.source.ffmpeg).toBe('config');
      process.env.FFMPEG_PATH = tmp.p('bogus');
      expect(() => getBinaries()).toThrow(/FFMPEG_PATH/);
    } finally {
      if (before === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = before;
      resetBinariesCache();
    }
    expect(await ffmpegVersionLine()).toMatch(/^ffmpeg version \S+/);
  });
});
