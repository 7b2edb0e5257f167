import { inputFile, outputFile, runFfmpeg } from './ffmpeg.js';
import { writeThroughTemp } from '../temp.js';
import { num } from './filters.js';

/**
 * A line placed on its shot's timeline: `offsetSeconds` of silence, the line, then silence up to `totalSeconds`
 * (16-bit PCM WAV, the line's own rate and channels). Lip-sync models make a clip exactly as long as their audio,
 * so sending this instead of the bare line keeps the shot's length and the line's place in it.
 */
export async function padAudioToTimeline(
  input: string,
  offsetSeconds: number,
  totalSeconds: number,
  outWav: string,
  opts: { signal?: AbortSignal } = {},
): Promise<void> {
  const ms = Math.max(0, Math.round(offsetSeconds * 1000));
  await writeThroughTemp(outWav, '.wav', async (out) => {
    await runFfmpeg(
      [
        ...inputFile(input),
        '-map',
        '0:a:0',
        '-af',
        `adelay=delays=${ms}:all=1,apad=whole_dur=${num(totalSeconds)},atrim=duration=${num(totalSeconds)}`,
        '-c:a',
        'pcm_s16le',
        '-f',
        'wav',
        outputFile(out),
      ],
      { ...(opts.signal ? { signal: opts.signal } : {}), outputs: [out], what: 'line padding' },
    );
  });
}
