import path from 'node:path';
import { StudioError } from '../../errors.js';
import { aac, FASTSTART, fpsArg, frameCount, h264, type MediaOptions } from '../encode.js';
import { inputFile, outputFile, runFfmpeg } from '../ffmpeg.js';
import { writeThroughTemp } from '../../temp.js';
import { num } from '../filters.js';
import { probe } from '../probe.js';

/**
 * Placeholder lip-sync: muxes the speech with a picture, length-matched to the speech, so the timeline of a
 * placeholder film is the same as it will be with a real lip-sync model.
 */

/** Output size and rate of an image lip-sync. */
export interface LipsyncImageOptions extends MediaOptions {
  width: number;
  height: number;
  fps: number;
}

async function audioSeconds(audio: string, signal?: AbortSignal): Promise<number> {
  const info = await probe(audio, { signal });
  if (!info.hasAudio) throw new StudioError('invalid_input', `${path.basename(audio)} has no audio track`, { field: 'audio' });
  if (!(info.durationSeconds > 0.01)) {
    throw new StudioError('invalid_input', `${path.basename(audio)} has no length (zero-length audio)`, { field: 'audio' });
  }
  return info.durationSeconds;
}

/**
 * A talking-head placeholder: the face image (fitted, kept aspect) with a mouth box that opens and closes at
 * syllable rate, exactly as long as `audio` (round(duration × fps) frames), audio muxed as AAC.
 */
export async function lipsyncImage(image: string, audio: string, outMp4: string, o: LipsyncImageOptions): Promise<void> {
  const D = await audioSeconds(audio, o.signal);
  const W = o.width;
  const H = o.height;
  const rate = fpsArg(o.fps);
  const mouthW = Math.max(4, 2 * Math.round(W / 16));
  const mouthH = Math.max(2, 2 * Math.round(H / 40));
  await writeThroughTemp(outMp4, '.mp4', async (out) => {
    await runFfmpeg(
      [
        ...inputFile(image, ['-loop', '1', '-framerate', rate]),
        ...inputFile(audio),
        '-f',
        'lavfi',
        '-i',
        `color=c=0x401010:s=${mouthW}x${mouthH}:r=${rate}`,
        '-filter_complex',
        `[0:v:0]scale=${W}:${H}:force_original_aspect_ratio=decrease,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1[face];` +
          `[face][2:v]overlay=x=(W-w)/2:y=H*0.68:shortest=1:enable='lt(mod(t,0.24),0.12)',` +
          // Frames are counted in the graph: -frames:v would close the output with ~0.8 s of audio still queued.
          `trim=end_frame=${frameCount(D, o.fps)},format=yuv420p[v]`,
        '-map',
        '[v]',
        '-map',
        '1:a:0',
        '-t',
        num(D),
        ...h264(16),
        ...aac(),
        ...FASTSTART,
        '-f',
        'mp4',
        outputFile(out),
      ],
      { signal: o.signal, onProgress: o.onProgress, expectedDurationSeconds: D, outputs: [out], what: 'lip-sync' },
    );
  });
}

/**
 * Video lip-sync placeholder: `video`'s picture with `audio` as its sound, as long as the audio: a longer video is
 * cut, a shorter one holds its last frame (tpad clone).
 */
export async function lipsyncVideo(video: string, audio: string, outMp4: string, opts: MediaOptions = {}): Promise<void> {
  const D = await audioSeconds(audio, opts.signal);
  const v = await probe(video, { signal: opts.signal });
  if (!v.hasVideo) throw new StudioError('invalid_input', `${path.basename(video)} has no video track`, { field: 'video' });
  const extend = Math.max(0, D - v.durationSeconds);
  const filter = extend > 0 ? `tpad=stop_mode=clone:stop_duration=${num(extend + 0.1)},format=yuv420p` : 'format=yuv420p';
  await writeThroughTemp(outMp4, '.mp4', async (out) => {
    await runFfmpeg(
      [
        ...inputFile(video),
        ...inputFile(audio),
        '-map',
        '0:v:0',
        '-map',
        '1:a:0',
        '-vf',
        filter,
        '-t',
        num(D),
        ...h264(16),
        ...aac(),
        ...FASTSTART,
        '-f',
        'mp4',
        outputFile(out),
      ],
      { signal: opts.signal, onProgress: opts.onProgress, expectedDurationSeconds: D, outputs: [out], what: 'lip-sync' },
    );
  });
}
