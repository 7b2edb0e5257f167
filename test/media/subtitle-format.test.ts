import { describe, expect, it } from 'vitest';
import { plainCueText, toSrt, toVtt } from '../../src/media/subtitle-format.js';

describe('subtitle files', () => {
  it('writes numbered SRT cues and a WebVTT file with exact stamps', () => {
    const cues = [
      { start: 0.5, end: 1.75, text: 'Hello there.' },
      { start: 3661.001, end: 3662, text: 'Later.', speaker: 'Mara' },
    ];
    expect(toSrt(cues)).toBe('1\n00:00:00,500 --> 00:00:01,750\nHello there.\n\n2\n01:01:01,001 --> 01:01:02,000\nMara: Later.\n');
    expect(toVtt(cues)).toBe('WEBVTT\n\n00:00:00.500 --> 00:00:01.750\nHello there.\n\n01:01:01.001 --> 01:01:02.000\nMara: Later.\n');
  });

  it('keeps hostile words as plain text: no cue break, no timing line, no override tag, no markup', () => {
    const hostile = 'a --> b\n\n\nsecond {\\an8}top %{pts} "quoted", colon: <i>x</i> & more';
    expect(plainCueText(hostile)).toBe('a -> b\nsecond (/an8)top %(pts) "quoted", colon: <i>x</i> & more');
    const srt = toSrt([{ start: 0, end: 1, text: hostile }]);
    expect(srt).toBe('1\n00:00:00,000 --> 00:00:01,000\na -> b\nsecond (/an8)top %(pts) "quoted", colon: ‹i>x‹/i> & more\n');
    expect(srt.split('-->').length).toBe(2);
    const vtt = toVtt([{ start: 0, end: 1, text: hostile }]);
    expect(vtt).toBe('WEBVTT\n\n00:00:00.000 --> 00:00:01.000\na -&gt; b\nsecond (/an8)top %(pts) "quoted", colon: &lt;i&gt;x&lt;/i&gt; &amp; more\n');
  });

  it('drops cues with no words or no length', () => {
    expect(
      toSrt([
        { start: 0, end: 1, text: ' \n \n' },
        { start: 2, end: 2, text: 'x' },
      ]),
    ).toBe('');
    expect(toVtt([])).toBe('WEBVTT\n\n');
  });
});
