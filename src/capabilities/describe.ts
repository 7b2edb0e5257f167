import type { CapabilityField, JsonSchemaFragment, MediaKind } from './types.js';

/**
 * Short English descriptions of what a field accepts, used in error messages ("accepts one of 4, 6, 8") and in
 * tool schema descriptions. Only the JSON Schema subset the capability files use is described.
 */

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function range(schema: JsonSchemaFragment): string {
  const min = schema['minimum'] ?? schema['exclusiveMinimum'];
  const max = schema['maximum'] ?? schema['exclusiveMaximum'];
  if (typeof min === 'number' && typeof max === 'number') return ` from ${min} to ${max}`;
  if (typeof min === 'number') return ` of at least ${min}`;
  if (typeof max === 'number') return ` of at most ${max}`;
  return '';
}

const MEDIA_WORD: Record<MediaKind, string> = { image: 'an image', video: 'a video', audio: 'an audio file' };
const MEDIA_PLURAL: Record<MediaKind, string> = { image: 'images', video: 'videos', audio: 'audio files' };

/** The description text for a media field in tool schemas (media args are library ids, never paths or URLs). */
export function mediaDescription(kind: MediaKind, array: boolean, maxItems?: number): string {
  if (array) return `Media ids (${MEDIA_PLURAL[kind]}${maxItems !== undefined ? `, at most ${maxItems}` : ''})`;
  return `Media id (${kind})`;
}

/** What a value for `schema` may be, e.g. "one of 4, 6, 8" or "an integer from 0 to 4294967295". */
export function describeSchema(schema: JsonSchemaFragment, media?: MediaKind): string {
  const en = schema['enum'];
  if (Array.isArray(en)) return `one of ${en.map(show).join(', ')}`;
  if ('const' in schema) return `only ${show(schema['const'])}`;
  const type = schema['type'];
  if (type === 'array') {
    const items = schema['items'];
    const max = schema['maxItems'];
    const min = schema['minItems'];
    const count = typeof min === 'number' && typeof max === 'number' ? `${min} to ${max} ` : typeof max === 'number' ? `up to ${max} ` : '';
    if (media) return `a list of ${count}media ids of ${MEDIA_PLURAL[media]}`;
    const inner = items && typeof items === 'object' ? describeSchema(items as JsonSchemaFragment) : 'values';
    return `a list of ${count}items, each ${inner}`;
  }
  if (media) return `a media id of ${MEDIA_WORD[media]}`;
  if (type === 'integer') return `an integer${range(schema)}`;
  if (type === 'number') return `a number${range(schema)}`;
  if (type === 'boolean') return 'true or false';
  if (type === 'string') {
    const max = schema['maxLength'];
    return typeof max === 'number' ? `a string of at most ${max} characters` : 'a string';
  }
  return 'a value';
}

/** `describeSchema` for a capability field. */
export function describeField(field: CapabilityField): string {
  return describeSchema(field.schema, field.media);
}
