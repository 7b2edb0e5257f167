import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * Reads an MP4's track list and durations straight from its `moov` box, in-process. Used to verify renders: an
 * ffprobe start-up costs about as much as the stream-copy join itself, and a join's output only needs "one video
 * track, one audio track, this long" checked. Anything unexpected returns undefined and callers fall back to ffprobe.
 */

/** What the moov box says. */
export interface Mp4Info {
  /** Movie duration (mvhd). */
  durationSeconds: number;
  tracks: { handler: string; durationSeconds: number }[];
  /**
   * Hash of the video track's decoder configuration (avcC/hvcC: SPS/PPS). Two files can share one stream-copy join
   * only when it is equal: an MP4 carries one configuration, so joined packets encoded with other parameter sets
   * would be decoded with the wrong ones.
   */
  videoConfig?: string;
}

/** Visual sample entries start their child boxes after 8 bytes of SampleEntry and 70 of VisualSampleEntry. */
const VISUAL_SAMPLE_ENTRY_FIELDS = 78;

function videoConfigOf(buf: Buffer, stbl: Box): string | undefined {
  const stsd = child(buf, stbl, 'stsd');
  if (!stsd) return undefined;
  // stsd is a full box: version/flags (4) + entry count (4), then the sample entries.
  const [entry] = boxesIn(buf, stsd.start + stsd.headerSize + 8, stsd.start + stsd.size);
  if (!entry) return undefined;
  const from = entry.start + entry.headerSize + VISUAL_SAMPLE_ENTRY_FIELDS;
  const config = boxesIn(buf, from, entry.start + entry.size).find((b) => b.type === 'avcC' || b.type === 'hvcC');
  if (!config) return undefined;
  return `${entry.type}:${createHash('sha256')
    .update(buf.subarray(config.start + config.headerSize, config.start + config.size))
    .digest('hex')}`;
}

const MAX_MOOV = 64 * 2 ** 20;

interface Box {
  type: string;
  start: number;
  headerSize: number;
  size: number;
}

function boxesIn(buf: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let headerSize = 8;
    if (size === 1) {
      if (at + 16 > to) break;
      size = Number(buf.readBigUInt64BE(at + 8));
      headerSize = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < headerSize || at + size > to) break;
    out.push({ type, start: at, headerSize, size });
    at += size;
  }
  return out;
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  return boxesIn(buf, parent.start + parent.headerSize, parent.start + parent.size).find((b) => b.type === type);
}

/** timescale + duration of an mvhd/mdhd full box. */
function timed(buf: Buffer, box: Box): number | undefined {
  const p = box.start + box.headerSize;
  const version = buf[p];
  if (version === 1) {
    const timescale = buf.readUInt32BE(p + 20);
    const duration = Number(buf.readBigUInt64BE(p + 24));
    return timescale > 0 ? duration / timescale : undefined;
  }
  const timescale = buf.readUInt32BE(p + 12);
  const duration = buf.readUInt32BE(p + 16);
  return timescale > 0 ? duration / timescale : undefined;
}

/** Locate and parse `moov`; undefined when the file is not a plain MP4 this reader understands. */
export async function readMp4Info(file: string): Promise<Mp4Info | undefined> {
  const fh = await open(file, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const head = Buffer.alloc(16);
    let at = 0;
    while (at + 8 <= fileSize) {
      const { bytesRead } = await fh.read(head, 0, 16, at);
      if (bytesRead < 8) return undefined;
      let size = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (size === 1) size = Number(head.readBigUInt64BE(8));
      else if (size === 0) size = fileSize - at;
      if (size < 8 || at + size > fileSize) return undefined;
      if (type === 'moov') {
        if (size > MAX_MOOV) return undefined;
        const moov = Buffer.alloc(size);
        await fh.read(moov, 0, size, at);
        return parseMoov(moov);
      }
      at += size;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

function parseMoov(buf: Buffer): Mp4Info | undefined {
  try {
    const [moov] = boxesIn(buf, 0, buf.length);
    if (moov?.type !== 'moov') return undefined;
    const mvhd = child(buf, moov, 'mvhd');
    const durationSeconds = mvhd ? timed(buf, mvhd) : undefined;
    if (durationSeconds === undefined) return undefined;
    const tracks: Mp4Info['tracks'] = [];
    let videoConfig: string | undefined;
    for (const trak of boxesIn(buf, moov.start + moov.headerSize, moov.start + moov.size).filter((b) => b.type === 'trak')) {
      const mdia = child(buf, trak, 'mdia');
      const hdlr = mdia && child(buf, mdia, 'hdlr');
      const mdhd = mdia && child(buf, mdia, 'mdhd');
      if (!hdlr || !mdhd) return undefined;
      const p = hdlr.start + hdlr.headerSize;
      const handler = buf.toString('latin1', p + 8, p + 12);
      tracks.push({ handler, durationSeconds: timed(buf, mdhd) ?? 0 });
      if (handler === 'vide' && videoConfig === undefined) {
        const stbl = child(buf, child(buf, mdia, 'minf') ?? mdia, 'stbl');
        if (stbl) videoConfig = videoConfigOf(buf, stbl);
      }
    }
    return { durationSeconds, tracks, ...(videoConfig ? { videoConfig } : {}) };
  } catch {
    // A malformed box (reads past its end) is "not understood", not an error of the render.
    return undefined;
  }
}
