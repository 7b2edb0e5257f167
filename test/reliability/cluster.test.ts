import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answered, type Cluster, callTool, legacyClient, modernClient, startCluster } from '../helpers/cluster.js';
import { MODERN } from '../helpers/raw-2026.js';
import { serviceUrl } from '../helpers/services.js';

/**
 * Issue 12 items 5 and 8: the cluster scripts on the running services (Postgres, S3, Redis) — 3 replicas of
 * `studio-mcp --http` behind HAProxy — driven by both protocol eras: 2026-07-28 requests spread over replicas,
 * 2025-era sessions kept on one replica by stickiness, change notifications crossing replicas through Postgres
 * LISTEN/NOTIFY, and a SIGKILLed replica costing only its own connections: even its 2025-era sessions go on elsewhere.
 */
const db = serviceUrl('STUDIO_TEST_DATABASE_URL', 'Postgres');
const s3 = serviceUrl('STUDIO_TEST_S3_BUCKET', 'S3 (Ceph RGW)');
const missing = [db, s3].find((s) => !s.url);
const skip = missing !== undefined && !missing.required;
const call = callTool;

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe.skipIf(skip)(`cluster: 3 replicas behind HAProxy on Postgres + S3${skip ? ` (skipped: ${missing?.reason})` : ''}`, () => {
  let cluster: Cluster;
  const latencies: Record<string, number> = {};

  beforeAll(async () => {
    if (missing) throw new Error(missing.reason);
    cluster = await startCluster();
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
    if (Object.keys(latencies).length)
      console.log(`cluster: ms from the start of a change to resources/updated on another replica ${JSON.stringify(latencies)}`);
  }, 30_000);

  it('cluster-up started 3 replicas and HAProxy, wrote the env file (mode 600) with the URL and token', () => {
    expect([...cluster.pids.keys()].filter((n) => n.startsWith('replica-'))).toEqual(['replica-1', 'replica-2', 'replica-3']);
    expect(cluster.pids.has('haproxy')).toBe(true);
    expect(cluster.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(cluster.token).toMatch(/^[0-9a-f]{48}$/);
    expect(cluster.replicas).toHaveLength(3);
    expect(fs.statSync(path.join(cluster.state, 'env')).mode & 0o777).toBe(0o600);
  });

  let sceneId = '';
  let renderMediaId = '';
  type SceneView = { title: string; shots: { current_take: { media_id: string } | null }[]; latest_render: { media_id: string } | null };
  it('a 2026-07-28 client makes a scene with shots and renders it while its requests land on several replicas', async () => {
    const seen = answered();
    const client = await modernClient(cluster.url, cluster.token, seen);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
      const scene = (await call(client, 'scene_create', { title: 'Across replicas' })) as { scene: { scene_id: string } };
      sceneId = scene.scene.scene_id;
      // Which replica answered each generation and the render (calls are sequential: the last header is theirs).
      const answeredBy: string[] = [];
      for (const prompt of ['a lighthouse at night', 'the lamp turns']) {
        const shot = (await call(client, 'shot_create', { scene_id: sceneId, prompt, model: 'local/animatic', duration: 1 })) as { shot: { shot_id: string } };
        const gen = await call(client, 'video_generate', { shot_id: shot.shot.shot_id, resolution: '360p', fps: 12 });
        expect(gen.status).toBe('succeeded');
        answeredBy.push(seen.replicas.at(-1) ?? '');
      }
      const render = await call(client, 'render_scene', { scene_id: sceneId });
      answeredBy.push(seen.replicas.at(-1) ?? '');
      // The render read at least one clip another replica made (through Postgres and S3).
      expect(new Set(answeredBy).size).toBeGreaterThan(1);
      expect(Number(render.duration)).toBeCloseTo(2, 0);
      renderMediaId = String(render.media_id);
      expect(renderMediaId).toMatch(/\S/);
      // Whichever replica answered, the storyboard link names the load balancer (STUDIO_PUBLIC_URL), not a replica.
      expect((render.storyboard as { web_url?: string }).web_url).toBe(`${cluster.url.replace(/\/mcp$/, '')}/studio/scene/${sceneId}`);
    } finally {
      await client.close();
    }
    expect(new Set(seen.replicas).size).toBeGreaterThan(1);
  }, 40_000);

  it('a 2025-era client (SDK 1.x) keeps its session on one replica through stickiness', async () => {
    const seen = answered();
    const client = await legacyClient(cluster.url, cluster.token, seen);
    try {
      expect((await client.listTools()).tools.length).toBeGreaterThan(20);
      const scene = (await call(client, 'scene_get', { scene_id: sceneId })) as SceneView;
      expect(scene.title).toBe('Across replicas');
      expect(scene.shots.map((s) => s.current_take !== null)).toEqual([true, true]);
      expect(scene.latest_render?.media_id).toBe(renderMediaId);
      const made = (await call(client, 'scene_create', { title: 'Sticky' })) as { scene: { scene_id: string } };
      await call(client, 'scene_update', { scene_id: made.scene.scene_id, title: 'Still sticky' });
      const read = await client.readResource({ uri: `studio://scenes/${made.scene.scene_id}` });
      expect(JSON.stringify(read.contents)).toContain('Still sticky');
    } finally {
      await client.close();
    }
    expect(seen.replicas.length).toBeGreaterThan(5);
    expect(new Set(seen.replicas).size).toBe(1);
  }, 30_000);

  it('a change made through one replica reaches subscribers on another (subscriptions/listen and resources/subscribe)', async () => {
    const [a, b, c] = cluster.replicas as [string, string, string];
    const listener = await modernClient(a, cluster.token);
    const legacy = await legacyClient(c, cluster.token);
    const writer = await modernClient(b, cluster.token);
    try {
      const uri = `studio://scenes/${sceneId}`;
      const modernHeard: string[] = [];
      const legacyHeard: string[] = [];
      listener.setNotificationHandler('notifications/resources/updated', (n) => void modernHeard.push(n.params.uri));
      legacy.fallbackNotificationHandler = async (n) => {
        if (n.method === 'notifications/resources/updated') legacyHeard.push(String((n.params as { uri?: string } | undefined)?.uri));
      };
      const sub = await listener.listen({ resourceSubscriptions: [uri] });
      await legacy.subscribeResource({ uri });
      // Times from the start of the writing call (the notification may arrive before its answer does).
      const t0 = performance.now();
      const heard = async (list: string[], key: string): Promise<void> => {
        await until(() => list.includes(uri), 10_000);
        latencies[key] = Math.round(performance.now() - t0);
      };
      const both = Promise.all([heard(modernHeard, '2026 listen on replica-1'), heard(legacyHeard, '2025 subscribe on replica-3')]);
      await call(writer, 'scene_update', { scene_id: sceneId, title: 'Heard elsewhere' });
      latencies['scene_update call through replica-2'] = Math.round(performance.now() - t0);
      await both;
      expect(modernHeard).toContain(uri);
      expect(legacyHeard).toContain(uri);
      await sub.close();
    } finally {
      await Promise.all([listener.close(), legacy.close(), writer.close()]);
    }
  }, 30_000);

  it('a SIGKILLed replica loses only its connections: its 2025 session goes on elsewhere, new requests succeed, nothing made is lost', async () => {
    const seen = answered();
    // The SDK reopens a dropped notification stream after 1 s by default, and gives up after 2 tries.
    const reopen = { reconnectionOptions: { initialReconnectionDelay: 200, maxReconnectionDelay: 500, reconnectionDelayGrowFactor: 1.5, maxRetries: 30 } };
    const sticky = await legacyClient(cluster.url, cluster.token, seen, reopen);
    const heard: string[] = [];
    sticky.fallbackNotificationHandler = async (n) => {
      if (n.method === 'notifications/resources/updated') heard.push(String((n.params as { uri?: string } | undefined)?.uri));
    };
    sticky.onerror = () => undefined;
    const uri = `studio://scenes/${sceneId}`;
    await sticky.subscribeResource({ uri });
    const victim = seen.replicas[0] ?? '';
    expect(victim).toMatch(/^replica-[123]$/);
    expect(new Set(seen.replicas)).toEqual(new Set([victim]));
    process.kill(cluster.pids.get(victim) ?? 0, 'SIGKILL');

    // The same session (no initialize) through HAProxy: another replica resumes it from Postgres.
    const resumedOn = answered();
    seen.replicas = resumedOn.replicas;
    const again = (await call(sticky, 'scene_get', { scene_id: sceneId })) as SceneView;
    expect(again.title).toBe('Heard elsewhere');
    expect(resumedOn.replicas.length).toBeGreaterThan(0);
    expect(resumedOn.replicas).not.toContain(victim);
    // Its subscription came along: a change made through any replica reaches it on the replica that resumed it.
    const changer = await modernClient(cluster.url, cluster.token);
    try {
      const deadline = Date.now() + 10_000;
      for (let n = 0; !heard.includes(uri) && Date.now() < deadline; n++) {
        await call(changer, 'scene_update', { scene_id: sceneId, title: n % 2 ? 'Heard elsewhere' : 'Heard after the kill' });
        await new Promise((r) => setTimeout(r, 200));
      }
      await call(changer, 'scene_update', { scene_id: sceneId, title: 'Heard elsewhere' });
    } finally {
      await changer.close();
    }
    expect(heard).toContain(uri);
    // Once HAProxy has marked the victim down, the session sticks to one replica again.
    const settled = resumedOn.replicas.length;
    for (let i = 0; i < 4; i++) await sticky.ping();
    console.log(`cluster: the 2025 session of ${victim} after its SIGKILL was answered by ${JSON.stringify(resumedOn.replicas)}`);
    expect(new Set(resumedOn.replicas.slice(settled)).size).toBe(1);
    await sticky.close().catch(() => undefined);

    const after = answered();
    const modern = await modernClient(cluster.url, cluster.token, after);
    const legacy = await legacyClient(cluster.url, cluster.token, after);
    try {
      for (let i = 0; i < 4; i++) {
        const scene = (await call(modern, 'scene_get', { scene_id: sceneId })) as SceneView;
        expect(scene.title).toBe('Heard elsewhere');
        expect(scene.shots.map((s) => s.current_take !== null)).toEqual([true, true]);
        expect(scene.latest_render?.media_id).toBe(renderMediaId);
      }
      const scene = (await call(legacy, 'scene_get', { scene_id: sceneId })) as SceneView;
      expect(scene.title).toBe('Heard elsewhere');
    } finally {
      await Promise.all([modern.close(), legacy.close()]);
    }
    expect(after.replicas).not.toContain(victim);
    expect(new Set(after.replicas).size).toBe(2);
  }, 30_000);
});
