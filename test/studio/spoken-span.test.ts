import { describe, expect, it } from 'vitest';
import { spokenSpan } from '../../src/studio/spoken-span.js';

describe('spokenSpan: where the words of a line end', () => {
  it('takes the voice timings when the media has them', () => {
    expect(spokenSpan({ duration: 2.4, extra: { speech: { start: 0.12, end: 1.63 } } })).toEqual({ start: 0.12, end: 1.63 });
  });

  it('falls back to the whole file without timings, or with timings that make no sense', () => {
    expect(spokenSpan({ duration: 2.4, extra: {} })).toEqual({ start: 0, end: 2.4 });
    for (const speech of [null, 'x', { start: 1 }, { start: 1, end: 1 }, { start: -0.1, end: 1 }, { start: 0, end: Number.NaN }, { start: '0', end: 1 }]) {
      expect(spokenSpan({ duration: 2.4, extra: { speech } })).toEqual({ start: 0, end: 2.4 });
    }
    expect(spokenSpan(undefined)).toEqual({ start: 0, end: 0 });
  });

  it('never runs past the file (a trimmed or re-encoded file is the truth about length)', () => {
    expect(spokenSpan({ duration: 1.5, extra: { speech: { start: 0.1, end: 1.9 } } })).toEqual({ start: 0.1, end: 1.5 });
    expect(spokenSpan({ duration: null, extra: { speech: { start: 0.1, end: 1.9 } } })).toEqual({ start: 0.1, end: 1.9 });
  });
});
