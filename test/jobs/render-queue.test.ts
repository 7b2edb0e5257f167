import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSafeError } from '../../src/errors.js';
import { testClip } from '../helpers/clips.js';
import type { WorkerRole } from '../../src/studio/studio.js';
import { CLI, cli } from '../cli/spawn.js';
import { type Harness, startHarness, tempDir } from '../helpers/harness.js';
import { freshDatabase, postgresSkipReason } from '../helpers/pg-test-db.js';
import { serviceUrl } from '../helpers/services.js';
import { s3TestSettings } from '../store/blob-s3-env.js';

/**
 * The `render` queue: a front end that runs nothing (`serve --no-work`) and render workers, each in its own studio
 * folder, on one Postgres database, one Redis key prefix and one S3 prefix. render_scene on the front end runs on a
 * worker and answers as the embedded render does; an identical request joins a running one; a render worker killed
 * mid-render gives the render to another; a refused render comes back as the same error.
 */
const redis = serviceUrl('STUDIO_TEST_REDIS_URL', 'Redis');
const pgSkip = postgresSkipReason();
const s3 = s3TestSettings();
if (redis.required && !redis.url) throw new Error(`STUDIO_REQUIRE_SERVICES=1 but ${redis.reason}`);
if (s3.required && !s3.settings) throw new Error(`STUDIO_REQUIRE_SERVICES=1 but ${s3.missing}`);
const skip = pgSkip ?? (redis.url ? undefined : redis.reason) ?? s3.missing;

describe('studio-mcp worker --role', () => {
  it('refuses an unknown role with a usage error naming the roles', async () => {
    const r = await cli(['worker', '--role', 'bogus'], { STUDIO_HOME: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--role takes provider, render, all (got 'bogus')");
  });
});

interface SceneResult {
  scene_id: string;
  media_id: string;
  render_id: string;
  reused: boolean;
  file_path: string;
  timeline: { shot_id: string; start: number; end: number }[];
  shots: { shot_id: string; media_id: string }[];
  [key: string]: unknown;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(skip !== undefined)(`render queue: front end + render workers${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: { url: string; drop: () => Promise<void> };
  let env: Record<string, string>;
  let front: Harness;
  let worker: Harness | undefined;
  const frontLog: string[] = [];
  const workerLog: string[] = [];
  const clips = tempDir('render-q-clips-');
  const media: Record<'short' | 'long', string> = { short: '', long: '' };
  const s3Prefix = `h-render-${randomBytes(4).toString('hex')}/`;

  const renderWorker = async (log: string[], role: WorkerRole = 'render'): Promise<Harness> => {
    const h = await startHarness({ home: tempDir('render-q-worker-'), env, studio: { role, log: (m) => log.push(m) } });
    await h.studio.ready();
    return h;
  };

  beforeAll(async () => {
    db = await freshDatabase();
    const s = s3.settings as NonNullable<typeof s3.settings>;
    env = {
      STUDIO_DATABASE_URL: db.url,
      STUDIO_REDIS_URL: redis.url as string,
      STUDIO_REDIS_PREFIX: `render-q${randomBytes(4).toString('hex')}`,
      STUDIO_S3_BUCKET: s.bucket,
      STUDIO_S3_PREFIX: s3Prefix,
      STUDIO_S3_FORCE_PATH_STYLE: '1',
      AWS_ENDPOINT_URL_S3: s.endpoint ?? '',
      AWS_REGION: s.region ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: s.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.credentials.secretAccessKey,
      // A killed render worker's render goes to another within seconds (30 s in production).
      STUDIO_LEASE_SECONDS: '2',
      STUDIO_ALLOWED_DIRS: clips,
    };
    const clip = (name: string, seconds: number): Promise<string> =>
      testClip(path.join(clips, `${name}.mp4`), { seconds, size: '320x180', fps: 24, toneHz: 330, sampleRate: 48000 });
    const files = await Promise.all([clip('short', 1), clip('long', 6)]);
    front = await startHarness({ home: tempDir('render-q-front-'), env, studio: { work: false, log: (m) => frontLog.push(m) } });
    await front.studio.ready();
    media.short = String((await front.call('media_import', { path: files[0] })).media_id);
    media.long = String((await front.call('media_import', { path: files[1] })).media_id);
    worker = await renderWorker(workerLog);
  }, 30_000);

  afterAll(async () => {
    await worker?.close();
    await front?.close();
    await db?.drop();
    const r = new Redis(redis.url as string);
    const keys = await r.keys(`${env.STUDIO_REDIS_PREFIX}:*`);
    if (keys.length) await r.del(...keys);
    await r.quit();
  });

  /** A scene of `shots` shots, each a take of `clip`, crossfading into each other (so the render encodes). */
  const scene = async (
    title: string,
    clip: string,
    shots: number,
    size = { width: 320, height: 180 },
    film: { film_id?: string } = {},
  ): Promise<{ sceneId: string; shotIds: string[] }> => {
    const sceneId = ((await front.call('scene_create', { title, settings: { ...size, fps: 24 }, ...film })) as { scene: { scene_id: string } }).scene.scene_id;
    const shotIds: string[] = [];
    for (let i = 0; i < shots; i++) {
      const transition = i === 0 ? { type: 'cut' } : { type: 'crossfade', duration: 0.25 };
      const shot = ((await front.call('shot_create', { scene_id: sceneId, title: `${title} ${i + 1}`, transition })) as { shot: { shot_id: string } }).shot
        .shot_id;
      await front.call('shot_add_take', { shot_id: shot, media_id: clip });
      shotIds.push(shot);
    }
    return { sceneId, shotIds };
  };

  /** render_scene on the front end with its progress notifications. */
  const render = async (args: Record<string, unknown>, progress: { progress: number; message?: string }[] = []): Promise<CallToolResult> =>
    (await front.client.callTool(
      { name: 'render_scene', arguments: args },
      {
        onprogress: (p) => void progress.push({ progress: p.progress, ...(p.message ? { message: p.message } : {}) }),
      },
    )) as CallToolResult;
  const ok = (r: CallToolResult): SceneResult => {
    if (r.isError) throw new Error(`render_scene failed: ${JSON.stringify(r.structuredContent)}`);
    return r.structuredContent as SceneResult;
  };
  const renderedHere = (log: string[], sceneId: string): string[] => log.filter((m) => m.startsWith(`rendering scene ${sceneId} `));

  it('render_scene on a front end that runs nothing runs on the render worker and answers as the embedded render does', async () => {
    const { sceneId, shotIds } = await scene('worker-made', media.short, 2);
    const progress: { progress: number; message?: string }[] = [];
    const r = ok(await render({ scene_id: sceneId }, progress));
    expect(r.reused).toBe(false);
    expect(r.timeline.map((t) => [t.shot_id, t.start, t.end])).toEqual([
      [shotIds[0], 0, 1],
      [shotIds[1], 0.75, 1.75],
    ]);
    // Rendered on the worker, not here; its progress reached the caller.
    expect(renderedHere(workerLog, sceneId)).toHaveLength(1);
    expect(frontLog.filter((m) => m.startsWith('rendering'))).toEqual([]);
    expect(progress.length).toBeGreaterThan(0);
    // Percent, rising (as the embedded render reports it).
    expect(progress.every((p, i) => p.progress >= 0 && p.progress <= 100 && (i === 0 || p.progress > (progress[i - 1]?.progress ?? 0)))).toBe(true);
    expect(progress.some((p) => p.message === 'rendering scene')).toBe(true);
    // On S3 the tool names the object and a presigned URL, as it does for an embedded render.
    const m = await front.studio.library.get(r.media_id);
    expect(r.file_path).toBe((await front.studio.library.fileRef(m)).path);
    expect(r.file_path).toMatch(/^s3:\/\//);
    expect(typeof r.url).toBe('string');
    // The embedded render of the same scene (in the worker's process, directly): the same render, reused, same shape.
    const direct = await (worker as Harness).studio.render.renderScene(sceneId);
    expect(direct.reused).toBe(true);
    expect(direct.media_id).toBe(r.media_id);
    expect(direct.render_id).toBe(r.render_id);
    expect(Object.keys(r).sort()).toEqual([...Object.keys(direct), 'storyboard', 'url'].sort());
    const { file_path: _a, reused: _b, mode: _c, storyboard: _d, url: _u, ...queued } = r;
    const { file_path: _e, reused: _f, mode: _g, ...embedded } = direct;
    expect(queued).toEqual(embedded);
    // Asked again through the dispatcher itself: the worker finds the same render for the same inputs and does not
    // render; the file's name is the front end's, made from the media id (the worker's folder is another).
    const again = await front.studio.renders.renderScene(sceneId, { qc: true });
    expect(again.reused).toBe(true);
    expect(again.media_id).toBe(r.media_id);
    expect(again.file_path).toBe(front.studio.library.absPath(m));
    expect(again.file_path.startsWith(front.home)).toBe(true);
    expect(renderedHere(workerLog, sceneId)).toHaveLength(2);
    expect(await front.studio.store.renders.list('scene', sceneId)).toHaveLength(1);
  });

  it('render_film runs on the render worker too, and its file is named from the front end', async () => {
    const filmId = ((await front.call('film_create', { title: 'worker film' })) as { film: { film_id: string } }).film.film_id;
    const { sceneId } = await scene('film scene', media.short, 1, undefined, { film_id: filmId });
    const r = (await front.call('render_film', { film_id: filmId, qc: false })) as {
      film_id: string;
      media_id: string;
      file_path: string;
      reused: boolean;
      scenes: { scene_id: string; reused: boolean }[];
    };
    expect(r.film_id).toBe(filmId);
    expect(r.reused).toBe(false);
    expect(r.scenes.map((sc) => [sc.scene_id, sc.reused])).toEqual([[sceneId, false]]);
    expect(r.file_path).toBe((await front.studio.library.fileRef(await front.studio.library.get(r.media_id))).path);
    expect(workerLog.filter((m) => m.startsWith(`rendering film ${filmId} `))).toHaveLength(1);
    expect((await front.studio.store.renders.list('film', filmId)).map((row) => row.media_id)).toEqual([r.media_id]);
  });

  it('a second identical request while the first renders joins it: one render, one media item', async () => {
    const { sceneId } = await scene('joined', media.long, 2, { width: 640, height: 360 });
    const firstProgress: { progress: number }[] = [];
    const first = render({ scene_id: sceneId, qc: false }, firstProgress);
    await until('the first render running on the worker', () => firstProgress.length > 0);
    const secondProgress: { progress: number }[] = [];
    const second = render({ scene_id: sceneId, qc: false }, secondProgress);
    const [a, b] = [ok(await first), ok(await second)];
    expect(b.media_id).toBe(a.media_id);
    expect(b.render_id).toBe(a.render_id);
    expect([a.reused, b.reused]).toEqual([false, false]);
    expect(renderedHere(workerLog, sceneId)).toHaveLength(1);
    expect(await front.studio.store.renders.list('scene', sceneId)).toHaveLength(1);
    // The joined caller heard the same render's progress.
    expect(secondProgress.length).toBeGreaterThan(0);
  });

  it('a request that joins a render under way after an edit gets a render of the edit, not the one under way', async () => {
    const { sceneId, shotIds } = await scene('edited', media.long, 2, { width: 640, height: 360 });
    const progress: { progress: number }[] = [];
    const first = render({ scene_id: sceneId, qc: false }, progress);
    await until('the first render running on the worker', () => progress.length > 0);
    // A new take of the first shot while the first render runs; then the same request again.
    await front.call('shot_add_take', { shot_id: shotIds[0], media_id: media.short });
    const second = render({ scene_id: sceneId, qc: false });
    const [a, b] = [ok(await first), ok(await second)];
    expect(a.shots.map((x) => x.media_id)).toEqual([media.long, media.long]);
    expect(b.shots.map((x) => x.media_id)).toEqual([media.short, media.long]);
    expect(b.media_id).not.toBe(a.media_id);
    expect(frontLog).toContainEqual(`the scene '${sceneId}' changed while the render this request joined was under way; rendering it again`);
    expect(await front.studio.store.renders.list('scene', sceneId)).toHaveLength(2);
  });

  it('a canceled call stops the render on the worker: no render is recorded', async () => {
    const { sceneId } = await scene('canceled', media.long, 2, { width: 640, height: 360 });
    const controller = new AbortController();
    const progress: number[] = [];
    const call = front.client.callTool(
      { name: 'render_scene', arguments: { scene_id: sceneId, qc: false } },
      { signal: controller.signal, onprogress: (p) => void progress.push(p.progress) },
    );
    const settled = call.then(
      () => 'answered',
      () => 'rejected',
    );
    await until('the render running on the worker', () => progress.length > 0);
    controller.abort();
    expect(await settled).toBe('rejected');
    await until('the worker to stop it', () => workerLog.some((m) => m.startsWith(`render of scene ${sceneId} `)));
    expect(workerLog.filter((m) => m.startsWith(`render of scene ${sceneId} `))).toEqual([expect.stringMatching(/ended without a result: canceled: /)]);
    expect(await front.studio.store.renders.list('scene', sceneId)).toEqual([]);
  });

  it('a refused render (strict) comes back as the same error the embedded render gives', async () => {
    const { sceneId, shotIds } = await scene('strict', media.short, 2);
    // The crossfading shot put first: its crossfade has nothing to come from (a warning; strict refuses).
    await front.call('shot_reorder', { scene_id: sceneId, shot_ids: [shotIds[1], shotIds[0]] });
    const err = await front.callError('render_scene', { scene_id: sceneId, strict: true });
    const embedded = await (worker as Harness).studio.render.renderScene(sceneId, { strict: true }).then(
      () => undefined,
      (e: unknown) => toSafeError(e).toJSON(),
    );
    expect(err).toEqual({
      code: 'invalid_input',
      message: `scene '${sceneId}' was not rendered (strict): the crossfade into the first shot ('${shotIds[1]}') is ignored: there is no shot before it`,
      field: 'strict',
    });
    expect(embedded).toEqual(err);
    expect(await front.studio.store.renders.list('scene', sceneId)).toEqual([]);
  });

  it('with no process working renders, a render fails at once with the fix instead of waiting for the client to give up', async () => {
    const { sceneId } = await scene('nobody', media.short, 1);
    // Another key prefix: a queue no worker of this test works.
    const lonely = await startHarness({
      home: tempDir('render-q-lonely-'),
      env: { ...env, STUDIO_REDIS_PREFIX: `${env.STUDIO_REDIS_PREFIX}-lonely` },
      studio: { work: false },
    });
    try {
      const err = await lonely.callError('render_scene', { scene_id: sceneId });
      expect(err).toEqual({
        code: 'provider_unavailable',
        message:
          `no process renders for this studio (queue 'render' under Redis prefix '${env.STUDIO_REDIS_PREFIX}-lonely'), so render_scene would wait forever: ` +
          'start `studio-mcp worker --role render` (or `--role all`), or a `studio-mcp` without --no-work',
        retryable: true,
      });
      expect(await front.studio.store.renders.list('scene', sceneId)).toEqual([]);
    } finally {
      await lonely.close();
    }
  });

  it('a render worker stopped, then a lost job, then a worker killed mid-render: the caller still gets one render, no partial object', async () => {
    // ≈ 2 s of ffmpeg here: each stop below lands while ffmpeg runs.
    const { sceneId } = await scene('killed', media.long, 3, { width: 640, height: 360 });
    const progress: { progress: number }[] = [];
    const pending = render({ scene_id: sceneId, qc: false }, progress);
    // The in-process worker stops cleanly mid-render: it gives the render back to the queue, unfinished.
    await until('ffmpeg running on the in-process worker', () => progress.length > 0);
    await worker?.close();
    worker = undefined;
    expect(renderedHere(workerLog, sceneId)).toHaveLength(1);
    expect(workerLog.filter((m) => m.startsWith(`render of scene ${sceneId} `))).toEqual([]);
    // No render worker runs now. The job lost from Redis meanwhile: the waiter queues it again.
    const queue = new Queue('render', {
      connection: new Redis(redis.url as string, { maxRetriesPerRequest: null }),
      prefix: env.STUDIO_REDIS_PREFIX as string,
    });
    try {
      const waiting = async (): Promise<Job[]> => queue.getJobs(['waiting', 'prioritized', 'delayed']);
      await until('the render given back to the queue', async () => (await waiting()).length === 1);
      const [lost] = await waiting();
      await lost?.remove();
      await until('the waiter to queue it again', async () => (await waiting()).some((j) => j.id !== lost?.id));
    } finally {
      await queue.close();
    }
    expect(frontLog).toContain(`the render job of scene '${sceneId}' vanished from the render queue; queueing it again`);
    // A render worker process takes it and is killed while its ffmpeg runs.
    let stderr = '';
    const child: ChildProcess = spawn(process.execPath, [CLI, 'worker', '--role', 'render'], {
      env: { PATH: process.env.PATH ?? '', ...env, STUDIO_HOME: tempDir('render-q-child-') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    try {
      await until('ffmpeg running under the worker process', () => childCommands(child.pid ?? 0).includes('ffmpeg'));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      expect(stderr).toContain(`rendering scene ${sceneId} `);
      // The render is still the queue's: another worker's stalled-job check takes it once the dead one's lock lapses.
      const secondLog: string[] = [];
      worker = await renderWorker(secondLog);
      const r = ok(await pending);
      expect(r.reused).toBe(false);
      expect(renderedHere(secondLog, sceneId)).toEqual([expect.stringMatching(/, start 2\)$/)]);
      const rows = await front.studio.store.renders.list('scene', sceneId);
      expect(rows.map((row) => row.media_id)).toEqual([r.media_id]);
      // Every object in the bucket is a whole media item with its row (or its sidecar): nothing partial was left.
      const objects = await listObjects(s3Prefix);
      const byPath = new Map((await front.studio.store.media.files()).map((f) => [f.file_path, f.id]));
      const mediaObjects = objects.filter((o) => o.key.startsWith('media/') && !o.key.endsWith('.json'));
      expect(mediaObjects.filter((o) => !byPath.has(o.key))).toEqual([]);
      const rendered = await front.studio.library.get(r.media_id);
      expect(mediaObjects.find((o) => o.key === rendered.file_path)?.size).toBe(rendered.bytes);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

/** The command names of a process's children (Linux /proc), to see its ffmpeg running. */
function childCommands(pid: number): string[] {
  try {
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.map((c) => {
      try {
        return fs.readFileSync(`/proc/${c}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    });
  } catch {
    return [];
  }
}

/** Every object under the test's S3 prefix, keyed without the prefix. */
async function listObjects(prefix: string): Promise<{ key: string; size: number }[]> {
  const s = s3.settings as NonNullable<typeof s3.settings>;
  const client = new S3Client({ endpoint: s.endpoint, region: s.region, forcePathStyle: true, credentials: s.credentials });
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: s.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) out.push({ key: (o.Key ?? '').slice(prefix.length), size: o.Size ?? -1 });
      token = page.NextContinuationToken;
    } while (token);
  } finally {
    client.destroy();
  }
  return out;
}
