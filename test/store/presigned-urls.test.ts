import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaRecord } from '../../src/store/media.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { s3TestSettings } from './blob-s3-env.js';

/**
 * On object storage, what a remote client needs to get bytes: tool results and the studio://media/{id} resource
 * carry a presigned GET `url` (and an honest `s3://bucket/key` where a local path used to be), which plain fetch()
 * downloads with the item's exact sha256; binary resources still read. On local files nothing changes (no url).
 */
const s3 = s3TestSettings();
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe.skipIf(s3.settings || !s3.required)('presigned URLs on S3 (services required)', () => {
  it('needs S3', () => {
    throw new Error(`STUDIO_REQUIRE_SERVICES=1 but ${s3.missing} (run scripts/services-up.sh and source .services/env)`);
  });
});

describe.runIf(s3.settings)('presigned URLs in results and resources on S3', () => {
  const settings = s3.settings as NonNullable<typeof s3.settings>;
  const prefix = `presign-${randomBytes(4).toString('hex')}`;
  let h: Harness;
  /** Every result and resource body this test saw, to search for the secret key. */
  const seen: string[] = [];
  const call = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const r = await h.call(name, args);
    seen.push(JSON.stringify(r));
    return r;
  };
  const resource = async (uri: string): Promise<{ text?: string; blob?: string }> => {
    const r = (await h.client.readResource({ uri })).contents[0] as { text?: string; blob?: string };
    seen.push(r.text ?? '');
    return r;
  };
  const record = async (id: string): Promise<MediaRecord> => (await h.studio.store.media.get(id)) as MediaRecord;
  const objectUri = (m: MediaRecord): string => `s3://${settings.bucket}/${prefix}/${m.file_path}`;

  beforeAll(async () => {
    h = await startHarness({
      env: {
        STUDIO_S3_BUCKET: settings.bucket,
        STUDIO_S3_PREFIX: `${prefix}/`,
        AWS_ENDPOINT_URL_S3: settings.endpoint ?? '',
        AWS_REGION: settings.region ?? 'us-east-1',
        STUDIO_S3_FORCE_PATH_STYLE: '1',
        STUDIO_S3_URL_TTL: '120',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a generated item: its result and its studio://media resource carry a url that downloads its exact bytes', async () => {
    const made = await call('image_generate', { model: 'local/still', prompt: 'a lighthouse at dusk', aspect_ratio: '1:1' });
    const m = await record(String(made.media_id));
    expect(made.file_path).toBe(objectUri(m));
    const url = String(made.url);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('120');
    expect(sha256(await download(url))).toBe(m.sha256);

    const res = JSON.parse((await resource(`studio://media/${m.media_id}`)).text ?? '{}') as MediaRecord & { url: string };
    expect(res.file_path).toBe(m.file_path);
    expect(sha256(await download(res.url))).toBe(m.sha256);

    const got = await call('media_get', { media_id: m.media_id });
    expect(got.absolute_path).toBe(objectUri(m));
    expect(sha256(await download(String(got.url)))).toBe(m.sha256);
  });

  it('a render, its full frame (binary), its subtitles and a contact sheet: urls and binary reads work on S3', async () => {
    const sceneId = ((await call('scene_create', { title: 'Pier', settings: { width: 320, height: 180, fps: 24 } })) as { scene: { scene_id: string } }).scene
      .scene_id;
    const shotId = (
      (await call('shot_create', { scene_id: sceneId, prompt: 'waves on the pier', model: 'local/animatic', duration: 1 })) as {
        shot: { shot_id: string };
      }
    ).shot.shot_id;
    const clip = await call('video_generate', { shot_id: shotId });
    await call('voice_tts', { shot_id: shotId, voice_id: 'ada-calm', text: 'Hold the line.', offset_seconds: 0.1 });
    const render = await call('render_scene', { scene_id: sceneId, qc: false });
    const rm = await record(String(render.media_id));
    expect(render.file_path).toBe(objectUri(rm));
    expect(sha256(await download(String(render.url)))).toBe(rm.sha256);

    // A binary resource still reads on S3: the full last frame has the frame item's bytes.
    const video = await record(String(clip.media_id));
    const frame = await record(video.last_frame_id as string);
    const full = await resource(`studio://media/${video.media_id}/frame/last/full`);
    expect(sha256(Buffer.from(full.blob ?? '', 'base64'))).toBe(frame.sha256);
    const preview = await resource(`studio://media/${video.media_id}/preview`);
    expect(Buffer.from(preview.blob ?? '', 'base64').length).toBeGreaterThan(1000);

    const subs = (await call('subtitles_export', { scene_id: sceneId, format: 'srt' })) as { files: { format: string; path: string; url: string }[] };
    expect(subs.files.map((f) => f.path)).toEqual([`s3://${settings.bucket}/${prefix}/subtitles/${sceneId}.srt`]);
    expect((await download(subs.files[0]?.url as string)).toString('utf8')).toContain('Hold the line.');

    const sheet = await call('extract_frames', { shot_id: shotId, times: [0.5], contact_sheet: true });
    const sm = await record(String(sheet.contact_sheet_id));
    expect(sheet.contact_sheet_path).toBe(objectUri(sm));
    expect(sha256(await download(String(sheet.contact_sheet_url)))).toBe(sm.sha256);
  }, 20_000);

  it('a presigned URL carries a signature, never the secret key', () => {
    const secret = process.env.AWS_SECRET_ACCESS_KEY as string;
    expect(secret.length).toBeGreaterThan(8);
    expect(seen.join('\n')).toContain('X-Amz-Signature=');
    expect(seen.filter((s) => s.includes(secret))).toEqual([]);
  });
});

describe('on local files nothing changes', () => {
  it('a generated item has its local path and no url', async () => {
    const h = await startHarness();
    try {
      const made = await h.call('image_generate', { model: 'local/still', prompt: 'a lighthouse at dusk', aspect_ratio: '1:1' });
      const m = (await h.studio.store.media.get(String(made.media_id))) as MediaRecord;
      expect(made.file_path).toBe(path.join(h.home, m.file_path));
      expect('url' in made).toBe(false);
      const res = JSON.parse(((await h.client.readResource({ uri: `studio://media/${m.media_id}` })).contents[0] as { text: string }).text) as object;
      expect('url' in res).toBe(false);
    } finally {
      await h.close();
    }
  });
});
