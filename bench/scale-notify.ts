import { performance } from 'node:perf_hooks';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { answered, type Cluster, callTool, legacyClient, modernClient } from './cluster.js';
import { type BenchResult, round } from './lib.js';

/**
 * Change-notification latency on the cluster (issue 12): a scene changed by a tool call through HAProxy until a
 * subscriber, also connected through HAProxy, hears notifications/resources/updated — a 2026-07-28 client on
 * subscriptions/listen and a 2025-era client (SDK 1.x) on resources/subscribe, both listening to every change.
 * HAProxy sends the writer's calls round-robin, so a third of them land on the subscriber's own replica: those are
 * the baseline (the change announced within one replica), measured in the same run, interleaved with the rest.
 * Latency runs from the start of the writing call: the notice may arrive before the call's answer does.
 */

/** Per era and per bucket (one replica, across replicas): p95 of 100 is the 95th, not the 3rd largest of 50. */
const SAMPLES = 100;
const MAX_WRITES = 600;
/** After both heard a change: a late second notice of it must not be taken for the next one's. */
const SETTLE_MS = 25;
const HEAR_TIMEOUT_MS = 3_000;

type Bucket = { same: number[]; cross: number[] };

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}

export async function notifyFigures(cluster: Cluster): Promise<BenchResult[]> {
  const writerSeen = answered();
  const modernSeen = answered();
  const legacySeen = answered();
  const writer = await modernClient(cluster.url, cluster.token, writerSeen);
  const modern = await modernClient(cluster.url, cluster.token, modernSeen);
  const legacy = await legacyClient(cluster.url, cluster.token, legacySeen);
  const eras = { modern: { same: [], cross: [] } as Bucket, legacy: { same: [], cross: [] } as Bucket };
  /** How long each writing call took, to its answer. */
  const calls: number[] = [];
  let missed = 0;
  let writes = 0;
  try {
    const made = (await callTool(writer, 'scene_create', { title: 'notify bench' })) as { scene: { scene_id: string } };
    const sceneId = made.scene.scene_id;
    const uri = `studio://scenes/${sceneId}`;
    const heard: { modern?: number; legacy?: number } = {};
    modern.setNotificationHandler('notifications/resources/updated', (n) => {
      if (n.params.uri === uri) heard.modern ??= performance.now();
    });
    legacy.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      if (n.params.uri === uri) heard.legacy ??= performance.now();
    });
    const sub = await modern.listen({ resourceSubscriptions: [uri] });
    await legacy.subscribeResource({ uri });
    const modernReplica = modernSeen.byMethod.get('subscriptions/listen');
    const legacyReplica = legacySeen.byMethod.get('initialize');
    if (!modernReplica || !legacyReplica) throw new Error('no X-Studio-Replica header on the subscribers’ requests');

    const full = (): boolean => Object.values(eras).every((b) => b.same.length >= SAMPLES && b.cross.length >= SAMPLES);
    for (; writes < MAX_WRITES && !full(); writes++) {
      delete heard.modern;
      delete heard.legacy;
      const t0 = performance.now();
      await callTool(writer, 'scene_update', { scene_id: sceneId, title: `take ${writes}` });
      calls.push(performance.now() - t0);
      const by = writerSeen.byMethod.get('tools/call');
      const deadline = performance.now() + HEAR_TIMEOUT_MS;
      while ((heard.modern === undefined || heard.legacy === undefined) && performance.now() < deadline) await sleep(2);
      for (const [era, at, replica] of [
        ['modern', heard.modern, modernReplica],
        ['legacy', heard.legacy, legacyReplica],
      ] as const) {
        if (at === undefined) missed++;
        else eras[era][by === replica ? 'same' : 'cross'].push(at - t0);
      }
      await sleep(SETTLE_MS);
    }
    await sub.close();
  } finally {
    await Promise.all([writer.close(), modern.close(), legacy.close()]);
  }

  const rows: BenchResult[] = [];
  const label = { modern: '2026-07-28 subscriptions/listen', legacy: '2025-era resources/subscribe (SDK 1.x)' };
  for (const era of ['modern', 'legacy'] as const) {
    const { same, cross } = eras[era];
    const p95Cross = percentile(cross, 95);
    const p95Same = percentile(same, 95);
    rows.push(
      {
        name: `notify: ${label[era]}, change and subscriber on one replica, p95`,
        value: round(p95Same),
        unit: 'ms',
        note:
          `baseline, same run: p50 ${round(percentile(same, 50))} ms, ${same.length} samples; the scene_update call itself: p50 ` +
          `${round(percentile(calls, 50))} ms`,
      },
      {
        name: `notify: ${label[era]}, change through another replica (HAProxy), p95`,
        value: round(p95Cross),
        unit: 'ms',
        target: '< 100',
        pass: p95Cross < 100,
        note: `p50 ${round(percentile(cross, 50))} ms, ${cross.length} samples; Postgres LISTEN/NOTIFY between replicas`,
      },
      {
        name: `notify: ${label[era]}, across replicas / one replica, p95`,
        value: round(p95Cross / p95Same, 2),
        unit: 'x',
        note: `p50 ratio ${round(percentile(cross, 50) / percentile(same, 50), 2)}`,
      },
    );
  }
  const first = rows[0];
  if (first && missed) first.note += `; ${missed} notices not heard within ${HEAR_TIMEOUT_MS} ms of ${writes} writes`;
  return rows;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
