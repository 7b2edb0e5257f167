import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

function fakeStream(): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = {
    write: (s: string) => {
      out += s;
      return true;
    },
    columns: 80,
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

describe('progress display', () => {
  it('draws one bar in place on a terminal, with log lines above it', () => {
    const f = fakeStream();
    const p = createProgress(f.stream, true);
    p.update(0.25, 'video_generate');
    p.line('shot a: made');
    p.update(0.5, 'render');
    p.done();
    const out = f.text();
    expect(out).toContain('[#######---------------------]  25% video_generate');
    expect(out).toContain('\r\x1b[2Kshot a: made\n');
    expect(out).toContain('[##############--------------]  50% render');
    expect(out.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('writes plain lines elsewhere, only when the message changes or progress moves a tenth', () => {
    const f = fakeStream();
    const p = createProgress(f.stream, false);
    for (const x of [0, 0.02, 0.05, 0.12, 0.13]) p.update(x, 'rendering');
    p.update(0.14, 'joining');
    p.update(1, 'joining');
    expect(f.text()).toBe('progress 0% rendering\nprogress 12% rendering\nprogress 14% joining\nprogress 100% joining\n');
    expect(f.text()).not.toContain('\r');
  });
});
