/**
 * A RIFF/WAVE header around raw samples. ElevenLabs' `pcm_*` formats are raw signed 16-bit little-endian mono
 * and `ulaw_8000`/`alaw_8000` are raw G.711 bytes, with no container; the library stores files, and a bare PCM
 * file cannot be probed or played, so we wrap them.
 */

export type WavEncoding = 'pcm_s16le' | 'mulaw' | 'alaw';

const FORMAT_TAG: Record<WavEncoding, number> = { pcm_s16le: 1, alaw: 6, mulaw: 7 };
const BITS: Record<WavEncoding, number> = { pcm_s16le: 16, alaw: 8, mulaw: 8 };

/** Prefix `samples` with a 44-byte WAV header. */
export function wrapWav(samples: Buffer, sampleRate: number, encoding: WavEncoding = 'pcm_s16le', channels = 1): Buffer {
  const bits = BITS[encoding];
  const blockAlign = (channels * bits) / 8;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(FORMAT_TAG[encoding], 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bits, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]);
}

/** Whether the bytes already start with a RIFF/WAVE header. */
export function isWav(data: Buffer): boolean {
  return data.length >= 12 && data.toString('ascii', 0, 4) === 'RIFF' && data.toString('ascii', 8, 12) === 'WAVE';
}
