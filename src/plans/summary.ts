/** The outcome of one run of a plan: what was made, reused, failed, what it cost, where the film is. */

export type ShotStatus = 'made' | 'reused' | 'failed' | 'skipped';
export type ShotStep = 'video' | 'voice' | 'lipsync';

export interface ShotOutcome {
  key: string;
  scene: string;
  status: ShotStatus;
  /** What was generated this run (empty when reused). */
  steps: ShotStep[];
  /** The media the film uses for the shot (lip-synced take when there is one). */
  media_id?: string;
  /** The studio's shot id (so the film's timeline can be shown with plan keys). */
  shot_id?: string;
  /** The shot's current take was approved by a person, so the run kept it (the plan's changes to the shot wait). */
  kept_approved_take?: number;
  reason?: string;
}

/** The film's timeline as render_film returns it: each scene's span and each shot's span, take and lines. */
export type FilmTimeline = {
  scene: number;
  scene_id: string;
  start: number;
  end: number;
  shots: {
    shot: number;
    shot_id: string;
    take: number;
    lipsync?: boolean;
    start: number;
    end: number;
    lines?: { audio_id: string; start: number; end: number; cut?: number }[];
  }[];
}[];

export interface RunSummary {
  ok: boolean;
  plan_id: string;
  state_file: string;
  film_id: string | null;
  film_path: string | null;
  film_duration: number | null;
  /** The film file is the same as the previous run's (nothing changed). */
  film_reused: boolean | null;
  /** Nothing was generated or rendered: the whole film came from earlier runs. */
  everything_reused: boolean;
  counts: Record<ShotStatus, number>;
  shots: ShotOutcome[];
  scenes: { key: string; scene_id: string; rendered: boolean }[];
  characters: { created: number; updated: number; reused: number };
  images: { made: number; reused: number };
  /** Estimated cost of what this run generated, from the models' list prices. */
  cost: { usd: number; unpriced_calls: number };
  render_error?: string;
  /** Where every shot and line of the film plays (from render_film). */
  timeline?: FilmTimeline;
  warnings: string[];
  seconds: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const t = (n: number): string => n.toFixed(2);

/** The film's timeline, one line per shot under its scene, with plan keys where the plan knows the ids. */
function formatTimeline(s: RunSummary): string[] {
  if (!s.timeline) return [];
  const shotKey = new Map(s.shots.map((x) => [x.shot_id, x.key]));
  const sceneKey = new Map(s.scenes.map((x) => [x.scene_id, x.key]));
  const out = ['timeline:'];
  for (const sc of s.timeline) {
    out.push(`  ${sceneKey.get(sc.scene_id) ?? sc.scene_id}  ${t(sc.start)}–${t(sc.end)} s`);
    for (const sh of sc.shots) {
      const lines = (sh.lines ?? []).map((l) => `line ${t(l.start)}–${t(l.end)}${l.cut ? ` (cut ${t(l.cut)} s)` : ''}`);
      out.push(
        `    ${(shotKey.get(sh.shot_id) ?? sh.shot_id).padEnd(12)} ${t(sh.start)}–${t(sh.end)} s  take ` +
          `${sh.take}${sh.lipsync ? ', lip-sync' : ''}${lines.length ? `; ${lines.join(', ')}` : ''}`,
      );
    }
  }
  return out;
}

/** The summary as lines for a person. */
export function formatSummary(s: RunSummary): string[] {
  const out: string[] = [];
  const c = s.counts;
  out.push(
    `plan '${s.plan_id}': ${plural(c.made + c.reused + c.failed + c.skipped, 'shot')} — ${c.made} made, ${c.reused} reused, ${c.failed} ` +
      `failed${c.skipped ? `, ${c.skipped} skipped` : ''}`,
  );
  if (s.everything_reused) out.push('everything reused: nothing was generated or rendered again');
  for (const shot of s.shots) {
    if (shot.status === 'made') out.push(`  made    ${shot.scene}/${shot.key} (${shot.steps.join(', ')})`);
    if (shot.kept_approved_take !== undefined) out.push(`  kept    ${shot.scene}/${shot.key}: approved take ${shot.kept_approved_take}`);
    if (shot.status === 'failed' || shot.status === 'skipped') out.push(`  ${shot.status.padEnd(7)} ${shot.scene}/${shot.key}: ${shot.reason ?? ''}`);
  }
  if (s.scenes.length) {
    const rendered = s.scenes.filter((x) => x.rendered).map((x) => x.key);
    const reused = s.scenes.filter((x) => !x.rendered).map((x) => x.key);
    out.push(
      `scenes: ${rendered.length} rendered${rendered.length ? ` (${rendered.join(', ')})` : ''}, ${reused.length} ` +
        `reused${reused.length ? ` (${reused.join(', ')})` : ''}`,
    );
  }
  out.push(...formatTimeline(s));
  const priced = s.cost.unpriced_calls ? ` (+ ${plural(s.cost.unpriced_calls, 'call')} without a known price)` : '';
  out.push(`cost estimate: $${s.cost.usd.toFixed(2)}${priced}`);
  for (const w of s.warnings) out.push(`warning: ${w}`);
  if (s.render_error) out.push(`film not rendered: ${s.render_error}`);
  if (s.film_path) out.push(`film: ${s.film_path} (${s.film_duration?.toFixed(2) ?? '?'} s${s.film_reused ? ', unchanged' : ''})`);
  out.push(`done in ${s.seconds.toFixed(1)} s; state: ${s.state_file}`);
  return out;
}
