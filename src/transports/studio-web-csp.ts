import fs from 'node:fs';
import path from 'node:path';

/** The script and style sources the page allows: hashes of the bundled script and styles, from the UI build. */
export interface CspSources {
  script: string[];
  style: string[];
}

/** A CSP hash source, quoted or not in the file; nothing else may reach the header (no 'unsafe-inline', no hosts). */
const HASH = /^'?(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})'?$/;

function hashes(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const v of value) {
    const m = typeof v === 'string' ? HASH.exec(v.trim()) : null;
    if (m) out.push(`'${m[1]}-${m[2]}'`);
  }
  return out;
}

/**
 * Read `storyboard.csp.json` written by the UI build beside storyboard.html: `{"script-src": [hashes], "style-src":
 * [hashes]}` (keys `script`/`style` are read too). Without the file (UI not built) no script may run at all, and
 * styles only from this origin.
 */
export function loadCspSources(uiDir: string): CspSources {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path.join(uiDir, 'storyboard.csp.json'), 'utf8'));
  } catch {
    return { script: [], style: [] };
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  return { script: hashes(o['script-src'] ?? o.script), style: hashes(o['style-src'] ?? o.style) };
}

/** The page's policy: nothing from anywhere unless named; the bundled script by hash; frames and media from here. */
export function contentSecurityPolicy(s: CspSources): string {
  return [
    "default-src 'none'",
    `script-src ${s.script.length ? s.script.join(' ') : "'none'"}`,
    `style-src ${s.style.length ? s.style.join(' ') : "'self'"}`,
    "img-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
