import { runFfmpeg } from '../../src/media/ffmpeg.js';

export interface TestClipOptions {
  seconds?: number;
  /** `WxH`. */
  size?: string;
  fps?: number;
  /** A sine tone on the audio track; null for a clip without audio. */
  toneHz?: number | null;
  /** The tone's sample rate (ffmpeg's default 44100 when unset). */
  sampleRate?: number;
}

/**
 * A short H.264 (+ AAC tone) test clip made by ffmpeg — colour bars that change every frame, so frame checks see
 * motion — the fixture many tests import. Defaults: 1 s, 160x90, 12 fps, a 300 Hz tone.
 */
export async function testClip(file: string, o: TestClipOptions = {}): Promise<string> {
  const seconds = o.seconds ?? 1;
  const tone = o.toneHz === undefined ? 300 : o.toneHz;
  const audioIn =
    tone === null ? [] : ['-f', 'lavfi', '-i', `sine=frequency=${tone}${o.sampleRate ? `:sample_rate=${o.sampleRate}` : ''}:duration=${seconds}`, '-shortest'];
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${o.size ?? '160x90'}:rate=${o.fps ?? 12}:duration=${seconds}`,
    ...audioIn,
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    ...(tone === null ? [] : ['-c:a', 'aac']),
    `file:${file}`,
  ]);
  return file;
}
