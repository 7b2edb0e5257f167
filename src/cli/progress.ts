/**
 * Progress of long calls. On a terminal: one bar redrawn in place, with log lines printed above it. Otherwise
 * (pipes, CI logs): plain lines, only when the message changes or progress moves by a tenth, so logs stay short.
 * It writes to stderr, so stdout carries only the result and can be piped (`studio-mcp call … | jq`).
 */
export interface Progress {
  update(fraction: number, message?: string): void;
  line(text: string): void;
  done(): void;
}

const WIDTH = 28;

export function createProgress(stream: NodeJS.WriteStream = process.stderr, tty: boolean = stream.isTTY === true): Progress {
  let shown = false;
  let lastFraction = -1;
  let lastMessage: string | undefined;
  let current = '';

  const clear = (): void => {
    if (tty && shown) stream.write('\r\x1b[2K');
  };
  const draw = (): void => {
    if (!tty || !current) return;
    stream.write(current);
    shown = true;
  };

  return {
    update(fraction, message) {
      const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
      const pct = Math.round(f * 100);
      if (tty) {
        const filled = Math.round(f * WIDTH);
        const cols = stream.columns ?? 100;
        current = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(pct).padStart(3)}% ${message ?? ''}`.slice(0, Math.max(20, cols - 1));
        clear();
        draw();
        return;
      }
      if (message === lastMessage && f - lastFraction < 0.1 && f < 1) return;
      if (f === lastFraction && message === lastMessage) return;
      lastFraction = f;
      lastMessage = message;
      stream.write(`progress ${pct}%${message ? ` ${message}` : ''}\n`);
    },
    line(text) {
      clear();
      stream.write(text + '\n');
      shown = false;
      draw();
    },
    done() {
      clear();
      shown = false;
      current = '';
    },
  };
}
