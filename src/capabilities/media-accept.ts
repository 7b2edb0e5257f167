import { invalidInput, type StudioError } from '../errors.js';
import { argName } from './arg-fields.js';
import type { Capability } from './types.js';

/**
 * Whether one library file may go to the provider as it is, must be converted first, or must be refused — from the
 * field's `accept` (MIME list, minimum side, aspect range) and the model's `limits.max_input_bytes`. Pure: the
 * generation planner asks it before a job exists (so a bad input is refused before anything is queued) and the
 * input conformer asks it again on the file that will actually be uploaded.
 */

/** What is known of a file: its MIME type, size and (images) pixel size when known. */
export interface MediaFacts {
  mime: string;
  bytes: number;
  kind: 'image' | 'video' | 'audio';
  width?: number | null;
  height?: number | null;
}

export type MediaVerdict = { action: 'send' } | { action: 'convert'; to: ConvertibleImage } | { action: 'refuse'; error: StudioError };

/** Image formats the studio can write (through ffmpeg) when a provider does not take the stored one. */
export const CONVERTIBLE_IMAGES = ['image/png', 'image/jpeg'] as const;
export type ConvertibleImage = (typeof CONVERTIBLE_IMAGES)[number];

function mb(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/**
 * The verdict for one file in field `name` (the provider's field name) of `cap`.
 * @param label how the agent names the value, e.g. `start_frame` or `reference_images[1]` (default: the arg name).
 */
export function mediaVerdict(cap: Capability, name: string, file: MediaFacts, label?: string): MediaVerdict {
  const field = cap.fields[name];
  const arg = label ?? (field ? argName(name, field) : name);
  const refuse = (message: string, accepts: string): MediaVerdict => ({
    action: 'refuse',
    error: invalidInput(`${cap.id}: ${arg} ${message}`, { model: cap.id, field: arg, accepts }),
  });
  const accept = field?.accept;
  if (accept && file.kind === 'image') {
    const { width, height } = file;
    if (accept.min_side_px !== undefined && width && height && Math.min(width, height) < accept.min_side_px) {
      return refuse(
        `is ${width}×${height} px; the model needs at least ${accept.min_side_px} px on each side`,
        `images of at least ${accept.min_side_px} px a side`,
      );
    }
    const ar = accept.aspect_ratio;
    if (ar && width && height && (width / height < ar.min - 1e-9 || width / height > ar.max + 1e-9)) {
      return refuse(
        `has an aspect ratio of ${(width / height).toFixed(2)} (${width}×${height}); the model takes ${ar.min} to ${ar.max} (width / height)`,
        `images with width / height between ${ar.min} and ${ar.max}`,
      );
    }
  }
  if (accept && !accept.mime.includes(file.mime)) {
    const to = file.kind === 'image' ? CONVERTIBLE_IMAGES.find((m) => accept.mime.includes(m)) : undefined;
    if (to) return { action: 'convert', to };
    return refuse(`is ${file.mime}; the model accepts ${accept.mime.join(', ')}`, accept.mime.join(', '));
  }
  const max = cap.limits.max_input_bytes;
  if (max !== undefined && file.bytes > max) {
    return refuse(`is ${mb(file.bytes)}; the model accepts files of at most ${mb(max)}`, `files of at most ${mb(max)}`);
  }
  return { action: 'send' };
}
