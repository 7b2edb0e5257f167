import { z } from 'zod';
import { StudioError } from '../errors.js';
import { buildBody, getPath, isMediaInput, setPath } from './request-body.js';
import type { ProviderHttp } from './http.js';
import { scrub, shorten } from './safe-message.js';
import type { MediaInput, ProviderOutput, ProviderRequest } from './types.js';

/**
 * Gemini native image generation ("Nano Banana") through `:generateContent`
 * (docs/providers.md §5). One user turn: the prompt as the first text part, then every media
 * input as an `inlineData` part in field order; `generationConfig.responseModalities` defaults to TEXT+IMAGE.
 * Gemini 3 image models "think" and may return draft images marked `thought: true`: the answer is the last
 * image part that is not a thought.
 */

const IMAGE_CONFIG_FIELDS = new Set(['aspectRatio', 'imageSize', 'personGeneration', 'imageOutputOptions', 'prominentPeople']);

function geminiDefaultPath(req: ProviderRequest): (name: string) => string {
  return (name) => {
    if (req.capability.fields[name]?.role === 'prompt' || name === 'prompt') return 'contents.0.parts.0.text';
    if (IMAGE_CONFIG_FIELDS.has(name)) return `generationConfig.imageConfig.${name}`;
    return `generationConfig.${name}`;
  };
}

/** Build the `:generateContent` body. `encode` reads a file into `{mimeType, data}` (base64). */
export async function buildGeminiBody(
  req: ProviderRequest,
  encode: (m: MediaInput) => Promise<{ mimeType: string; data: string }>,
): Promise<Record<string, unknown>> {
  const mediaFields = Object.entries(req.fields).filter(([, v]) => isMediaInput(v) || (Array.isArray(v) && v.some(isMediaInput)));
  const body = await buildBody(req, {
    defaultPath: geminiDefaultPath(req),
    encodeMedia: async (m) => m, // never used: media fields are skipped below and appended as parts
    skip: new Set(mediaFields.map(([name]) => name)),
  });
  if (getPath(body, 'contents.0.parts') === undefined) setPath(body, 'contents.0.parts', []);
  setPath(body, 'contents.0.role', 'user');
  const parts = getPath(body, 'contents.0.parts') as unknown[];
  for (const [, value] of mediaFields) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (isMediaInput(item)) parts.push({ inlineData: await encode(item) });
    }
  }
  if (getPath(body, 'generationConfig.responseModalities') === undefined) setPath(body, 'generationConfig.responseModalities', ['TEXT', 'IMAGE']);
  return body;
}

const Part = z.object({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  inlineData: z.object({ mimeType: z.string(), data: z.string() }).optional(),
});

export const GenerateContentResponse = z.object({
  candidates: z
    .array(
      z.object({
        content: z.object({ parts: z.array(Part).optional() }).optional(),
        finishReason: z.string().optional(),
        finishMessage: z.string().optional(),
      }),
    )
    .optional(),
  promptFeedback: z.object({ blockReason: z.string().optional(), blockReasonMessage: z.string().optional() }).optional(),
});
export type GenerateContentResponse = z.infer<typeof GenerateContentResponse>;

/** Finish reasons that mean "refused for content", not "broken". */
const BLOCKING_FINISH = new Set([
  'SAFETY',
  'IMAGE_SAFETY',
  'PROHIBITED_CONTENT',
  'IMAGE_PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_RECITATION',
]);

/** The image of a reply, or the StudioError that explains why there is none. */
export function pickGeminiImage(reply: GenerateContentResponse, http: ProviderHttp): ProviderOutput {
  const candidate = reply.candidates?.[0];
  const parts = candidate?.content?.parts ?? [];
  const image = parts.filter((p) => p.inlineData?.mimeType.startsWith('image/') && p.thought !== true).at(-1)?.inlineData;
  if (image) return { kind: 'bytes', data: Buffer.from(image.data, 'base64'), mime: image.mimeType };
  const clean = (t: string): string => shorten(scrub(t, http.redact));
  const blockReason = reply.promptFeedback?.blockReason;
  if (blockReason) {
    const msg = reply.promptFeedback?.blockReasonMessage;
    return fail(new StudioError('safety_blocked', `Gemini blocked the prompt (${blockReason})${msg ? `: ${clean(msg)}` : ''}`, { retryable: false }));
  }
  const finish = candidate?.finishReason;
  if (finish && BLOCKING_FINISH.has(finish)) {
    const msg = candidate?.finishMessage;
    return fail(new StudioError('safety_blocked', `Gemini refused to return the image (${finish})${msg ? `: ${clean(msg)}` : ''}`, { retryable: false }));
  }
  const text = parts
    .filter((p) => p.thought !== true && p.text)
    .map((p) => p.text)
    .join(' ');
  return fail(
    new StudioError('provider_error', `Gemini returned no image${finish ? ` (finishReason ${finish})` : ''}${text ? `; it said: ${clean(text)}` : ''}`, {
      retryable: true,
    }),
  );
}

function fail(err: StudioError): never {
  throw err;
}
