import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidInput, StudioError } from '../errors.js';
import { capabilityProblems } from './consistency.js';
import { Capability, CapabilityField, type Pricing, type Task } from './types.js';

/**
 * The catalogue of models: every `capability-schemas/**\/*.json` file, validated once at start-up, plus the
 * capabilities discovered live (Replicate). A broken file stops the server with a message naming the file,
 * because a model silently missing from the catalogue is much harder to diagnose than a failed start.
 */

/** Thrown at start-up when a capability file is unreadable or invalid. */
export class CapabilityLoadError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`capability file ${file}: ${problem}`);
    this.name = 'CapabilityLoadError';
  }
}

/**
 * The package root: the nearest folder above `from` that holds both package.json and capability-schemas.
 * Walking up (instead of a fixed `../..`) works from `src/` under vitest and from `dist/src/` after tsc.
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = path.dirname(from.startsWith('file:') ? fileURLToPath(from) : from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'capability-schemas'))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`studio-mcp package root not found above ${from}`);
    dir = parent;
  }
}

/** The shipped capability folder. */
export function defaultSchemaDir(): string {
  return path.join(packageRoot(), 'capability-schemas');
}

/** Name of the generated meta-schema inside the capability folder (not a capability itself). */
export const META_SCHEMA_FILE = 'meta-schema.json';

function listJsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listJsonFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full);
  }
  return out.sort();
}

/**
 * Keys the meta-schema does not know. zod strips them silently, but in a hand-written file an unknown key is
 * nearly always a typo (`requried`) whose intent would otherwise be lost without a trace.
 */
function unknownKeys(json: unknown): string[] {
  if (!json || typeof json !== 'object') return [];
  const out: string[] = [];
  const top = json as Record<string, unknown>;
  for (const k of Object.keys(top)) if (!(k in Capability.shape)) out.push(k);
  const fields = top['fields'];
  if (fields && typeof fields === 'object') {
    for (const [name, f] of Object.entries(fields as Record<string, unknown>)) {
      if (!f || typeof f !== 'object') continue;
      for (const k of Object.keys(f)) if (!(k in CapabilityField.shape)) out.push(`fields.${name}.${k}`);
    }
  }
  return out;
}

/**
 * Parse and check one capability file's content.
 * @param rel the file's path relative to the capability folder (it must equal `<id>.json`).
 */
export function parseCapabilityFile(rel: string, text: string): Capability {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CapabilityLoadError(rel, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = Capability.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CapabilityLoadError(rel, `does not match the capability meta-schema: ${issues.join('; ')}`);
  }
  const cap = parsed.data;
  const problems = capabilityProblems(cap);
  const unknown = unknownKeys(json);
  if (unknown.length) problems.push(`unknown key(s) ${unknown.join(', ')}`);
  const expected = `${cap.id}.json`;
  if (rel.split(path.sep).join('/') !== expected) problems.push(`a capability with id '${cap.id}' must live in ${expected}`);
  if (problems.length) throw new CapabilityLoadError(rel, problems.join('; '));
  return cap;
}

/** Load and validate every capability file below `dir`; throws CapabilityLoadError on the first bad file. */
export function loadCapabilities(dir: string = defaultSchemaDir()): Capability[] {
  const caps: Capability[] = [];
  const byId = new Map<string, string>();
  for (const file of listJsonFiles(dir)) {
    const rel = path.relative(dir, file);
    if (rel === META_SCHEMA_FILE) continue;
    const cap = parseCapabilityFile(rel, fs.readFileSync(file, 'utf8'));
    const dup = byId.get(cap.id);
    if (dup) throw new CapabilityLoadError(rel, `duplicate id '${cap.id}' (also in ${dup})`);
    byId.set(cap.id, rel);
    caps.push(cap);
  }
  return caps;
}

export interface CapabilityFilter {
  mediaType?: Capability['media_type'];
  task?: Task;
  provider?: Capability['provider'];
}

/** All known models, by id. */
export class CapabilityRegistry {
  private readonly byId = new Map<string, Capability>();
  /** The capabilities the registry was built with (the shipped files), kept when a live schema replaces one. */
  private readonly shippedById = new Map<string, Capability>();

  constructor(caps: Iterable<Capability> = []) {
    for (const cap of caps) {
      this.add(cap);
      this.shippedById.set(cap.id, this.byId.get(cap.id) as Capability);
    }
  }

  /** A registry of the shipped files (throws CapabilityLoadError when one is broken). */
  static load(dir: string = defaultSchemaDir()): CapabilityRegistry {
    return new CapabilityRegistry(loadCapabilities(dir));
  }

  get(id: string): Capability | undefined {
    return this.byId.get(id);
  }

  /**
   * The shipped file for `id`, even after a live schema replaced it in the catalogue: its price, rules, limits and
   * roles are what a live schema is merged with (the live schema only knows the fields).
   */
  shipped(id: string): Capability | undefined {
    return this.shippedById.get(id);
  }

  /**
   * The capability for `id`, or an invalid_input error listing the ids the agent could use instead.
   * @param field the argument that carried the id (for the error).
   * @param task when given, the model must serve this task.
   */
  require(id: string, field = 'model', task?: Task): Capability {
    const cap = this.byId.get(id);
    if (cap && (!task || cap.task === task)) return cap;
    const known = this.list(task ? { task } : {}).map((c) => c.id);
    const where = task ? ` for ${task}` : '';
    const what = cap ? `'${id}' is a ${cap.task} model, not a ${task} model` : `unknown model '${id}'`;
    throw invalidInput(`${what}; known models${where}: ${known.join(', ') || '(none)'}`, {
      field,
      model: id,
      accepts: known.join(', '),
    });
  }

  /** Models matching every given filter, sorted by id. */
  list(filter: CapabilityFilter = {}): Capability[] {
    return [...this.byId.values()]
      .filter((c) => !filter.mediaType || c.media_type === filter.mediaType)
      .filter((c) => !filter.task || c.task === filter.task)
      .filter((c) => !filter.provider || c.provider === filter.provider)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Add or replace a capability (live Replicate schemas replace the shipped ones). It is validated like a file;
   * an invalid one is an internal error because it came from our own conversion code.
   */
  add(cap: Capability): void {
    const parsed = Capability.safeParse(cap);
    if (!parsed.success) {
      throw new StudioError('internal', `capability '${cap.id}' is invalid: ${parsed.error.issues[0]?.message ?? ''}`);
    }
    const problems = capabilityProblems(parsed.data);
    if (problems.length) throw new StudioError('internal', `capability '${cap.id}' is invalid: ${problems.join('; ')}`);
    this.byId.set(parsed.data.id, parsed.data);
  }

  /** Replace a model's price (user-stated prices, STUDIO_PRICES), in the shipped file too: live schemas take their price from it. */
  setPricing(id: string, pricing: Pricing): void {
    for (const map of [this.byId, this.shippedById]) {
      const cap = map.get(id);
      if (cap) map.set(id, { ...cap, pricing });
    }
  }

  get size(): number {
    return this.byId.size;
  }
}
