import { z } from 'zod';
import { StudioError } from '../errors.js';
import type { ProviderOutput } from './types.js';

/**
 * Lyria 2 (`lyria-002`) through `:predict`: `{instances:[{prompt, negative_prompt?, seed?}], parameters:{sample_count?}}`
 * answers synchronously `{predictions:[{audioContent: base64 WAV, mimeType: "audio/wav"}], …}`, one 30 s clip per
 * sample (Vertex AI Lyria API reference). Body paths come from the capability file.
 */
export const LyriaResponse = z.object({
  predictions: z
    .array(z.object({ audioContent: z.string().optional(), bytesBase64Encoded: z.string().optional(), mimeType: z.string().optional() }))
    .optional(),
});
export type LyriaResponse = z.infer<typeof LyriaResponse>;

/** The clips of a reply; a reply without audio is an error (a filtered prompt is a 400 before this). */
export function lyriaOutputs(reply: LyriaResponse): ProviderOutput[] {
  const outputs: ProviderOutput[] = [];
  for (const p of reply.predictions ?? []) {
    // audioContent is the documented field; bytesBase64Encoded is what other Vertex media models use (tolerated).
    const b64 = p.audioContent ?? p.bytesBase64Encoded;
    if (!b64) continue;
    const data = Buffer.from(b64, 'base64');
    if (data.length) outputs.push({ kind: 'bytes', data, mime: p.mimeType ?? 'audio/wav' });
  }
  if (!outputs.length) throw new StudioError('provider_error', 'Lyria returned no audio (no predictions with audioContent)', { retryable: true });
  return outputs;
}
