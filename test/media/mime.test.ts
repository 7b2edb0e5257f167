import { describe, expect, it } from 'vitest';
import { extensionForMime, knownExtension, mimeForExtension } from '../../src/media/mime.js';
import { mimeFromUrl, uploadName } from '../../src/providers/common.js';

describe('the one MIME table', () => {
  it('maps each type to the extension it is stored under, and back', () => {
    expect(extensionForMime('image/jpeg')).toBe('.jpg');
    expect(extensionForMime('audio/x-wav')).toBe('.wav');
    expect(extensionForMime('video/x-matroska')).toBe('.mkv');
    expect(extensionForMime('application/x-unknown')).toBe('.bin');
    expect(knownExtension('application/x-unknown')).toBeUndefined();
    expect(mimeForExtension('.JPEG')).toBe('image/jpeg');
    expect(mimeForExtension('m4v')).toBe('video/mp4');
    expect(mimeForExtension('.gif')).toBe('image/gif');
    expect(mimeForExtension('.exe')).toBeUndefined();
  });

  it('serves the providers: output URLs and upload names read the same table as the library', () => {
    expect(mimeFromUrl('https://cdn.example.com/out/clip.MP4?sig=1')).toBe('video/mp4');
    expect(mimeFromUrl('https://cdn.example.com/out/voice.opus')).toBe('audio/opus');
    expect(mimeFromUrl('not a url')).toBeUndefined();
    expect(uploadName({ mediaId: 'med_1', kind: 'audio', mime: 'audio/x-wav', path: '/s/media/voice/med_1.wav', sha256: 'x', bytes: 1 })).toBe('med_1.wav');
    expect(uploadName({ mediaId: 'med/2', kind: 'image', mime: 'image/x-odd', path: '/s/a.tiff', sha256: 'x', bytes: 1 })).toBe('med_2.tiff');
    expect(uploadName({ mediaId: 'med_3', kind: 'image', mime: 'image/x-odd', path: '/s/noext', sha256: 'x', bytes: 1 })).toBe('med_3.bin');
  });
});
