import { describe, expect, it } from 'vitest';
import { type BedSpec, bedInputOptions, bedMixChains, bedSeconds } from '../../src/media/render/beds.js';

const AF = 'aformat=x';
const bed = (over: Partial<BedSpec> = {}): BedSpec => ({
  path: "/tmp/it's [a];bed,x.wav",
  offsetSeconds: 1,
  gainDb: -6,
  fadeInSeconds: 0.5,
  fadeOutSeconds: 1,
  loop: false,
  duck: true,
  durationSeconds: 4,
  ...over,
});

describe('bed mix chains', () => {
  it('trim, level, fades, offset and a side-chain keyed by the line spans; the file name never enters the graph', () => {
    const { chains, out } = bedMixChains('main', [bed()], 3, [{ start: 2, end: 3.5 }], { totalSeconds: 10, sampleRate: 48000, aformat: AF });
    expect(out).toBe('bedmix');
    const graph = chains.join(';');
    expect(graph).not.toContain('bed,x');
    expect(chains).toEqual([
      "aevalsrc='0.384905*min(1,between(t,1.88,3.58))':c=stereo:s=48000:d=10[bkey0]",
      '[3:a:0]asetpts=PTS-STARTPTS,aformat=x,atrim=duration=4,asetpts=PTS-STARTPTS,volume=-6dB,afade=t=in:st=0:d=0.5,afade=t=out:st=3:d=1,' +
        'adelay=delays=1000:all=1,apad=whole_dur=10,atrim=duration=10[bed0pre]',
      '[bed0pre][bkey0]sidechaincompress=threshold=0.0625:ratio=20:attack=20:release=250:knee=1:detection=peak[bed0]',
      '[main][bed0]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[bedmix]',
    ]);
  });

  it('a looping bed plays to the end; one past the end is left out; no lines means no key', () => {
    expect(bedSeconds(bed({ loop: true }), 10)).toBe(9);
    expect(bedSeconds(bed({ offsetSeconds: 8 }), 10)).toBe(2);
    expect(bedSeconds(bed({ offsetSeconds: 12 }), 10)).toBe(0);
    expect(bedInputOptions(bed({ loop: true }))).toEqual(['-stream_loop', '-1']);
    expect(bedInputOptions(bed())).toEqual([]);
    const { chains, out } = bedMixChains('a', [bed({ offsetSeconds: 12 }), bed({ duck: true })], 0, [], { totalSeconds: 10, sampleRate: 48000, aformat: AF });
    expect(out).toBe('bedmix');
    expect(chains.some((c) => c.includes('aevalsrc') || c.includes('sidechaincompress'))).toBe(false);
    expect(chains.at(-1)).toBe('[a][bed1]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[bedmix]');
  });
});
