import type { Capability } from '../capabilities/types.js';
import { invalidInput } from '../errors.js';
import type { Store } from '../store/index.js';

/**
 * Multi-speaker models (ElevenLabs Text to Dialogue) take a list of turns, each with its own voice. A turn may name
 * a character instead of a voice: this puts the character's voice_id in its place before the call is validated, so
 * each line is spoken in the voice of the character who says it.
 */

/** The list fields whose items may name a `character_id` in place of a `voice_id`. */
function turnFields(cap: Capability): string[] {
  return Object.entries(cap.fields)
    .filter(([, f]) => {
      const items = f.schema['items'] as { properties?: Record<string, unknown> } | undefined;
      return f.schema['type'] === 'array' && !!items?.properties?.['voice_id'] && !!items.properties['character_id'];
    })
    .map(([name]) => name);
}

/** The call's arguments with every turn's `character_id` replaced by that character's `voice_id`. */
export async function resolveTurnVoices(store: Store, cap: Capability | undefined, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (!cap) return args;
  const out = { ...args };
  for (const name of turnFields(cap)) {
    const turns = args[name];
    if (!Array.isArray(turns)) continue;
    const voiced: unknown[] = [];
    for (const [i, turn] of (turns as unknown[]).entries()) voiced.push(await voiceTurn(store, cap, name, i, turn));
    out[name] = voiced;
  }
  return out;
}

async function voiceTurn(store: Store, cap: Capability, name: string, i: number, turn: unknown): Promise<unknown> {
  if (!turn || typeof turn !== 'object') return turn;
  const { character_id: characterId, ...rest } = turn as Record<string, unknown>;
  const field = `${name}[${i}]`;
  if (characterId === undefined) {
    if (rest['voice_id'] === undefined) {
      throw invalidInput(`${cap.id}: ${field} needs a voice_id or a character_id (whose voice speaks the turn)`, { field: name, model: cap.id });
    }
    return rest;
  }
  const character = typeof characterId === 'string' ? await store.characters.get(characterId) : undefined;
  if (!character) throw invalidInput(`${cap.id}: ${field}.character_id '${String(characterId)}' is not a character`, { field: name, model: cap.id });
  if (rest['voice_id'] !== undefined && rest['voice_id'] !== character.voice_id) {
    throw invalidInput(`${cap.id}: ${field} gives both a voice_id and character_id '${character.character_id}' with another voice; give one`, {
      field: name,
      model: cap.id,
    });
  }
  if (!character.voice_id) {
    throw invalidInput(`${cap.id}: ${field}: character '${character.name}' has no voice_id; set one with character_update or give the turn a voice_id`, {
      field: name,
      model: cap.id,
    });
  }
  return { ...rest, voice_id: character.voice_id };
}
