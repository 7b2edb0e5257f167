/**
 * Reads a stream of binary PPM (P6) images, as ffmpeg writes with `-c:v ppm -f image2pipe`, keeping only the most
 * recent complete frame: memory stays at about two frames however many pass through.
 */
export class LastPpmFrame {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private last: { data: Buffer; width: number; height: number } | undefined;

  /** Feed the next chunk of the stream. */
  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      // Headers are tiny; look at the first bytes only.
      const head = this.peek(Math.min(this.pendingBytes, 64));
      const h = parseHeader(head);
      if (!h) {
        if (this.pendingBytes >= 64) throw new Error('not a P6 PPM stream');
        return;
      }
      const frameBytes = h.width * h.height * 3;
      if (this.pendingBytes < h.headerLength + frameBytes) return;
      const all = Buffer.concat(this.pending, this.pendingBytes);
      this.last = {
        data: Buffer.from(all.subarray(h.headerLength, h.headerLength + frameBytes)),
        width: h.width,
        height: h.height,
      };
      const rest = all.subarray(h.headerLength + frameBytes);
      this.pending = rest.length ? [Buffer.from(rest)] : [];
      this.pendingBytes = rest.length;
    }
  }

  /** The last complete frame seen (rgb24), if any. */
  frame(): { data: Buffer; width: number; height: number } | undefined {
    return this.last;
  }

  private peek(n: number): Buffer {
    const first = this.pending[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.pending, this.pendingBytes).subarray(0, n);
  }
}

/** Parse "P6 <w> <h> <maxval>" + one whitespace byte; undefined until the whole header is there. */
function parseHeader(b: Buffer): { width: number; height: number; headerLength: number } | undefined {
  if (b.length < 2) return undefined;
  if (b[0] !== 0x50 || b[1] !== 0x36) throw new Error('not a P6 PPM stream');
  const tokens: number[] = [];
  let i = 2;
  while (tokens.length < 3) {
    while (i < b.length && isSpace(b[i])) i++;
    const start = i;
    while (i < b.length && b[i] !== undefined && (b[i] as number) >= 0x30 && (b[i] as number) <= 0x39) i++;
    if (i >= b.length) return undefined;
    if (i === start) throw new Error('malformed PPM header');
    tokens.push(Number(b.subarray(start, i).toString('ascii')));
  }
  if (!isSpace(b[i])) throw new Error('malformed PPM header');
  const [width, height, maxval] = tokens as [number, number, number];
  if (maxval !== 255) throw new Error('only 8-bit PPM is supported');
  return { width, height, headerLength: i + 1 };
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
