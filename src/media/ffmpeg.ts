import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../errors.js';
import { getBinaries } from './binaries.js';

/**
 * The one module that runs ffmpeg and ffprobe. Every call is `spawn(bin, argv[])` without a shell; arguments are
 * built as arrays by callers, never templated into a command line. Inputs go through `inputFile()` so that a file
 * named `-i`, `concat:x` or `http://…` is always read as a local file.
 */

/** Options for one ffmpeg run. */
export interface RunOptions {
  signal?: AbortSignal;
  /** Called with 0..1 while ffmpeg works (needs `expectedDurationSeconds`), and with 1 at the end. */
  onProgress?: (fraction: number) => void;
  /** Length of the output in seconds, to turn ffmpeg's `out_time` into a fraction. */
  expectedDurationSeconds?: number;
  /** Files this run writes; deleted when the run fails or is canceled so no partial output survives. */
  outputs?: string[];
  /** Collect stdout (e.g. raw frames piped to `pipe:1`). */
  captureStdout?: boolean;
  /** Stream stdout to this function instead (large piped output that must not be held in memory). */
  onStdout?: (chunk: Buffer) => void;
  /** What the run is doing, for error messages ("render shot s2"). Never contains the command. */
  what?: string;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/** Global flags on every ffmpeg run: no stdin reads, no banner, overwrite (callers only write temp paths). */
const GLOBAL_FLAGS = ['-nostdin', '-hide_banner', '-y', '-loglevel', 'error', '-nostats'];

/** Only local files and pipes may be opened through an input, never network or concat protocols. */
export const PROTOCOL_WHITELIST = ['-protocol_whitelist', 'file,pipe'] as const;

/**
 * Only self-contained media containers may be opened as inputs. The `file` protocol alone is not enough: an HLS
 * playlist (even one named .mp4), a DASH manifest or an IMF package makes ffmpeg open the files it lists — any
 * absolute path on the machine — through that same whitelisted protocol. Names match any component of a demuxer's
 * name ("mov" covers mov,mp4,m4a,3gp,3g2,mj2).
 */
export const FORMAT_WHITELIST = [
  '-format_whitelist',
  [
    'mov',
    'matroska',
    'avi',
    'mpegts',
    'mpeg',
    'flv',
    'asf',
    'mxf',
    'h264',
    'hevc',
    'mp3',
    'aac',
    'wav',
    'w64',
    'flac',
    'ogg',
    'aiff',
    'caf',
    'ac3',
    'eac3',
    'amr',
    'image2',
    'png_pipe',
    'jpeg_pipe',
    'webp_pipe',
    'gif',
    'bmp_pipe',
    'tiff_pipe',
    'apng',
  ].join(','),
] as const;

/** An input path as ffmpeg must see it: absolute, with the `file:` protocol forced. */
export function fileUrl(p: string): string {
  return 'file:' + path.resolve(p);
}

/** `-i` for one file input, with the protocol and format whitelists and any input options (e.g. `-ss`) before it. */
export function inputFile(p: string, inputOptions: readonly string[] = []): string[] {
  return [...PROTOCOL_WHITELIST, ...FORMAT_WHITELIST, ...inputOptions, '-i', fileUrl(p)];
}

/** An output path, also forced to `file:` so a name like `-y` or `pipe:1` cannot change its meaning. */
export function outputFile(p: string): string {
  return fileUrl(p);
}

/** Lines of ffmpeg's stderr that say why a run failed, in a form safe to show an agent. */
function summarize(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    // Progress lines and ffmpeg's generic last words say nothing about the cause.
    .filter((l) => l !== '' && !/^(frame=|size=|video:|conversion failed|\[.*@ 0x[0-9a-f]+\]\s*$)/i.test(l));
  const meaningful =
    [...lines].reverse().find((l) => /error|invalid|no such|not found|could not|failed|unable|cannot|corrupt|truncat/i.test(l)) ??
    lines[lines.length - 1] ??
    'no diagnostic output';
  // Strip the "[mov,mp4 @ 0x55…]" noise and cap the length; paths of our own temp files are not secrets.
  const cleaned = meaningful.replace(/\[[^\]]*@ 0x[0-9a-f]+\]\s*/g, '');
  return cleaned.length > 240 ? cleaned.slice(0, 237) + '...' : cleaned;
}

/** Messages that mean the input itself is bad (corrupt, truncated, not media) rather than a bug of ours. */
const CORRUPT_INPUT = new RegExp(
  [
    'invalid data found',
    'moov atom not found',
    'could not find codec parameters',
    'end of file',
    'error while decoding',
    'invalid nal',
    'partial file',
    'truncat',
    'does not contain any stream',
    'no such file',
    'unknown format',
    'header missing',
    'not a valid',
    'error opening input',
    'matches no streams',
  ].join('|'),
  'i',
);

function runBinary(bin: string, argv: string[], opts: RunOptions, kind: 'ffmpeg' | 'ffprobe'): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new StudioError('canceled', `${opts.what ?? kind} was canceled`));
      return;
    }
    // fd 3 carries `-progress` so stdout stays free for piped data.
    const child = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], shell: false, windowsHide: true });
    const out: Buffer[] = [];
    let err = '';
    let aborted = false;
    let progressBuf = '';
    const expected = opts.expectedDurationSeconds ?? 0;

    let sinkError: unknown;
    child.stdout?.on('data', (d: Buffer) => {
      if (opts.captureStdout) out.push(d);
      if (opts.onStdout && sinkError === undefined) {
        try {
          opts.onStdout(d);
        } catch (e) {
          // A consumer that cannot parse the stream ends the run; the error is reported when ffmpeg exits.
          sinkError = e;
          child.kill('SIGKILL');
        }
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      // Keep the tail only: a long decode with warnings must not grow memory without bound.
      err = (err + d.toString('utf8')).slice(-16_384);
    });
    const progressStream = child.stdio[3];
    progressStream?.on('data', (d: Buffer) => {
      progressBuf += d.toString('utf8');
      const lines = progressBuf.split('\n');
      progressBuf = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^out_time_(?:us|ms)=(\d+)/.exec(line.trim());
        if (m?.[1] && expected > 0 && opts.onProgress) {
          // ffmpeg reports microseconds under both keys (out_time_ms is misnamed upstream).
          opts.onProgress(Math.min(1, Math.max(0, Number(m[1]) / 1e6 / expected)));
        }
      }
    });
    progressStream?.on('error', () => undefined);

    const onAbort = (): void => {
      aborted = true;
      child.kill('SIGKILL');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const cleanup = async (): Promise<void> => {
      await Promise.all((opts.outputs ?? []).map((o) => rm(o, { force: true, recursive: true })));
    };

    child.on('error', (e: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener('abort', onAbort);
      void cleanup().finally(() =>
        reject(
          new StudioError('provider_unavailable', `${kind} could not be started (${e.code ?? 'spawn error'}); install ffmpeg or set FFMPEG_PATH/FFPROBE_PATH`),
        ),
      );
    });
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (aborted) {
        void cleanup().finally(() => reject(new StudioError('canceled', `${opts.what ?? kind} was canceled`)));
        return;
      }
      if (sinkError !== undefined) {
        void cleanup().finally(() => reject(new StudioError('internal', `${opts.what ?? kind}: unexpected output from ${kind}`)));
        return;
      }
      if (code === 0) {
        opts.onProgress?.(1);
        resolve({ stdout: Buffer.concat(out), stderr: err });
        return;
      }
      const summary = summarize(err);
      const code_ = CORRUPT_INPUT.test(err) ? 'invalid_input' : 'internal';
      const prefix = code_ === 'invalid_input' ? 'input is not a readable media file' : `${kind} failed`;
      void cleanup().finally(() => reject(new StudioError(code_, `${opts.what ? opts.what + ': ' : ''}${prefix}: ${summary}`)));
    });
  });
}

/**
 * Run ffmpeg with `args` (everything after the global flags: inputs via `inputFile`, filters, outputs via
 * `outputFile`). Progress is requested on fd 3 when `onProgress` is given.
 */
export function runFfmpeg(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const progress = opts.onProgress ? ['-progress', 'pipe:3'] : [];
  return runBinary(getBinaries().ffmpeg, [...GLOBAL_FLAGS, ...progress, ...args], opts, 'ffmpeg');
}

/** Run ffprobe with `args`; returns its stdout as text. */
export async function runFfprobe(args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await runBinary(getBinaries().ffprobe, ['-hide_banner', '-loglevel', 'error', ...args], { ...opts, captureStdout: true }, 'ffprobe');
  return r.stdout.toString('utf8');
}

/** First line of `ffmpeg -version` (e.g. "ffmpeg version 5.1.9-0+deb12u1 …"), for a doctor command. */
export async function ffmpegVersionLine(): Promise<string> {
  const r = await runBinary(getBinaries().ffmpeg, ['-hide_banner', '-version'], { captureStdout: true }, 'ffmpeg');
  return r.stdout.toString('utf8').split('\n')[0]?.trim() ?? 'unknown';
}
