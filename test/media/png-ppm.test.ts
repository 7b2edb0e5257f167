import { writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb } from '../../src/media/compare.js';
import { encodePngRgb } from '../../src/media/png.js';
import { LastPpmFrame } from '../../src/media/ppm.js';
import { makeTmp, type Tmp } from './fixtures.js';

let tmp: Tmp;
beforeAll(async () => {
  tmp = await makeTmp();
});
afterAll(() => tmp.dispose());

function ppm(w: number, h: number, fill: (i: number) => number): Buffer {
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = fill(i) & 255;
  return Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`, 'ascii'), data]);
}

describe('LastPpmFrame', () => {
  it('keeps the last complete frame whatever the chunking', () => {
    const frames = [ppm(5, 3, (i) => i), ppm(5, 3, (i) => i * 7 + 1), ppm(5, 3, (i) => 255 - i)];
    const stream = Buffer.concat(frames);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const reader = new LastPpmFrame();
        let at = 0;
        for (const p of [...points, stream.length]) {
          if (p > at) reader.push(stream.subarray(at, p));
          at = p;
        }
        const f = reader.frame();
        expect(f?.width).toBe(5);
        expect(f?.height).toBe(3);
        expect(Buffer.compare(f?.data ?? Buffer.alloc(0), (frames[2] as Buffer).subarray(11))).toBe(0);
      }),
    );
  });

  it('has no frame until one is complete and rejects other streams', () => {
    const r = new LastPpmFrame();
    r.push(ppm(4, 4, () => 1).subarray(0, 20));
    expect(r.frame()).toBeUndefined();
    expect(() => new LastPpmFrame().push(Buffer.from('GIF89a........'))).toThrow(/P6/);
  });
});

describe('encodePngRgb', () => {
  it('round-trips through ffmpeg bit-exactly', async () => {
    const w = 37;
    const h = 11;
    const rgb = Buffer.alloc(w * h * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 31 + (i >> 5)) & 255;
    await writeFile(tmp.p('x.png'), encodePngRgb(rgb, w, h));
    const back = await decodeRgb(tmp.p('x.png'));
    expect(back.width).toBe(w);
    expect(Buffer.compare(back.data, rgb)).toBe(0);
  });
});
