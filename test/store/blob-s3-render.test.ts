import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runFfprobe } from '../../src/media/ffmpeg.js';
import type { MediaRecord } from '../../src/store/media.js';
import { sidecarPath } from '../../src/studio/library.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { s3TestSettings } from './blob-s3-env.js';

/**
 * End to end on object storage: the same small scene (a still as the character's reference, two generated shots,
 * the second continuing from the first's last frame, a voiced line and an effect bed) made and rendered by a
 * studio on local files and by one on S3 (Ceph RGW from scripts/services-up.sh). The timelines must be identical,
 * nothing but the database and empty scratch may be left in the S3 studio's folder, and a second render is reused.
 */
const s3 = s3TestSettings();
const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

interface Made {
  h: Harness;
  render: { media_id: string; timeline: unknown; duration: number; reused: boolean; warnings: string[] };
  again: { media_id: string; reused: boolean; qc: { ok: boolean; findings: unknown[] } };
  frames: { frames: { label: string }[]; contact_sheet_id: string | null };
  board: { rows: unknown[]; contact_sheet_id: string | null };
  previewBytes: number;
}

async function makeScene(env: Record<string, string>): Promise<Made> {
  const h = await startHarness({ env });
  harnesses.push(h);
  const ref = (await h.call('image_generate', { model: 'local/still', prompt: 'Ada, a pilot in a green jacket, portrait', aspect_ratio: '1:1' })) as {
    media_id: string;
  };
  const ada = (await h.call('character_create', { name: 'Ada', reference_images: [ref.media_id], voice_id: 'ada-calm' })) as {
    character: { character_id: string };
  };
  const adaId = ada.character.character_id;
  const sceneId = ((await h.call('scene_create', { title: 'Hangar', settings: { width: 320, height: 180, fps: 24 } })) as { scene: { scene_id: string } }).scene
    .scene_id;
  const shot = async (prompt: string): Promise<string> =>
    ((await h.call('shot_create', { scene_id: sceneId, prompt, character_id: adaId, model: 'local/animatic', duration: 1 })) as { shot: { shot_id: string } })
      .shot.shot_id;
  const s1 = await shot('Ada walks into the hangar');
  const s2 = await shot('Ada looks up at the plane');
  await h.call('video_generate', { shot_id: s1 });
  await h.call('video_generate', { shot_id: s2, use_last_frame: true });
  await h.call('voice_tts', { shot_id: s2, character_id: adaId, text: 'Ready.', offset_seconds: 0.1 });
  await h.call('lipsync_video', { shot_id: s2 });
  const hum = (await h.call('sfx_generate', { model: 'local/sfx', prompt: 'a hangar hum', duration: 1 })) as { media_id: string };
  await h.call('scene_add_audio', { scene_id: sceneId, media_id: hum.media_id, role: 'sfx', offset_seconds: 0.2, gain_db: -12 });
  const render = (await h.call('render_scene', { scene_id: sceneId, qc: false })) as Made['render'];
  // With QC this time: the check reads the stored render.
  const again = (await h.call('render_scene', { scene_id: sceneId })) as Made['again'];
  // The other ffmpeg paths that read stored files: frames at a time with a contact sheet, a storyboard, a preview.
  const frames = (await h.call('extract_frames', { shot_id: s1, times: [0.5], contact_sheet: true })) as Made['frames'];
  const board = (await h.call('extract_frames', { scene_id: sceneId })) as Made['board'];
  const preview = await h.client.readResource({ uri: `studio://media/${render.media_id}/preview` });
  const previewBytes = Buffer.from((preview.contents[0] as { blob: string }).blob, 'base64').length;
  return { h, render, again, frames, board, previewBytes };
}

describe.skipIf(s3.settings || !s3.required)('a scene rendered on S3 storage (services required)', () => {
  it('needs S3', () => {
    throw new Error(`STUDIO_REQUIRE_SERVICES=1 but ${s3.missing} (run scripts/services-up.sh and source .services/env)`);
  });
});

describe.runIf(s3.settings)('a scene rendered on S3 storage', () => {
  it('has the same timeline as on local files; the objects are in the bucket, the studio folder holds no media', async () => {
    const local = await makeScene({});
    const prefix = `studio-${Date.now()}-${randomBytes(4).toString('hex')}`;
    const settings = s3.settings as NonNullable<typeof s3.settings>;
    const onS3 = await makeScene({
      STUDIO_S3_BUCKET: settings.bucket,
      STUDIO_S3_PREFIX: prefix,
      AWS_ENDPOINT_URL_S3: settings.endpoint ?? '',
      AWS_REGION: settings.region ?? 'us-east-1',
      STUDIO_S3_FORCE_PATH_STYLE: '1',
    });
    expect(onS3.h.studio.store.blobs.backend.kind).toBe('s3');
    expect(local.h.studio.store.blobs.backend.kind).toBe('local');

    // Same timeline up to the ids, which are random per studio.
    const shape = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replace(/\b[a-z]{3}_[0-9a-f]{16}\b/g, '<id>'));
    expect(JSON.stringify(local.render.timeline)).toMatch(/"shot_id":"sht_[0-9a-f]{16}"/);
    expect(shape(onS3.render.timeline)).toEqual(shape(local.render.timeline));
    expect(shape(onS3.render.warnings)).toEqual(shape(local.render.warnings));
    expect(onS3.render.duration).toBeCloseTo(local.render.duration, 2);
    expect(onS3.render.reused).toBe(false);
    // The second render finds the first (its object is there): reused, as on local files.
    expect(onS3.again).toMatchObject({ reused: true, media_id: onS3.render.media_id });
    expect(local.again).toMatchObject({ reused: true, media_id: local.render.media_id });
    expect(typeof onS3.again.qc.ok).toBe('boolean');
    expect({ ok: onS3.again.qc.ok, findings: onS3.again.qc.findings.length }).toEqual({ ok: local.again.qc.ok, findings: local.again.qc.findings.length });

    expect(onS3.frames.frames.map((f) => f.label)).toEqual(['0.50 s']);
    expect(onS3.frames.frames.map((f) => f.label)).toEqual(local.frames.frames.map((f) => f.label));
    expect(onS3.frames.contact_sheet_id).toMatch(/^med_/);
    expect(shape(onS3.board.rows)).toEqual(shape(local.board.rows));
    expect(onS3.board.contact_sheet_id).toMatch(/^med_/);
    expect(onS3.previewBytes).toBeGreaterThan(1000);

    // Every media row's object and sidecar are in the bucket; the render is a playable video there.
    const { store } = onS3.h.studio;
    const rows = await store.media.list({ limit: 1000 });
    expect(rows.length).toBe((await local.h.studio.store.media.list({ limit: 1000 })).length);
    for (const m of rows) {
      expect(await store.blobs.exists(m.file_path)).toBe(true);
      expect(m.file_path).toBe(`media/${m.type}/${m.sha256}${path.posix.extname(m.file_path)}`);
      const sidecar = JSON.parse(await text(await store.blobs.backend.openRead(sidecarPath(m)))) as { media_id: string; sha256: string };
      expect(sidecar).toMatchObject({ media_id: m.media_id, sha256: m.sha256 });
    }
    const renderMedia = (await store.media.get(onS3.render.media_id)) as MediaRecord;
    const url = await store.blobs.presignGet(renderMedia.file_path, 60);
    const seconds = Number((await runFfprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', url as string])).trim());
    expect(seconds).toBeCloseTo(onS3.render.duration, 1);

    // Nothing stored in the studio folder; scratch copies were all released.
    const home = onS3.h.home;
    expect(fs.existsSync(path.join(home, 'media'))).toBe(false);
    expect(fs.existsSync(path.join(home, 'renders'))).toBe(false);
    expect(fs.readdirSync(path.join(home, 'tmp'))).toEqual([]);
  }, 240_000);
});

async function text(r: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
