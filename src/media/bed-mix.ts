import { rename, rm } from 'node:fs/promises';
import { StudioError } from '../errors.js';
import { siblingTemp } from '../temp.js';
import { aac, FASTSTART } from './encode.js';
import { inputFile, outputFile, runFfmpeg } from './ffmpeg.js';
import { probe } from './probe.js';
import { type BedSpec, bedInputOptions, bedMixChains, type DuckSpan } from './render/beds.js';
import type { RenderOptions } from './render/types.js';

/**
 * Lay beds under a finished render (a film joined from its scenes): the picture is copied untouched, only the audio
 * is mixed and re-encoded. This is what lets a film-level music bed run across scene cuts while each scene stays a
 * reusable render of its own.
 */
export async function mixBedsUnder(
  inMp4: string,
  beds: readonly BedSpec[],
  spans: readonly DuckSpan[],
  outMp4: string,
  opts: RenderOptions & { sampleRate: number },
): Promise<{ durationSeconds: number }> {
  const info = await probe(inMp4, { signal: opts.signal, cache: false });
  if (!info.hasAudio || !(info.durationSeconds > 0)) throw new StudioError('internal', 'the joined film has no audio track to mix the beds under');
  const total = info.durationSeconds;
  const aformat = `aresample=${opts.sampleRate},aformat=sample_fmts=fltp:sample_rates=${opts.sampleRate}:channel_layouts=stereo`;
  const mixed = bedMixChains('main', beds, 1, spans, { totalSeconds: total, sampleRate: opts.sampleRate, aformat });
  const graph = [`[0:a:0]asetpts=PTS-STARTPTS,${aformat}[main]`, ...mixed.chains, `[${mixed.out}]${aformat}[aout]`].join(';');
  const args: string[] = [...inputFile(inMp4)];
  for (const b of beds) args.push(...inputFile(b.path, bedInputOptions(b)));
  const out = siblingTemp(outMp4, '.mp4');
  try {
    await runFfmpeg(
      [
        ...args,
        '-filter_complex',
        graph,
        '-map',
        '0:v:0',
        '-map',
        '[aout]',
        '-c:v',
        'copy',
        ...aac(opts.sampleRate),
        ...FASTSTART,
        '-f',
        'mp4',
        outputFile(out),
      ],
      { signal: opts.signal, onProgress: opts.onProgress, expectedDurationSeconds: total, outputs: [out], what: 'film bed mix' },
    );
    const got = await probe(out, { signal: opts.signal, cache: false });
    if (got.videoStreams !== 1 || got.audioStreams !== 1 || Math.abs(got.durationSeconds - total) > 0.1) {
      throw new StudioError('internal', `film bed mix produced ${got.durationSeconds.toFixed(2)} s, expected ${total.toFixed(2)} s`);
    }
    await rename(out, outMp4);
    return { durationSeconds: got.durationSeconds };
  } finally {
    await rm(out, { force: true });
  }
}
