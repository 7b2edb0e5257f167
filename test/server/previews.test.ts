import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/media/probe.js';
import { PREVIEW_MAX_BYTES } from '../../src/media/preview.js';
import { type Harness, startHarness, tempDir } from '../helpers/harness.js';

/** studio://media/{id}/preview: a small playable copy a client fetches through MCP (issue 13, part 2). */
describe('media previews', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness();
    dir = tempDir('studio-preview-');
  });
  afterAll(async () => h.close());

  const read = async (id: string): Promise<{ mimeType: string; bytes: Buffer }> => {
    const r = await h.client.readResource({ uri: `studio://media/${id}/preview` });
    const c = r.contents[0] as { mimeType: string; blob: string };
    return { mimeType: c.mimeType, bytes: Buffer.from(c.blob, 'base64') };
  };

  it('a video becomes a 360p H.264 + AAC mp4 with its index first, within 4 MiB, made once', async () => {
    const v = (await h.call('video_generate', { model: 'local/animatic', prompt: 'harbour at dawn', duration: 2, resolution: '720p' })) as { media_id: string };
    const first = await read(v.media_id);
    expect(first.mimeType).toBe('video/mp4');
    expect(first.bytes.length).toBeLessThanOrEqual(PREVIEW_MAX_BYTES);
    // faststart: the moov box comes before the media data, so a player can start at once.
    expect(first.bytes.indexOf('moov')).toBeGreaterThan(0);
    expect(first.bytes.indexOf('moov')).toBeLessThan(first.bytes.indexOf('mdat'));
    const file = path.join(dir, 'preview.mp4');
    fs.writeFileSync(file, first.bytes);
    const info = await probe(file, { cache: false });
    expect(info).toMatchObject({ height: 360, width: 640, videoCodec: 'h264', audioStreams: 1 });
    expect(Math.abs(info.durationSeconds - 2)).toBeLessThan(0.1);
    const stored = path.join(h.home, 'previews', `${v.media_id}.mp4`);
    const made = fs.statSync(stored).mtimeMs;
    const again = await read(v.media_id);
    expect(again.bytes.equals(first.bytes)).toBe(true);
    expect(fs.statSync(stored).mtimeMs).toBe(made);
  });

  it('an image becomes a JPEG at most 360 high; audio becomes AAC in mp4', async () => {
    const img = (await h.call('image_generate', { model: 'local/still', prompt: 'a lighthouse', aspect_ratio: '16:9' })) as { media_id: string };
    const still = await read(img.media_id);
    expect(still.mimeType).toBe('image/jpeg');
    expect(still.bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
    const jpg = path.join(dir, 'still.jpg');
    fs.writeFileSync(jpg, still.bytes);
    expect((await probe(jpg, { cache: false })).height ?? 999).toBeLessThanOrEqual(360);
    const line = (await h.call('voice_tts', { model: 'local/voice', text: 'The boats are late.', voice_id: 'mara-warm' })) as { media_id: string };
    const voice = await read(line.media_id);
    expect(voice.mimeType).toBe('audio/mp4');
    const m4a = path.join(dir, 'line.m4a');
    fs.writeFileSync(m4a, voice.bytes);
    expect(await probe(m4a, { cache: false })).toMatchObject({ audioStreams: 1, videoStreams: 0 });
  });

  it('an unknown media id is a clean resource error', async () => {
    const err = await h.client.readResource({ uri: 'studio://media/nope/preview' }).then(
      () => undefined,
      (e: unknown) => e as { code?: number; message?: string },
    );
    expect(err?.code).toBe(-32602);
    expect(err?.message).toContain("'nope'");
  });
});
