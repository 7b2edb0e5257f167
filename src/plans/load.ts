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

function parseText(file: string, text: string): unknown {
  const ext = path.extname(file).toLowerCase();
  try {
    if (ext === '.json') return JSON.parse(text) as unknown;
    // YAML is a superset of JSON, so anything else is read as YAML.
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new PlanRefused([`${path.basename(file)} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`]);
  }
}

function absolutise(src: ImageSource, dir: string): ImageSource {
  if (typeof src === 'string') return { file: path.resolve(dir, src) };
  if ('file' in src) return { file: path.resolve(dir, src.file) };
  return src;
}

/** Parse and check the structure of a plan; image paths become absolute (relative ones are from the plan's folder). */
export function parsePlan(raw: unknown, file: string): LoadedPlan {
  const r = Plan.safeParse(raw);
  if (!r.success) throw new PlanRefused(r.error.issues.map(issueText));
  const plan = r.data;
  const dir = path.dirname(path.resolve(file));
  for (const c of plan.characters) c.reference_images = c.reference_images.map((s) => absolutise(s, dir));
  for (const scene of plan.scenes) {
    for (const shot of scene.shots) {
      if (shot.reference_images) shot.reference_images = shot.reference_images.map((s) => absolutise(s, dir));
      if (shot.start_frame) shot.start_frame = absolutise(shot.start_frame, dir);
      if (shot.end_frame) shot.end_frame = absolutise(shot.end_frame, dir);
    }
  }
  const fallback = path.basename(file, path.extname(file)).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'plan';
  return { plan, id: plan.id ?? fallback, file: path.resolve(file), dir };
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
