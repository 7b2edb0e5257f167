import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { StudioError } from '../../src/errors.js';
import { inputFile, runFfmpeg } from '../../src/media/ffmpeg.js';
import { testClip } from '../helpers/clips.js';
import { extractFirstFrame, extractLastFrame } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';
import { fastAdapters } from './helpers.js';
import { sha256 } from '../reliability/helpers.js';

/**
 * Issue 6 item 2, the payloads test/media does not already cover: hostile names through the ffmpeg module and
 * through media_import, and files whose CONTENT points elsewhere (HLS/DASH playlists, concat scripts, SDP, HLS key
 * URIs) — through media_import and as a provider's output. ffmpeg must read the intended file and nothing else:
 * an outside clip with a tell-tale size (176×144, 2.5 s) must never be decoded, and a canary HTTP server on
 * 127.0.0.1 must see zero connections.
 */

let dir: string; // allowed folder (STUDIO_ALLOWED_DIRS)
let outside: string; // not allowed
let clip: string;
let png: string;
let secretTs: string;
let secretMp4: string;
let canary: http.Server;
let canaryPort = 0;
let canaryHits = 0;
let h: Harness;
let fake: ReplicateFake;

const NAMES = [
  '-i',
  '-f',
  '-y',
  '-filter_complex',
  '-map 0',
  '-ss 100',
  '-',
  'concat:a.mp4|b.mp4',
  'http:evil.mp4',
  'https:evil.mp4',
  'subfile,,start,0,end,100,,:clip.mp4',
  'file:clip.mp4',
  'pipe:0',
  'pipe:1.mp4',
  'data:video;base64,AAAA.mp4',
  'crypto:clip.mp4',
  'cache:clip.mp4',
  'tee:a.mp4|b.mp4',
  "it's $(id) `id`; rm -rf ~.mp4",
  'ünïcödé 🎬.mp4',
];

beforeAll(async () => {
  dir = tempDir('studio-ffargs-');
  outside = tempDir('studio-ffargs-outside-');
  clip = path.join(dir, 'clip.mp4');
  png = path.join(dir, 'real.png');
  secretTs = path.join(outside, 'secret.ts');
  secretMp4 = path.join(outside, 'secret.mp4');
  await testClip(clip, { toneHz: null });
  await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64', '-frames:v', '1', `file:${png}`]);
  // The outside clip: 176×144, 2.5 s — if any result has that size, ffmpeg read a file it should not have.
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=176x144:rate=10:duration=2.5',
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-f',
    'mpegts',
    `file:${secretTs}`,
  ]);
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=176x144:rate=10:duration=2.5',
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    `file:${secretMp4}`,
  ]);
  canary = http.createServer((_req, res) => res.end('canary'));
  canary.on('connection', () => void canaryHits++);
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  canaryPort = (canary.address() as AddressInfo).port;
  fake = await startReplicateFake();
  const home = tempDir('studio-ffargs-home-');
  const env = { STUDIO_HOME: home, STUDIO_ALLOWED_DIRS: dir, REPLICATE_API_TOKEN: 'r8_ffargs_0123456789', REPLICATE_BASE_URL: fake.url };
  h = await startHarness({ home, env, studio: { adapters: fastAdapters(loadConfig(env)) } });
});

afterAll(async () => {
  await h.close();
  await fake.close();
  canary.closeAllConnections();
  await new Promise<void>((r) => canary.close(() => r()));
});

/** Files whose content makes a demuxer open something else. */
function playlists(): { name: string; body: string }[] {
  const seg = (url: string): string => `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.5,\n${url}\n#EXT-X-ENDLIST\n`;
  const canaryUrl = `http://127.0.0.1:${canaryPort}/seg.ts`;
  return [
    { name: 'evil.m3u8', body: seg(secretTs) },
    { name: 'evil-hls-named.mp4', body: seg(secretTs) },
    { name: 'file-url.m3u8', body: seg(`file:${secretTs}`) },
    { name: 'file-scheme.m3u8', body: seg(`file://${secretTs}`) },
    { name: 'canary.m3u8', body: seg(canaryUrl) },
    { name: 'master.m3u8', body: `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000\n${path.join(outside, 'variant.m3u8')}\n` },
    { name: 'key.m3u8', body: `#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXT-X-KEY:METHOD=AES-128,URI="${canaryUrl}"\n#EXTINF:2.5,\n${secretTs}\n#EXT-X-ENDLIST\n` },
    { name: 'evil.ffconcat', body: `ffconcat version 1.0\nfile ${secretMp4}\n` },
    { name: 'relative.ffconcat', body: `ffconcat version 1.0\nfile link.mp4\n` },
    { name: 'concat-named.mp4', body: `ffconcat version 1.0\nfile '${secretMp4}'\n` },
    {
      name: 'evil.mpd',
      body:
        `<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT2.5S" minBufferTime="PT1S" ` +
        `profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period><AdaptationSet mimeType="video/mp4"><Representation id="1" ` +
        `bandwidth="1000"><BaseURL>file://${secretMp4}</BaseURL></Representation></AdaptationSet></Period></MPD>\n`,
    },
    { name: 'evil.sdp', body: `v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video ${canaryPort} RTP/AVP 96\na=rtpmap:96 H264/90000\n` },
  ];
}

const PLAYLIST_NAMES = [
  'evil.m3u8',
  'evil-hls-named.mp4',
  'file-url.m3u8',
  'file-scheme.m3u8',
  'canary.m3u8',
  'master.m3u8',
  'key.m3u8',
  'evil.ffconcat',
  'relative.ffconcat',
  'concat-named.mp4',
  'evil.mpd',
  'evil.sdp',
];

const TELLTALE = (r: { width?: unknown; height?: unknown } | undefined): boolean => r?.width === 176 && r?.height === 144;

describe('ffmpeg reads the intended file and nothing else', () => {
  it.each(NAMES)('the ffmpeg module reads a file named %j as that file', async (name) => {
    const p = path.join(dir, name);
    fs.copyFileSync(clip, p);
    const info = await probe(p, { cache: false });
    expect([info.width, info.height]).toEqual([160, 90]);
    // First frames for all, last frames (a second decode path) for every other name, to keep the suite quick.
    const first = path.join(dir, `${name}.first.png`);
    await extractFirstFrame(p, first);
    expect(fs.statSync(first).size).toBeGreaterThan(0);
    if (NAMES.indexOf(name) % 2 === 0) {
      const last = path.join(dir, `${name}.last.png`);
      await extractLastFrame(p, last);
      expect(fs.statSync(last).size).toBeGreaterThan(0);
    }
    expect(inputFile(p).at(-1)).toBe(`file:${p}`);
  });

  it('a file named like an image2 sequence pattern is read as itself through media_import', async () => {
    // ffmpeg alone would read frame001.png for 'frame%03d.png' (an image2 sequence): import copies to a safe name.
    const patterned = path.join(dir, 'frame%03d.png');
    fs.copyFileSync(png, patterned);
    await runFfmpeg(['-f', 'lavfi', '-i', 'color=red:size=32x32', '-frames:v', '1', `file:${path.join(dir, 'frame001.png')}`]);
    const r = (await h.call('media_import', { path: patterned })) as { media: { width: number; height: number; sha256: string } };
    expect([r.media.width, r.media.height]).toEqual([64, 64]);
    expect(r.media.sha256).toBe(sha256(png));
  });

  it.each(NAMES)('media_import of a file named %j imports exactly that file', async (name) => {
    // An image keeps this cheap (a video import also extracts frames); the path handling is the same.
    const p = path.join(dir, `imp-${name}`);
    fs.copyFileSync(png, p);
    const r = (await h.call('media_import', { path: p })) as { media: { sha256: string; width: number } };
    expect(r.media.sha256).toBe(sha256(png));
    expect(r.media.width).toBe(64);
  });

  describe('files whose content points elsewhere', () => {
    beforeAll(() => {
      fs.symlinkSync(secretMp4, path.join(dir, 'link.mp4'));
      fs.writeFileSync(path.join(outside, 'variant.m3u8'), playlists()[0]?.body ?? '');
      expect(playlists().map((p) => p.name)).toEqual(PLAYLIST_NAMES);
    });

    it.each(PLAYLIST_NAMES)('%s: media_import refuses it and nothing outside is decoded', async (name) => {
      const pl = playlists().find((p) => p.name === name) as { name: string; body: string };
      const p = path.join(dir, pl.name);
      fs.writeFileSync(p, pl.body);
      const before = (await h.studio.store.media.all()).length;
      const r = await h.raw('media_import', { path: p });
      expect(r.isError, JSON.stringify(r.structuredContent).slice(0, 300)).toBe(true);
      expect((r.structuredContent as { error: { code: string } }).error.code).toBe('invalid_input');
      expect((await h.studio.store.media.all()).length).toBe(before);
      expect((await h.studio.store.media.all()).some((m) => TELLTALE(m))).toBe(false);
    });

    it.each(PLAYLIST_NAMES)('%s: the ffmpeg module refuses it in place (probe and frame extraction)', async (name) => {
      const p = path.join(dir, name);
      const e = await probe(p, { cache: false }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(StudioError);
      expect((e as StudioError).code).toBe('invalid_input');
      const frame = path.join(dir, `${name}.png`);
      const f = await extractFirstFrame(p, frame).catch((x: unknown) => x);
      expect(f).toBeInstanceOf(StudioError);
      expect(fs.existsSync(frame)).toBe(false);
    });

    it(
      'a provider output that is a playlist pointing at a local file is never followed: kept verbatim as unreadable, nothing of the local file ' + 'read',
      async () => {
        const body = playlists()[1]?.body ?? '';
        fake.reset();
        fake.setScenario({ pollsBeforeDone: 0, outputUrls: [fake.addOutput('out.mp4', Buffer.from(body), 'video/mp4')] });
        const r = await h.call('video_generate', { model: 'replicate/bytedance/seedance-1-lite', prompt: 'x', duration: 5, resolution: '480p' });
        // Paid output is kept, but only as the bytes the provider sent, flagged, with no frames and no probed format.
        expect((r.warnings as string[]).join(' ')).toMatch(/not readable video/);
        const m = await h.studio.library.get(String(r.media_id));
        expect(typeof m.extra.unreadable_media).toBe('string');
        expect(m.first_frame_id).toBeNull();
        expect(m.width).toBeNull();
        expect(fs.readFileSync(h.studio.library.absPath(m), 'utf8')).toBe(body);
        expect((await h.studio.store.media.all()).some((x) => TELLTALE(x))).toBe(false);
      },
    );

    it('the canary saw zero connections', () => {
      expect(canaryHits).toBe(0);
    });
  });
});
