import { copyFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../src/errors.js';
import { FORMAT_WHITELIST, inputFile, outputFile, runFfmpeg } from '../../src/media/ffmpeg.js';
import { extractFirstFrame, extractLastFrame } from '../../src/media/frames.js';
import { makeAnimatic } from '../../src/media/placeholders.js';
import { probe } from '../../src/media/probe.js';
import { makeClip, makeTmp, type Tmp } from './fixtures.js';

let tmp: Tmp;
let clip: string;
beforeAll(async () => {
  tmp = await makeTmp();
  clip = await makeClip(tmp.p('src.mp4'), { seconds: 1 });
});
afterAll(() => tmp.dispose());

describe('argument injection safety', () => {
  it('reads files named like options, protocols and URLs as plain files', async () => {
    for (const name of ['-i', 'concat:x', 'http:evil', '-y', 'pipe:0', 'a|b', "it's; rm -rf ~"]) {
      const p = path.join(tmp.dir, name);
      await copyFile(clip, p);
      const info = await probe(p);
      expect(info.hasVideo).toBe(true);
      await extractFirstFrame(p, path.join(tmp.dir, `${name}.png`));
      await extractLastFrame(p, path.join(tmp.dir, `${name}.last.png`));
      expect((await stat(path.join(tmp.dir, `${name}.last.png`))).size).toBeGreaterThan(0);
    }
  });

  it('never follows a concat: or http: name when the file does not exist', async () => {
    const e = await probe(path.join(tmp.dir, 'concat:src.mp4|src.mp4')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StudioError);
    expect((e as StudioError).code).toBe('invalid_input');
  });

  it('builds file: URLs from absolute paths', () => {
    expect(inputFile('rel/x.mp4').at(-1)).toBe('file:' + path.resolve('rel/x.mp4'));
    expect(inputFile('/a/-i')).toEqual(['-protocol_whitelist', 'file,pipe', ...FORMAT_WHITELIST, '-i', 'file:/a/-i']);
    expect(outputFile('/a/pipe:1')).toBe('file:/a/pipe:1');
  });
});

describe('runFfmpeg', () => {
  it('reports progress as fractions ending at 1', async () => {
    const seen: number[] = [];
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=4', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4', outputFile(tmp.p('p.mp4'))], {
      onProgress: (f) => seen.push(f),
      expectedDurationSeconds: 4,
    });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((f) => f >= 0 && f <= 1)).toBe(true);
    expect(seen.at(-1)).toBe(1);
  });

  it('cancellation kills ffmpeg and leaves no file', async () => {
    const ac = new AbortController();
    const out = tmp.p('canceled.mp4');
    const job = makeAnimatic({ prompt: 'long', durationSeconds: 60, width: 640, height: 360, fps: 30 }, out, {
      signal: ac.signal,
      onProgress: () => ac.abort(),
    });
    setTimeout(() => ac.abort(), 1500);
    await expect(job).rejects.toMatchObject({ code: 'canceled' });
    const left = (await readdir(tmp.dir)).filter((n) => n.includes('canceled'));
    expect(left).toEqual([]);
  });

  it('an already-aborted signal never starts ffmpeg', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runFfmpeg(['-version'], { signal: ac.signal })).rejects.toMatchObject({ code: 'canceled' });
  });

  it('fails with a short safe summary, never the command line', async () => {
    const e = (await runFfmpeg([...inputFile(tmp.p('missing.mp4')), '-f', 'null', '-'], { what: 'test run' }).catch((x: unknown) => x)) as StudioError;
    expect(e).toBeInstanceOf(StudioError);
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/^test run: /);
    expect(e.message).not.toContain('-nostdin');
    expect(e.message).not.toContain('protocol_whitelist');
    expect(e.message.length).toBeLessThan(400);
    const bad = (await runFfmpeg(['-f', 'lavfi', '-i', 'nosuchfilter=1', '-f', 'null', '-']).catch((x: unknown) => x)) as StudioError;
    expect(bad.code).toBe('internal');
  });
});

describe('probe of a clip made through the runner', () => {
  it('is consistent', async () => {
    expect((await probe(clip)).nbFrames).toBe(25);
  });
});
