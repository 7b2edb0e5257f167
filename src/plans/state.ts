import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * What a plan made, kept in the studio folder as `plans/<plan id>.state.json`: for each plan id the studio id it
 * maps to and the fingerprint of the definition it was made from. A JSON file rather than a table because the plan
 * runner is an MCP client like any other: the server knows nothing about plans, and the state can be read, diffed or
 * deleted by hand ("forget what this plan made") without touching the studio's schema. Every entry is checked
 * against the studio before it is trusted (a shot deleted by an agent is simply made again).
 */

const Ref = z.object({ fp: z.string() });
const Take = Ref.extend({ media_id: z.string(), take_number: z.number().int() });

export const ShotState = z.object({
  shot_id: z.string(),
  scene: z.string(),
  record_fp: z.string(),
  video: Take.optional(),
  dialogue: Ref.extend({ audio_ids: z.array(z.string()), media_ids: z.array(z.string()) }).optional(),
  lipsync: Take.optional(),
  error: z.string().optional(),
});
export type ShotState = z.infer<typeof ShotState>;

export const PlanState = z.object({
  version: z.literal(1),
  plan_id: z.string(),
  updated_at: z.string(),
  film: Ref.extend({ film_id: z.string() }).optional(),
  images: z.record(z.string(), z.object({ media_id: z.string() })).default({}),
  characters: z.record(z.string(), Ref.extend({ character_id: z.string() })).default({}),
  scenes: z.record(z.string(), Ref.extend({ scene_id: z.string() })).default({}),
  shots: z.record(z.string(), ShotState).default({}),
});
export type PlanState = z.infer<typeof PlanState>;

export class PlanStateFile {
  readonly file: string;
  private readonly lockFile: string;
  state: PlanState;

  constructor(home: string, planId: string) {
    const dir = path.join(home, 'plans');
    this.file = path.join(dir, `${planId}.state.json`);
    this.lockFile = path.join(dir, `${planId}.lock`);
    this.state = { version: 1, plan_id: planId, updated_at: new Date().toISOString(), images: {}, characters: {}, scenes: {}, shots: {} };
  }

  /** Read the state of earlier runs, if any. A damaged file is an error, never silently replaced. */
  load(): this {
    if (!fs.existsSync(this.file)) return this;
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown;
    } catch {
      throw new Error(`the plan state file '${this.file}' is not valid JSON; delete it to start the plan afresh`);
    }
    const r = PlanState.safeParse(raw);
    if (!r.success) throw new Error(`the plan state file '${this.file}' is not in the expected format; delete it to start the plan afresh`);
    this.state = r.data;
    return this;
  }

  /** Write atomically (temp file + rename), so a crash mid-write leaves the previous state. */
  save(): void {
    this.state.updated_at = new Date().toISOString();
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state, null, 2) + '\n');
    fs.renameSync(tmp, this.file);
  }

  /**
   * One run of a plan at a time: two runs would both see a shot as missing and both make it. A lock left by a
   * process that no longer exists is taken over.
   */
  lock(): void {
    fs.mkdirSync(path.dirname(this.lockFile), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(this.lockFile, String(process.pid), { flag: 'wx' });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(fs.readFileSync(this.lockFile, 'utf8'));
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
          throw new Error(`plan '${this.state.plan_id}' is already running (process ${pid}); wait for it or remove ${this.lockFile}`);
        }
        fs.rmSync(this.lockFile, { force: true });
      }
    }
    throw new Error(`could not lock plan '${this.state.plan_id}' (${this.lockFile})`);
  }

  unlock(): void {
    fs.rmSync(this.lockFile, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
