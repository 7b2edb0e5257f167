import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { aac, FASTSTART, h264 } from '../src/media/encode.js';
import { outputFile, runFfmpeg } from '../src/media/ffmpeg.js';
import { scanMedia } from '../src/media/qc-scan.js';
import { renderScene, type SceneSpec } from '../src/media/scene-render.js';
import { toSrt } from '../src/media/subtitle-format.js';
import { addSubtitles } from '../src/media/subtitle-track.js';
import { cacheDir, exists, interleaved, round, type BenchResult } from './lib.js';

/**
 * What sound, words and checks cost on top of a plain scene render (issue 14): a 4-shot 854x480 scene of 3 s shots
 * with two dialogue lines, rendered plain (encoded, lines mixed), with a ducked music bed, with two-pass loudness,
 * then with soft or burned-in subtitles added, and the QC scan of the result. Each figure is a ratio to the plain
 * encode measured in the same interleaved rounds.
 */
const SHOTS = 4;
const SECONDS = 3;
const ROUNDS = 5;

export const notes = [
  'Soft subtitles copy picture and sound (a remux); burned-in subtitles re-encode the picture once more. Two-pass',
  "loudness decodes the scene's audio once more before the encode. The QC scan decodes the render once (black,",
  'freeze, silence and EBU R128 filters).',
].join('\n');

async function makeInputs(dir: string): Promise<{ shots: string[]; lines: string[]; music: string }> {
  const shots: string[] = [];
  for (let i = 0; i < SHOTS; i++) {
    const p = path.join(dir, `shot${i}.mp4`);
    if (!(await exists(p))) {
      await runFfmpeg([
        ...['-f', 'lavfi', '-i', `testsrc2=s=854x480:r=25:d=${SECONDS}`, '-f', 'lavfi', '-i', `anoisesrc=d=${SECONDS}:c=pink:a=0.02`],
        ...['-map', '0:v', '-map', '1:a', ...h264(23, 'ultrafast'), ...aac(48_000), ...FASTSTART, '-f', 'mp4', outputFile(p)],
      ]);
    }
    shots.push(p);
  }
  const lines: string[] = [];
  for (const [i, f] of [440, 520].entries()) {
    const p = path.join(dir, `line${i}.wav`);
    if (!(await exists(p))) await runFfmpeg(['-f', 'lavfi', '-i', `sine=f=${f}:d=1.6`, '-f', 'wav', outputFile(p)]);
    lines.push(p);
  }
  const music = path.join(dir, 'music.wav');
  if (!(await exists(music))) await runFfmpeg(['-f', 'lavfi', '-i', `sine=f=196:d=${SHOTS * SECONDS}`, '-f', 'wav', outputFile(music)]);
  return { shots, lines, music };
}

export async function run(): Promise<BenchResult[]> {
  const dir = await cacheDir('sound');
  const { shots, lines, music } = await makeInputs(dir);
  const base: SceneSpec = {
    width: 854,
    height: 480,
    fps: 25,
    shots: shots.map((video, i) => ({
      id: `s${i}`,
      video,
      audio: i === 1 || i === 2 ? [{ path: lines[i - 1] as string, offsetSeconds: 0.5, gainDb: 0 }] : [],
    })),
  };
  const spans = [
    { start: SECONDS + 0.5, end: SECONDS + 2.1 },
    { start: 2 * SECONDS + 0.5, end: 2 * SECONDS + 2.1 },
  ];
  const bed = { path: music, offsetSeconds: 0, gainDb: -12, fadeInSeconds: 1, fadeOutSeconds: 1, loop: false, duck: true, durationSeconds: SHOTS * SECONDS };
  const srt = path.join(dir, 'lines.srt');
  await writeFile(
    srt,
    toSrt(spans.map((s, i) => ({ start: s.start, end: s.end, text: i === 0 ? 'Where were you last night?' : 'Out on the water.' }))),
    'utf8',
  );
  const out = (name: string): string => path.join(dir, `${name}.mp4`);
  const plain = out('plain');
  await renderScene(base, plain, { forceEncode: true });
  const { medians, ratios } = await interleaved(
    [
      () => renderScene(base, out('plain-r'), { forceEncode: true }),
      () => renderScene({ ...base, beds: [bed], duckSpans: spans }, out('bed'), { forceEncode: true }),
      () => renderScene({ ...base, loudnorm: true }, out('loud'), { forceEncode: true }),
      () => addSubtitles(plain, srt, 'soft', out('soft')),
      () => addSubtitles(plain, srt, 'burn', out('burn')),
      () => scanMedia(plain, SHOTS * SECONDS),
    ],
    ROUNDS,
  );
  const ms = (i: number): number => round(medians[i] ?? 0, 1);
  const x = (i: number): number => round(ratios[i] ?? 0, 2);
  const note = `median of ${ROUNDS} interleaved rounds; ${SHOTS} × ${SECONDS} s shots at 854x480, two lines`;
  return [
    { name: 'plain scene render (encode, lines mixed)', value: ms(0), unit: 'ms', note },
    { name: 'with a ducked music bed', value: ms(1), unit: 'ms' },
    { name: 'with a ducked music bed / plain', value: x(1), unit: 'x' },
    { name: 'with two-pass loudness', value: ms(2), unit: 'ms' },
    { name: 'with two-pass loudness / plain', value: x(2), unit: 'x' },
    { name: 'adding soft subtitles (remux)', value: ms(3), unit: 'ms' },
    { name: 'soft subtitles / plain render', value: x(3), unit: 'x' },
    { name: 'burning in subtitles (picture re-encoded)', value: ms(4), unit: 'ms' },
    { name: 'burned-in subtitles / plain render', value: x(4), unit: 'x' },
    { name: 'QC scan of the render', value: ms(5), unit: 'ms' },
    { name: 'QC scan / plain render', value: x(5), unit: 'x', note: 'what render_scene adds when qc is on (the default)' },
  ];
}
