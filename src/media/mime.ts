/**
 * The one MIME table of the studio: which file extension each media type is stored, downloaded and uploaded
 * under, and which type a file name or URL suggests. Providers (upload names, output URLs), the job queue (temp
 * files of downloads) and the library (stored files) all read it, so they cannot disagree. ffprobe, not the name,
 * decides what a file really is; these are only names and hints.
 */
const CANONICAL: ReadonlyArray<readonly [mime: string, ext: string]> = [
  ['video/mp4', '.mp4'],
  ['video/quicktime', '.mov'],
  ['video/webm', '.webm'],
  ['video/x-matroska', '.mkv'],
  ['image/png', '.png'],
  ['image/jpeg', '.jpg'],
  ['image/webp', '.webp'],
  ['image/gif', '.gif'],
  ['audio/mpeg', '.mp3'],
  ['audio/wav', '.wav'],
  ['audio/ogg', '.ogg'],
  ['audio/flac', '.flac'],
  ['audio/mp4', '.m4a'],
  ['audio/aac', '.aac'],
  ['audio/opus', '.opus'],
];

const EXT_BY_MIME: Readonly<Record<string, string>> = { ...Object.fromEntries(CANONICAL), 'audio/x-wav': '.wav' };
const MIME_BY_EXT: Readonly<Record<string, string>> = {
  ...Object.fromEntries(CANONICAL.map(([mime, ext]) => [ext, mime])),
  '.jpeg': 'image/jpeg',
  '.m4v': 'video/mp4',
};

/** The extension (with its dot) a known mime type is stored under; undefined for an unknown type. */
export function knownExtension(mime: string): string | undefined {
  return EXT_BY_MIME[mime];
}

/** The extension for a mime type, `.bin` when unknown (ffprobe decides what the file is, not its name). */
export function extensionForMime(mime: string): string {
  return knownExtension(mime) ?? '.bin';
}

/** The mime type a file extension suggests (`.jpg` or `jpg`, any case); undefined when unknown. */
export function mimeForExtension(ext: string): string | undefined {
  const e = ext.toLowerCase();
  return MIME_BY_EXT[e.startsWith('.') ? e : `.${e}`];
}
