import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { migrateCommand } from '../../src/cli/commands/migrate.js';
import type { BlobBackend } from '../../src/store/blob-backend.js';
import { S3BlobBackend } from '../../src/store/blob-s3.js';
import { BlobHashError, listBlobs } from '../../src/store/migrate-blobs.js';
import { MigrationRefused, migrateStudio } from '../../src/store/migrate-studio.js';
import { startHarness, tempDir } from '../helpers/harness.js';
import { freshDatabase, postgresSkipReason } from '../helpers/pg-test-db.js';
import { withStudioDb } from '../helpers/studio-db.js';
import { s3TestSettings } from './blob-s3-env.js';

/**
 * `studio-mcp migrate`: a small embedded studio (a film with a scene of two shots, a line, a render) copied into a
 * fresh Postgres database and an S3 key prefix of its own; the copy is interrupted after a few files and resumed,
 * then a studio on the target must show the same scene and film, the same bytes, and reuse the render.
 */
const s3 = s3TestSettings();
const pgSkip = postgresSkipReason();
const ready = !pgSkip && s3.settings !== undefined;

describe.skipIf(ready || !s3.required)('studio-mcp migrate (services required)', () => {
  it('needs S3', () => {
    throw new Error(`STUDIO_REQUIRE_SERVICES=1 but ${s3.missing}`);
  });
});

interface Source {
  home: string;
  sceneId: string;
  filmId: string;
  renderId: string;
  scene: unknown;
  film: unknown;
}

async function makeSource(): Promise<Source> {
  const h = await startHarness();
  try {
    const filmId = ((await h.call('film_create', { title: 'Hangar', settings: { width: 320, height: 180, fps: 24 } })) as { film: { film_id: string } }).film
      .film_id;
    const sceneId = ((await h.call('scene_create', { film_id: filmId, title: 'Arrival' })) as { scene: { scene_id: string } }).scene.scene_id;
    const ada = ((await h.call('character_create', { name: 'Ada', voice_id: 'ada-calm' })) as { character: { character_id: string } }).character.character_id;
    for (const prompt of ['Ada walks into the hangar', 'Ada looks up at the plane']) {
      const shot = (
        (await h.call('shot_create', { scene_id: sceneId, prompt, character_id: ada, model: 'local/animatic', duration: 1 })) as {
          shot: { shot_id: string };
        }
      ).shot.shot_id;
      await h.call('video_generate', { shot_id: shot });
      if (prompt.includes('looks up')) await h.call('voice_tts', { shot_id: shot, character_id: ada, text: 'Ready.', offset_seconds: 0.1 });
    }
    const render = (await h.call('render_scene', { scene_id: sceneId, qc: false })) as { media_id: string; reused: boolean };
    expect(render.reused).toBe(false);
    const scene = await h.call('scene_get', { scene_id: sceneId });
    const film = await h.call('film_get', { film_id: filmId });
    return { home: h.home, sceneId, filmId, renderId: render.media_id, scene, film };
  } finally {
    await h.close();
  }
}

/** The S3 backend of the target, failing every put after the first `failAfter` (the interruption). */
function failingAfter(inner: BlobBackend, failAfter: number): BlobBackend {
  let puts = 0;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'put') {
        return async (...args: Parameters<BlobBackend['put']>) => {
          if (++puts > failAfter) throw new Error('injected failure: the connection dropped');
          return target.put(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function bytesOf(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe.skipIf(!ready)(`studio-mcp migrate${ready ? '' : ` (skipped: ${pgSkip ?? s3.missing})`}`, () => {
  const settings = s3.settings as NonNullable<typeof s3.settings>;
  const prefix = `migrate-${Date.now()}-${randomBytes(4).toString('hex')}`;
  const drops: (() => Promise<void>)[] = [];
  let source: Source;
  let url: string;
  const backend = (): S3BlobBackend => new S3BlobBackend({ ...settings, prefix, scratchDir: tempDir('migrate-scratch-') });
  const targetEnv = (): Record<string, string> => ({
    STUDIO_DATABASE_URL: url,
    STUDIO_S3_BUCKET: settings.bucket,
    STUDIO_S3_PREFIX: prefix,
    AWS_ENDPOINT_URL_S3: settings.endpoint ?? '',
    AWS_REGION: settings.region ?? 'us-east-1',
    STUDIO_S3_FORCE_PATH_STYLE: '1',
  });

  beforeAll(async () => {
    source = await makeSource();
    const db = await freshDatabase();
    drops.push(db.drop);
    url = db.url;
  }, 60_000);
  afterAll(async () => {
    for (const d of drops) await d();
  });

  it('copies rows and files; an interrupted copy resumes; a studio on the target equals the source and reuses the render', async () => {
    const files = listBlobs(source.home);
    expect(files.length).toBeGreaterThan(6);
    await expect(migrateStudio({ from: source.home, databaseUrl: url, blobs: failingAfter(backend(), 3) })).rejects.toThrow(/injected failure/);

    const done = await migrateStudio({ from: source.home, databaseUrl: url, blobs: backend() });
    expect(done.resumed).toBe(true);
    expect(done.blobs).toMatchObject({ skipped: 3, copied: files.length - 3, verified: 0 });
    expect(done.rows).toMatchObject({ films: 1, scenes: 1, shots: 2, characters: 1, shot_audio: 1, renders: 1 });
    expect(done.rows.takes).toBe(2);
    expect(done.missing).toEqual([]);

    const h = await startHarness({ env: targetEnv() });
    try {
      expect(h.studio.store.engine).toBe('postgres');
      expect(h.studio.store.blobs.backend.kind).toBe('s3');
      expect(await h.call('scene_get', { scene_id: source.sceneId })).toEqual(source.scene);
      expect(await h.call('film_get', { film_id: source.filmId })).toEqual(source.film);
      const media = await h.studio.store.media.get(source.renderId);
      expect(media?.sha256).toMatch(/^[0-9a-f]{64}$/);
      const there = await bytesOf(await h.studio.store.blobs.backend.openRead(media?.file_path as string));
      expect(there.equals(fs.readFileSync(path.join(source.home, media?.file_path as string)))).toBe(true);
      const again = (await h.call('render_scene', { scene_id: source.sceneId, qc: false })) as { media_id: string; reused: boolean };
      expect(again).toMatchObject({ reused: true, media_id: source.renderId });
    } finally {
      await h.close();
    }

    // The command on the finished target copies nothing again (the studio there may be in use); no secret printed.
    const seen: string[] = [];
    const keep = (chunk: unknown): boolean => seen.push(String(chunk)) > 0;
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(keep);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(keep);
    let code: number;
    try {
      code = await migrateCommand(['--to', url, '--from', source.home, '--s3-bucket', settings.bucket], { ...process.env, STUDIO_S3_PREFIX: prefix });
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const printed = seen.join('');
    expect(code, printed).toBe(0);
    expect(printed).toContain(`already migrated: ${source.home} was copied to`);
    expect(printed).toMatch(/^shots\s+2$/m);
    const password = new URL(url).password;
    if (password) expect(printed).not.toContain(password);
    expect(printed).not.toContain(settings.credentials.secretAccessKey);
  }, 60_000);

  it('refuses a target holding another studio, or rows no migration record explains', async () => {
    const other = await startHarness();
    await other.close();
    await expect(migrateStudio({ from: other.home, databaseUrl: url, blobs: backend() })).rejects.toThrow(
      new RegExp(`holds a copy of another studio \\(${source.home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, started`),
    );
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query('DELETE FROM studio_migration');
    } finally {
      await c.end();
    }
    const refused = migrateStudio({ from: source.home, databaseUrl: url, blobs: backend() });
    await expect(refused).rejects.toBeInstanceOf(MigrationRefused);
    await expect(refused).rejects.toThrow(/already holds a studio \(characters: 1, films: 1, scenes: 1, shots: 2, media: \d+, takes: 2,/);
  }, 30_000);

  it('stops on a file whose bytes do not match its hash', async () => {
    const copy = tempDir('migrate-bad-');
    fs.cpSync(source.home, copy, { recursive: true });
    const video = listBlobs(copy).find((f) => /^media\/video\/[0-9a-f]{64}\.mp4$/.test(f.key));
    expect(video).toBeDefined();
    fs.appendFileSync(video?.file as string, 'x');
    const db = await freshDatabase();
    drops.push(db.drop);
    const run = migrateStudio({ from: copy, databaseUrl: db.url });
    await expect(run).rejects.toBeInstanceOf(BlobHashError);
    await expect(run).rejects.toThrow(`the source file '${video?.key}' hashes to sha256`);

    // A media row that records other bytes than its (intact) file holds is caught too.
    const copy2 = tempDir('migrate-bad-row-');
    fs.cpSync(source.home, copy2, { recursive: true });
    const fake = 'f'.repeat(64);
    const key = withStudioDb(copy2, (db) => {
      const row = db.prepare(`SELECT id, file_path FROM media WHERE type = 'image' LIMIT 1`).get() as { id: string; file_path: string };
      db.prepare('UPDATE media SET sha256 = ? WHERE id = ?').run(fake, row.id);
      return row.file_path;
    });
    const real = createHash('sha256')
      .update(fs.readFileSync(path.join(copy2, key)))
      .digest('hex');
    // A fresh target: the failed run above claimed its own for that copy (a re-run of another source is refused).
    const db2 = await freshDatabase();
    drops.push(db2.drop);
    await expect(migrateStudio({ from: copy2, databaseUrl: db.url })).rejects.toThrow(/holds a copy of another studio/);
    await expect(migrateStudio({ from: copy2, databaseUrl: db2.url })).rejects.toThrow(
      `the source file '${key}' hashes to sha256 ${real}, but ${fake} is expected`,
    );
  }, 30_000);
});

describe('studio-mcp migrate: arguments (no services needed)', () => {
  it('wants a postgres --to and a studio folder, and never echoes a password', async () => {
    await expect(migrateCommand([])).rejects.toThrow(/migrate needs --to postgres:\/\//);
    await expect(migrateCommand(['--to', 'mysql://u:hunter22@db/x'])).rejects.toThrow("--to takes a postgres:// or postgresql:// URL, got 'mysql://u@db/x'");
    await expect(migrateCommand(['--to', 'postgres://u:p@h/x', '--s3-bucket', ' '])).rejects.toThrow('--s3-bucket takes a bucket name');
    await expect(migrateCommand(['--to', 'postgres://u:p@h/x', '--bucket', 'b'])).rejects.toBeInstanceOf(UsageError);
    const empty = tempDir('migrate-none-');
    await expect(migrateStudio({ from: empty, databaseUrl: 'postgres://u:p@127.0.0.1:1/x' })).rejects.toThrow(
      `no studio at ${empty} (it has no studio.db); --from names a studio folder`,
    );
  });
});
