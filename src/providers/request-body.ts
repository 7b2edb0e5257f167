import { hiddenDefaults } from '../capabilities/arg-fields.js';
import type { Capability } from '../capabilities/types.js';
import { StudioError } from '../errors.js';
import type { MediaInput, ProviderRequest } from './types.js';

/**
 * Building provider bodies generically from the call's fields and the capability's `path` hints, so that adding
 * a model is adding a capability file: `{"durationSeconds": {"path": "parameters.durationSeconds"}}` puts the value
 * at `body.parameters.durationSeconds`; numeric segments index arrays (`instances.0.image`); `*` applies to every
 * element of an array that is already there (`instances.0.referenceImages.*.referenceType`).
 */

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

function badPath(path: string, why: string): StudioError {
  return new StudioError('internal', `capability field path '${path}' is invalid: ${why}`);
}

/** Set `value` at dot path `path` in `target`, creating objects and arrays on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segs = path.split('.');
  if (segs.some((s) => s === '' || FORBIDDEN.has(s))) throw badPath(path, 'empty or reserved segment');
  setIn(target, segs, value, path);
}

function setIn(node: Container, segs: string[], value: unknown, path: string): void {
  const [head, ...rest] = segs;
  if (head === undefined) return;
  if (head === '*') {
    if (!Array.isArray(node)) throw badPath(path, "'*' must follow an array");
    for (let i = 0; i < node.length; i++) {
      if (rest.length === 0) node[i] = value;
      else {
        const child = node[i];
        if (!isContainer(child)) throw badPath(path, "'*' elements must be objects");
        setIn(child, rest, value, path);
      }
    }
    return;
  }
  const isIndex = /^\d+$/.test(head);
  if (Array.isArray(node) !== isIndex) throw badPath(path, `segment '${head}' does not fit the ${Array.isArray(node) ? 'array' : 'object'} there`);
  const key: string | number = isIndex ? Number(head) : head;
  const rec = node as Record<string | number, unknown>;
  if (rest.length === 0) {
    rec[key] = value;
    return;
  }
  let child = rec[key];
  if (!isContainer(child)) {
    child = /^\d+$/.test(rest[0] ?? '') ? [] : {};
    rec[key] = child;
  }
  setIn(child as Container, rest, value, path);
}

/** Read the value at a dot path (no wildcards); undefined when absent. */
export function getPath(source: unknown, path: string): unknown {
  let node: unknown = source;
  for (const seg of path.split('.')) {
    if (!isContainer(node)) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/** Whether a field value is a resolved library media item. */
export function isMediaInput(v: unknown): v is MediaInput {
  if (!isContainer(v) || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return typeof r.path === 'string' && typeof r.mime === 'string' && typeof r.kind === 'string' && typeof r.mediaId === 'string';
}

/** The provider dot path of a field: its `path` hint, else `fallback(name)`, else the name itself. */
export function fieldPath(cap: Capability, name: string, fallback?: (name: string) => string): string {
  return cap.fields[name]?.path ?? fallback?.(name) ?? name;
}

export interface BuildOptions {
  /** Turn one media input into the provider's representation (upload URL, base64 object, ...). */
  encodeMedia: (media: MediaInput, field: string) => Promise<unknown>;
  /** Default path for fields without a `path` hint. */
  defaultPath?: (name: string) => string;
  /** Fields the adapter places itself (e.g. a voice id in the URL path). */
  skip?: ReadonlySet<string>;
}

/**
 * Defaults the studio sends itself when the call omits the field: those of hidden fields (they never come from the
 * agent: Veo `sampleCount: 1`, Gemini `candidateCount: 1`, ...) and of fields marked `send_default` (the provider's
 * own default differs from, or is not documented as, what the studio's rules and estimate assumed).
 */
export function sentDefaults(cap: Capability): Record<string, unknown> {
  const out = hiddenDefaults(cap);
  for (const [name, field] of Object.entries(cap.fields)) {
    if (field.send_default && field.schema['default'] !== undefined) out[name] = field.schema['default'];
  }
  return out;
}

/**
 * Build a request body from `req.fields`, plus the defaults of `sentDefaults` the call does not carry. Media values (and arrays of
 * them) go through `encodeMedia`; wildcard paths are applied last so they can decorate arrays set by other fields.
 */
export async function buildBody(req: ProviderRequest, opts: BuildOptions): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  const fields = { ...sentDefaults(req.capability), ...req.fields };
  const entries = Object.entries(fields).filter(([name, v]) => v !== undefined && !opts.skip?.has(name));
  const placed = entries.map(([name, value]) => ({ name, value, path: fieldPath(req.capability, name, opts.defaultPath) }));
  placed.sort((a, b) => Number(a.path.includes('*')) - Number(b.path.includes('*')));
  for (const { name, value, path } of placed) {
    let encoded: unknown = value;
    if (isMediaInput(value)) encoded = await opts.encodeMedia(value, name);
    else if (Array.isArray(value) && value.some(isMediaInput)) {
      encoded = [];
      for (const item of value) (encoded as unknown[]).push(isMediaInput(item) ? await opts.encodeMedia(item, name) : item);
    }
    setPath(body, path, encoded);
  }
  return body;
}

/** Move `body.query` (from `query.*` paths) out of a body into URL search params. */
export function takeQuery(body: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams();
  const q = body.query;
  delete body.query;
  if (isContainer(q) && !Array.isArray(q)) {
    for (const [k, v] of Object.entries(q)) {
      if (v === undefined || v === null) continue;
      params.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    }
  }
  return params;
}
