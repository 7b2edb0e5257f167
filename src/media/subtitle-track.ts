import { rename, rm } from 'node:fs/promises';
import { invalidInput } from '../errors.js';
import { siblingTemp } from '../temp.js';
import { FASTSTART, h264 } from './encode.js';
import { inputFile, outputFile, runFfmpeg } from './ffmpeg.js';
import { filterValue } from './filters.js';
import { probe } from './probe.js';
import { textSupport } from './text.js';
import type { RenderOptions } from './render/types.js';

/** How a render carries its subtitles: none, drawn into the picture, or a separate track players can switch. */
export type SubtitleMode = 'none' | 'burn' | 'soft';

/** Readable on a 720p picture and on a phone: white on a dark outline, near the bottom. */
const BURN_STYLE = 'FontSize=22,PrimaryColour=&H00FFFFFF,OutlineColour=&H80000000,BorderStyle=1,Outline=2,Shadow=0,MarginV=28';

/**
 * Add an SRT's cues to a finished render. `soft` muxes a mov_text track (picture and sound copied, nothing
 * re-encoded); `burn` draws them into the picture with libass (the picture is re-encoded, the sound copied). The
 * cue text was made inert when the SRT was written (subtitle-format.ts), so words from agents stay words.
 */
export async function addSubtitles(inMp4: string, srt: string, mode: Exclude<SubtitleMode, 'none'>, outMp4: string, opts: RenderOptions = {}): Promise<void> {
  if (mode === 'burn') {
    const support = await textSupport();
    if (support.engine !== 'libass') {
      throw invalidInput(`subtitles: 'burn' needs ffmpeg's libass with a font (${support.reason ?? 'not available'}); use subtitles: 'soft'`, {
        field: 'subtitles',
      });
    }
  }
  const info = await probe(inMp4, { signal: opts.signal, cache: false });
  const out = siblingTemp(outMp4, '.mp4');
  const args =
    mode === 'soft'
      ? [
          ...inputFile(inMp4),
          // Our own SRT, read as SRT and nothing else.
          ...inputFile(srt, ['-format_whitelist', 'srt', '-f', 'srt']),
          ...['-map', '0:v:0', '-map', '0:a?', '-map', '1:0', '-c:v', 'copy', '-c:a', 'copy', '-c:s', 'mov_text', '-metadata:s:s:0', 'language=und'],
        ]
      : [
          ...inputFile(inMp4),
          '-map',
          '0:v:0',
          '-map',
          '0:a?',
          '-vf',
          `subtitles=filename=${filterValue(srt)}:force_style=${filterValue(BURN_STYLE)}`,
          ...h264(opts.crf ?? 18, opts.preset ?? 'veryfast'),
          '-c:a',
          'copy',
        ];
  try {
    await runFfmpeg([...args, ...FASTSTART, '-f', 'mp4', outputFile(out)], {
      signal: opts.signal,
      onProgress: opts.onProgress,
      expectedDurationSeconds: info.durationSeconds,
      outputs: [out],
      what: mode === 'burn' ? 'burning in subtitles' : 'adding a subtitle track',
    });
    await rename(out, outMp4);
  } finally {
    await rm(out, { force: true });
  }
}
