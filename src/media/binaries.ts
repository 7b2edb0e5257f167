import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { StudioError } from '../errors.js';

/**
 * Finds the ffmpeg and ffprobe executables. The order is documented and tested:
 *   1. an explicit path (`config.ffmpegPath` / `config.ffprobePath`, i.e. FFMPEG_PATH / FFPROBE_PATH);
 *   2. a bundled binary that is really on disk (the optional `ffmpeg-static` package; it ships no ffprobe, so
 *      ffprobe is looked for next to it);
 *   3. the system's, found on PATH.
 * An explicit path that does not exist is an error rather than a silent fallback: the user asked for that binary.
 */

/** Where a binary was found. */
export type BinarySource = 'config' | 'bundled' | 'system';

export interface ResolvedBinaries {
  ffmpeg: string;
  ffprobe: string;
  source: { ffmpeg: BinarySource; ffprobe: BinarySource };
}

/** Inputs of the resolution; every one is injectable so tests can simulate any machine. */
export interface ResolveBinariesOptions {
  /** FFMPEG_PATH. */
  ffmpegPath?: string;
  /** FFPROBE_PATH. */
  ffprobePath?: string;
  /** The PATH to search (default: process.env.PATH). */
  searchPath?: string;
  /** Path of a bundled ffmpeg, or undefined; default: what `ffmpeg-static` exports, if installed. */
  bundledFfmpeg?: () => string | undefined;
}

const HOW_TO_GET =
  'install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) ' +
  'or set FFMPEG_PATH and FFPROBE_PATH to the executables';

const exeSuffix = process.platform === 'win32' ? '.exe' : '';

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `ffmpeg-static` exports the binary's path, which exists only if its install-time download succeeded. */
function defaultBundledFfmpeg(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    // A variable keeps TypeScript from demanding the (optional, usually absent) module's types.
    const name = 'ffmpeg-static';
    const exported: unknown = require(name);
    return typeof exported === 'string' ? exported : undefined;
  } catch {
    return undefined;
  }
}

function searchOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir.trim() === '') continue;
    const candidate = path.join(dir, name + exeSuffix);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function explicit(p: string, envName: string): string {
  const abs = path.resolve(p);
  if (!isExecutableFile(abs)) {
    throw new StudioError(
      'provider_unavailable',
      `${envName} is set but '${abs}' is not an executable file; fix ${envName} or unset it to use the system's. To get ffmpeg: ${HOW_TO_GET}`,
      { field: envName },
    );
  }
  return abs;
}

/** Resolve both binaries without caching (see `getBinaries` for the cached form). */
export function resolveBinaries(opts: ResolveBinariesOptions = {}): ResolvedBinaries {
  const searchPath = opts.searchPath ?? process.env.PATH ?? '';
  let ffmpeg: { path: string; source: BinarySource } | undefined;
  if (opts.ffmpegPath) {
    ffmpeg = { path: explicit(opts.ffmpegPath, 'FFMPEG_PATH'), source: 'config' };
  } else {
    const bundled = (opts.bundledFfmpeg ?? defaultBundledFfmpeg)();
    if (bundled && isExecutableFile(bundled)) ffmpeg = { path: bundled, source: 'bundled' };
    else {
      const sys = searchOnPath('ffmpeg', searchPath);
      if (sys) ffmpeg = { path: sys, source: 'system' };
    }
  }
  if (!ffmpeg) {
    throw new StudioError('provider_unavailable', `ffmpeg was not found. To get it: ${HOW_TO_GET}`, {
      field: 'FFMPEG_PATH',
    });
  }

  let ffprobe: { path: string; source: BinarySource } | undefined;
  if (opts.ffprobePath) {
    ffprobe = { path: explicit(opts.ffprobePath, 'FFPROBE_PATH'), source: 'config' };
  } else {
    // A binary chosen explicitly or bundled usually has its ffprobe beside it; prefer that pair over PATH.
    const sibling = path.join(path.dirname(ffmpeg.path), 'ffprobe' + exeSuffix);
    if (ffmpeg.source !== 'system' && isExecutableFile(sibling)) ffprobe = { path: sibling, source: ffmpeg.source };
    else {
      const sys = searchOnPath('ffprobe', searchPath);
      if (sys) ffprobe = { path: sys, source: 'system' };
    }
  }
  if (!ffprobe) {
    throw new StudioError('provider_unavailable', `ffprobe was not found. To get it: ${HOW_TO_GET}`, {
      field: 'FFPROBE_PATH',
    });
  }
  return { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, source: { ffmpeg: ffmpeg.source, ffprobe: ffprobe.source } };
}

let cached: { key: string; value: ResolvedBinaries } | undefined;

/**
 * The binaries for this process, resolved once from FFMPEG_PATH / FFPROBE_PATH / bundled / PATH and cached.
 * Pass options (e.g. from StudioConfig) to override; a change of inputs re-resolves.
 */
export function getBinaries(opts?: Pick<ResolveBinariesOptions, 'ffmpegPath' | 'ffprobePath'>): ResolvedBinaries {
  const ffmpegPath = opts?.ffmpegPath ?? nonEmpty(process.env.FFMPEG_PATH);
  const ffprobePath = opts?.ffprobePath ?? nonEmpty(process.env.FFPROBE_PATH);
  const key = JSON.stringify([ffmpegPath, ffprobePath, process.env.PATH]);
  if (cached?.key === key) return cached.value;
  const value = resolveBinaries({ ffmpegPath, ffprobePath });
  cached = { key, value };
  return value;
}

/** Forget the cached resolution (tests; after the user installs ffmpeg). */
export function resetBinariesCache(): void {
  cached = undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v && v.trim() !== '' ? v.trim() : undefined;
}
