import { inputFile, outputFile, runFfmpeg } from './ffmpeg.js';

/**
 * Re-encode one still image into a format a provider accepts (WebP → PNG for Veo, whose REST `Image` takes only
 * JPEG and PNG). PNG keeps every pixel (and alpha); JPEG is written at high quality for providers that take JPEG
 * only. Only the first frame of an animated input is kept: the providers take stills.
 */
export async function convertImage(input: string, output: string, to: 'image/png' | 'image/jpeg', opts: { signal?: AbortSignal } = {}): Promise<void> {
  const codec = to === 'image/png' ? ['-c:v', 'png'] : ['-c:v', 'mjpeg', '-q:v', '2', '-pix_fmt', 'yuvj444p'];
  await runFfmpeg([...inputFile(input), '-frames:v', '1', ...codec, '-f', 'image2', '-update', '1', outputFile(output)], {
    signal: opts.signal,
    outputs: [output],
    what: `convert an image to ${to}`,
  });
}
