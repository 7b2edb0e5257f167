import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../errors.js';
import { FASTSTART } from '../encode.js';
import { fileUrl, outputFile, PROTOCOL_WHITELIST, runFfmpeg } from '../ffmpeg.js';
import type { RenderOptions } from './types.js';

/** Joining by stream copy with ffmpeg's concat demuxer. */

/**
 * One line of a concat list. Paths are absolute `file:` URLs (so `-safe 0` never lets a name act as another
 * protocol) in single quotes, where a quote is written as '\'' (the demuxer's own escaping rule).
 */
export function concatListLine(p: string): string {
  if (/[\r\n]/.test(p)) {
    throw new StudioError('invalid_input', `a file name contains a line break and cannot be joined: ${JSON.stringify(path.basename(p))}`);
  }
  return `file '${fileUrl(p).replace(/'/g, "'\\''")}'`;
}

export async function writeConcatList(paths: readonly string[], listFile: string): Promise<void> {
  await writeFile(listFile, paths.map(concatListLine).join('\n') + '\n', 'utf8');
}

/** Stream-copy `listFile`'s files into `out` (the caller verifies the result). */
export async function runConcatCopy(listFile: string, out: string, expectedSeconds: number, opts: RenderOptions): Promise<void> {
  await runFfmpeg(
    [
      '-f',
      'concat',
      '-safe',
      '0',
      ...PROTOCOL_WHITELIST,
      '-i',
      fileUrl(listFile),
      '-map',
      '0:v:0',
      '-map',
      '0:a:0',
      '-c',
      'copy',
      ...FASTSTART,
      '-f',
      'mp4',
      outputFile(out),
    ],
    { signal: opts.signal, onProgress: opts.onProgress, expectedDurationSeconds: expectedSeconds, outputs: [out], what: 'join' },
  );
}
