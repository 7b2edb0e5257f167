import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { PlanRefused } from './errors.js';
import { Plan, type ImageSource } from './schema.js';

/** A plan read from disk: validated structure, its id, and image file paths made absolute. */
export interface LoadedPlan {
  plan: Plan;
  id: string;
  file: string;
  dir: string;
  /**
   * Structure problems found on the way (the plan is refused, but only after the later checks have run on what
   * remained, so one run names every problem). Empty for a well-formed plan.
   */
  problems: string[];
  /** Plan ids of characters dropped because their own entry was malformed: references to them are not problems. */
  skippedCharacters: string[];
}

/** `scenes[0].shots[1].prompt` from a zod path. */
function where(p: readonly PropertyKey[]): string {
  let out = '';
  for (const part of p) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(plan)';
}

function issueText(issue: z.core.$ZodIssue): string {
  const at = where(issue.path);
  if (issue.code === 'unrecognized_keys') return `${at}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${at}: required`;
  if (issue.code === 'invalid_union') return `${at}: not a valid value (see the plan format in the README)`;
  return `${at}: ${issue.message}`;
}

type Json = Record<string, unknown>;
const DROPPED = Symbol('dropped');

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(root: unknown, p: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of p) v = isObj(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[k as string] : undefined;
  return v;
}

/** Remove the value at `p`: a key is deleted, a list item is marked and filtered out once the round is done. */
function drop(root: unknown, p: readonly PropertyKey[]): boolean {
  const parent = at(root, p.slice(0, -1));
  const key = p[p.length - 1];
  if (Array.isArray(parent) && typeof key === 'number' && key < parent.length) {
    parent[key] = DROPPED;
    return true;
  }
  if (isObj(parent) && typeof key === 'string' && key in parent) {
    delete parent[key];
    return true;
  }
  return false;
}

function sweep(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== DROPPED).map(sweep);
  if (isObj(v)) for (const k of Object.keys(v)) v[k] = sweep(v[k]);
  return v;
}

/**
 * Parse the structure, collecting every problem, and cut away what is malformed so the later checks (references,
 * files, models, capabilities) still run on the rest: a bad value is removed; where that leaves a required value
 * missing, the list item holding it (a shot, a line, a character, a scene) is skipped.
 * @returns the plan that remained, or undefined when the malformed part is the plan's own frame (film, scenes).
 */
function parseCollecting(raw: unknown): { plan: Plan | undefined; problems: string[]; skippedCharacters: string[] } {
  const problems = new Set<string>();
  const skippedCharacters: string[] = [];
  let value: unknown = structuredClone(raw);
  const removed = new Set<string>();
  for (let round = 0; round < 20; round++) {
    const r = Plan.safeParse(value, { reportInput: true });
    if (r.success) return { plan: r.data, problems: [...problems], skippedCharacters };
    let changed = false;
    for (const issue of r.error.issues) {
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      // A value this loop removed is reported once, as what was wrong with it, not again as "required".
      if (!(missing && removed.has(where(issue.path)))) problems.add(issueText(issue));
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) changed = drop(value, [...issue.path, k]) || changed;
      } else if (!missing) {
        removed.add(where(issue.path));
        changed = drop(value, issue.path) || changed;
      } else {
        // A required value is missing: skip the innermost list item that holds it.
        const i = issue.path.map((x) => typeof x === 'number').lastIndexOf(true);
        if (i < 0) continue;
        const itemPath = issue.path.slice(0, i + 1);
        const item = at(value, itemPath);
        if (issue.path[0] === 'characters' && i === 1 && isObj(item) && typeof item['id'] === 'string') skippedCharacters.push(item['id']);
        changed = drop(value, itemPath) || changed;
      }
    }
    if (!changed) return { plan: undefined, problems: [...problems], skippedCharacters };
    value = sweep(value);
  }
  return { plan: undefined, problems: [...problems], skippedCharacters };
}

function parseText(file: string, text: string): unknown {
  const ext = path.extname(file).toLowerCase();
  try {
    if (ext === '.json') return JSON.parse(text) as unknown;
    // YAML is a superset of JSON, so anything else is read as YAML.
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new PlanRefused([
      `${path.basename(file)} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    ]);
  }
}

function absolutise(src: ImageSource, dir: string): ImageSource {
  if (typeof src === 'string') return { file: path.resolve(dir, src) };
  if ('file' in src) return { file: path.resolve(dir, src.file) };
  return src;
}

/**
 * Parse and check the structure of a plan; image paths become absolute (relative ones are from the plan's folder).
 * Structure problems are carried in `problems` for validatePlan to report with everything else it finds.
 * @throws PlanRefused when not even the plan's frame (film, scenes) could be read.
 */
export function parsePlan(raw: unknown, file: string): LoadedPlan {
  const parsed = parseCollecting(raw);
  if (!parsed.plan) throw new PlanRefused(parsed.problems);
  const plan = parsed.plan;
  const dir = path.dirname(path.resolve(file));
  for (const c of plan.characters) c.reference_images = c.reference_images.map((s) => absolutise(s, dir));
  for (const scene of plan.scenes) {
    for (const shot of scene.shots) {
      if (shot.reference_images) shot.reference_images = shot.reference_images.map((s) => absolutise(s, dir));
      if (shot.start_frame) shot.start_frame = absolutise(shot.start_frame, dir);
      if (shot.end_frame) shot.end_frame = absolutise(shot.end_frame, dir);
    }
  }
  const fallback =
    path
      .basename(file, path.extname(file))
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 64) || 'plan';
  return { plan, id: plan.id ?? fallback, file: path.resolve(file), dir, problems: parsed.problems, skippedCharacters: parsed.skippedCharacters };
}

export function loadPlanFile(file: string): LoadedPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new PlanRefused([`cannot read the plan file '${file}'`]);
  }
  return parsePlan(parseText(file, text), file);
}

/** Folders of the image files a plan imports: running the plan lets media_import read them. */
export function importDirsOf(loaded: LoadedPlan): string[] {
  const dirs = new Set<string>();
  const add = (src: ImageSource | undefined): void => {
    if (src && typeof src === 'object' && 'file' in src) dirs.add(path.dirname(src.file));
  };
  for (const c of loaded.plan.characters) c.reference_images.forEach(add);
  for (const scene of loaded.plan.scenes) {
    for (const shot of scene.shots) {
      shot.reference_images?.forEach(add);
      add(shot.start_frame);
      add(shot.end_frame);
    }
  }
  return [...dirs];
}
