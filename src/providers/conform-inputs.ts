import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { mediaVerdict } from '../capabilities/media-accept.js';
import { convertImage } from '../media/convert-image.js';
import { probe } from '../media/probe.js';
import { isMediaInput } from './request-body.js';
import type { MediaInput, ProviderRequest } from './types.js';

/**
 * Make a request's media inputs acceptable to the provider before anything is uploaded: a library image in a
 * format the field does not accept is converted into `workDir` (WebP → PNG for Veo), and a file the provider would
 * refuse (too large, too small, wrong shape, unconvertible type) throws an invalid_input error naming the field.
 * The library item itself is never changed: the converted file is a per-job temporary.
 */
export async function conformInputs(req: ProviderRequest, workDir: string, signal?: AbortSignal): Promise<ProviderRequest> {
  const fields: Record<string, unknown> = { ...req.fields };
  for (const [name, value] of Object.entries(req.fields)) {
    if (isMediaInput(value)) fields[name] = await conformOne(req, name, name, value, workDir, signal);
    else if (Array.isArray(value) && value.some(isMediaInput)) {
      const out: unknown[] = [];
      for (const [i, item] of value.entries())
        out.push(isMediaInput(item) ? await conformOne(req, name, `${label(req, name)}[${i}]`, item, workDir, signal) : item);
      fields[name] = out;
    }
  }
  return { ...req, fields };
}

function label(req: ProviderRequest, name: string): string {
  return req.capability.fields[name]?.role ?? name;
}

async function dimensions(m: MediaInput, signal?: AbortSignal): Promise<{ width?: number | null; height?: number | null }> {
  if (m.kind !== 'image') return {};
  if (m.width && m.height) return { width: m.width, height: m.height };
  const p = await probe(m.path, { signal });
  return { width: p.width, height: p.height };
}

async function conformOne(req: ProviderRequest, name: string, fieldLabel: string, m: MediaInput, workDir: string, signal?: AbortSignal): Promise<MediaInput> {
  const cap = req.capability;
  const shown = fieldLabel === name ? label(req, name) : fieldLabel;
  const needsSize = m.kind === 'image' && (cap.fields[name]?.accept?.min_side_px !== undefined || cap.fields[name]?.accept?.aspect_ratio !== undefined);
  const facts = { ...m, ...(needsSize ? await dimensions(m, signal) : {}) };
  const verdict = mediaVerdict(cap, name, facts, shown);
  if (verdict.action === 'refuse') throw verdict.error;
  if (verdict.action === 'send') return m;
  const ext = verdict.to === 'image/png' ? 'png' : 'jpg';
  const out = path.join(workDir, `${m.mediaId}-${name}.${ext}`);
  await convertImage(m.path, out, verdict.to, { signal });
  const data = await readFile(out);
  const converted: MediaInput = {
    ...m,
    path: out,
    mime: verdict.to,
    bytes: (await stat(out)).size,
    sha256: createHash('sha256').update(data).digest('hex'),
  };
  // The converted file must pass too (a PNG can be larger than the WebP it came from).
  const again = mediaVerdict(cap, name, { ...converted, ...(needsSize ? { width: facts.width, height: facts.height } : {}) }, shown);
  if (again.action === 'refuse') throw again.error;
  return converted;
}
