import type { Bridge } from './bridge.js';

/** Media types the view will put in a data: URI; anything else the server sends is refused, not guessed. */
const ALLOWED = new Set(['image/jpeg', 'image/png', 'video/mp4', 'audio/mp4', 'audio/aac']);
/** Big entries (full frames, previews) kept at once; thumbnails are small and all stay. */
const MAX_BIG = 6;
const BIG_BYTES = 256 * 1024;

function toDataUri(mimeType: string, bytes: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => (typeof reader.result === 'string' ? resolve(reader.result) : reject(new Error('unreadable bytes')));
    reader.onerror = () => reject(reader.error ?? new Error('unreadable bytes'));
    reader.readAsDataURL(new Blob([bytes as BlobPart], { type: mimeType }));
  });
}

/**
 * data: URIs of studio:// resources, read once through the bridge and kept across redraws (a poll that changes
 * nothing visible must not re-read every frame). Failed reads are forgotten so a later redraw tries again.
 */
export class MediaCache {
  private readonly entries = new Map<string, Promise<string>>();
  private readonly big: string[] = [];

  constructor(private readonly bridge: Bridge) {}

  dataUri(uri: string): Promise<string> {
    const hit = this.entries.get(uri);
    if (hit) return hit;
    const p = this.read(uri);
    this.entries.set(uri, p);
    p.catch(() => this.entries.delete(uri));
    return p;
  }

  private async read(uri: string): Promise<string> {
    const { mimeType, bytes } = await this.bridge.readResource(uri);
    const type = mimeType.toLowerCase();
    if (!ALLOWED.has(type)) throw new Error(`${uri}: unexpected media type ${JSON.stringify(mimeType)}`);
    if (bytes.length > BIG_BYTES) this.remember(uri);
    return toDataUri(type, bytes);
  }

  private remember(uri: string): void {
    this.big.push(uri);
    while (this.big.length > MAX_BIG) {
      const old = this.big.shift();
      if (old !== undefined) this.entries.delete(old);
    }
  }
}
