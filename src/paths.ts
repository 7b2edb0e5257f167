import fs from 'node:fs';
import path from 'node:path';
import { invalidInput } from './errors.js';

/**
 * The one function that decides whether the server may touch a file path. Every path that comes from outside
 * (tool arguments, plan files) goes through `resolveAllowedPath`; paths the studio builds itself (from ids and
 * fixed names) need no check.
 *
 * Why each check: NUL bytes truncate paths in native code; `..` and symlinks escape roots (CVE-2025-53110 in the
 * reference filesystem server was a prefix check without a separator: `/studio-evil` passed for `/studio`), so we
 * compare real paths component-wise.
 */
export interface PathPolicy {
  /** Absolute, real roots the server may read from and write to. */
  roots: string[];
}

function realRoot(root: string): string {
  const abs = path.resolve(root);
  try {
    return fs.realpathSync.native(abs);
  } catch {
    return abs;
  }
}

export function createPathPolicy(studioHome: string, allowedDirs: string[]): PathPolicy {
  const roots = [studioHome, ...allowedDirs].map(realRoot);
  return { roots: [...new Set(roots)] };
}

function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The real path of the deepest existing ancestor joined with the rest, so that a not-yet-existing output path under
 * a symlinked folder is judged by where it would really land.
 */
function realPathOfPossiblyMissing(abs: string): string {
  let existing = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = fs.realpathSync.native(existing);
      return rest.length ? path.join(real, ...rest.reverse()) : real;
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return abs;
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

/**
 * Resolve a user-supplied path and refuse it unless it lies inside an allowed root.
 * @param field the argument name, for the error message.
 */
export function resolveAllowedPath(policy: PathPolicy, input: unknown, field: string): string {
  if (typeof input !== 'string' || input.trim() === '') {
    throw invalidInput(`'${field}' must be a non-empty file path`, { field });
  }
  if (input.includes('\0')) throw invalidInput(`'${field}' contains a NUL byte`, { field });
  if (/^[a-z][a-z0-9+.-]*:/i.test(input) && !/^[a-z]:[\\/]/i.test(input)) {
    throw invalidInput(`'${field}' must be a local file path, not a URL or protocol ('${input.slice(0, 40)}')`, {
      field,
    });
  }
  if (input.split(/[\\/]+/).includes('..')) {
    throw invalidInput(`'${field}' may not contain '..' segments`, { field });
  }
  const abs = path.resolve(policy.roots[0] ?? process.cwd(), input);
  const real = realPathOfPossiblyMissing(abs);
  if (!policy.roots.some((root) => isInside(root, real))) {
    throw invalidInput(
      `'${field}' is outside the folders this server may use; allowed: the studio folder and STUDIO_ALLOWED_DIRS (${policy.roots.length} root(s))`,
      { field, accepts: 'a path inside the studio folder or a folder listed in STUDIO_ALLOWED_DIRS' },
    );
  }
  return real;
}
