import { stat } from 'node:fs/promises';
import { FASTSTART } from './encode.js';
import { inputFile, outputFile, runFfmpeg } from './ffmpeg.js';
import { probe } from './probe.js';

/**
 * Small stand-ins of library media that a client can fetch through MCP and play inline (a chat view plays them from
 * a data: URI): video as 360p H.264 + AAC mp4 with the index first, at most 4 MiB; images as a JPEG at most 360
 * pixels high; audio as AAC in mp4.
 */
export const PREVIEW_MAX_BYTES = 4 * 1024 * 1024;

export type PreviewKind = 'video' | 'image' | 'audio';

export const PREVIEW_MIME: Record<PreviewKind, string> = { video: 'video/mp4', image: 'image/jpeg', audio: 'audio/mp4' };

/** At most 360 lines, never enlarged, even (H.264 4:2:0 needs even sizes). */
const SCALE = "scale=-2:'trunc(min(360,ih)/2)*2'";
const AUDIO_KBPS = 96;

async function encodeVideo(src: string, out: string, videoKbps: number | undefined, signal?: AbortSignal): Promise<void> {
  const rate = videoKbps ? ['-b:v', `${videoKbps}k`, '-maxrate', `${videoKbps}k`, '-bufsize', `${videoKbps * 2}k`] : ['-crf', '28'];
  await runFfmpeg(
    [
      ...inputFile(src),
      ...['-map', '0:v:0', '-map', '0:a:0?', '-vf', `${SCALE},format=yuv420p`],
      ...['-c:v', 'libx264', '-preset', 'veryfast', ...rate, '-profile:v', 'main'],
      ...['-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`, '-ar', '48000', '-ac', '2'],
      ...FASTSTART,
      ...['-f', 'mp4', outputFile(out)],
    ],
    { ...(signal ? { signal } : {}), outputs: [out], what: 'preview' },
  );
}

/** Write the preview of `src` to `out`. A video over the size bound is encoded again at the bitrate that fits. */
export async function makePreview(src: string, kind: PreviewKind, out: string, signal?: AbortSignal): Promise<void> {
  const opts = { ...(signal ? { signal } : {}), outputs: [out], what: 'preview' };
  if (kind === 'image') {
    await runFfmpeg([...inputFile(src), '-vf', SCALE, '-frames:v', '1', '-q:v', '4', '-f', 'image2', '-c:v', 'mjpeg', outputFile(out)], opts);
    return;
  }
  if (kind === 'audio') {
    await runFfmpeg([...inputFile(src), '-vn', '-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`, ...FASTSTART, '-f', 'mp4', outputFile(out)], opts);
    return;
  }
  await encodeVideo(src, out, undefined, signal);
  let size = (await stat(out)).size;
  if (size <= PREVIEW_MAX_BYTES) return;
  // 95 % of the bound over the clip's length, less the audio, leaves room for the container. x264's rate control
  // overshoots on hard material (noise, grain: measured +13 %), so a pass that still misses scales the bitrate by
  // how far it missed and tries again.
  const seconds = Math.max(1, (await probe(out, { cache: false })).durationSeconds);
  let kbps = Math.max(64, Math.floor((PREVIEW_MAX_BYTES * 0.95 * 8) / seconds / 1000) - AUDIO_KBPS);
  for (let pass = 0; pass < 4; pass++) {
    await encodeVideo(src, out, kbps, signal);
    size = (await stat(out)).size;
    if (size <= PREVIEW_MAX_BYTES) return;
    if (kbps === 64) break;
    kbps = Math.max(64, Math.floor(kbps * (PREVIEW_MAX_BYTES / size) * 0.95));
  }
  throw new Error(`preview: ${Math.round(seconds)} s of video does not fit in ${PREVIEW_MAX_BYTES} bytes even at 64 kb/s (${size} bytes)`);
}
