import { z } from 'zod';
import type { Capability } from '../capabilities/types.js';
import type { ModelSummary } from '../studio/models.js';
import type { Studio } from '../studio/studio.js';
import { modelSchema } from './generation.js';
import { decodeCursor, pageArgs, pageOf, withoutNulls } from './page.js';
import type { ToolDef, ToolOutput } from './types.js';
import { nextCursor, result } from './output-shapes.js';
import { zodTool } from './zod-tool.js';

const modelLink = (id: string) => ({ uri: `studio://models/${id}`, name: `model ${id}`, mimeType: 'application/json' });

const anyObject = z.looseObject({});

/**
 * What a lookup answers: one model in full (its own input_schema, rules, limits, pricing), or without `model` the
 * models of its kind. Which of the two depends on the call, so no member is required.
 */
const lookupOutput = result({
  model: z.string().optional(),
  tool: z.string().optional(),
  offered: z.boolean().optional(),
  input_schema: anyObject.optional(),
  rules: z.array(z.unknown()).optional(),
  limits: anyObject.optional(),
  pricing: anyObject.optional(),
  models: z.array(z.unknown()).optional(),
});

/**
 * Describe one model: its own tool schema (exactly what its generation tool takes for it), rules, limits and price.
 * A lookup changes nothing a client sees: no selection, no tool list change. (An unseen Replicate model is read
 * live and joins the catalogue, which changes every client's tool list alike.)
 */
async function describeModel(studio: Studio, modelId: string, mediaType: Capability['media_type'] | undefined, signal: AbortSignal): Promise<ToolOutput> {
  const { cap, warnings } = await studio.models.describe(modelId, undefined, signal);
  // Every task is served by the generation tool of the same name (video_generate, voice_tts, …).
  if (mediaType && cap.media_type !== mediaType) warnings.push(`${cap.id} is a ${cap.media_type} model; its tool is ${cap.task}`);
  const offered = studio.offered.offers(cap);
  if (!offered) warnings.push(studio.offered.notOffered(cap).message);
  return {
    result: {
      ...studio.models.summary(cap),
      tool: cap.task,
      offered,
      description: cap.description,
      docs: cap.docs,
      rules: cap.rules,
      limits: cap.limits,
      output: cap.output,
      version: cap.version ?? null,
      input_schema: modelSchema(cap),
      warnings,
    },
    links: [modelLink(cap.id)],
  };
}

function capabilitiesTool(name: string, mediaType: Capability['media_type'] | undefined, title: string, what: string): ToolDef {
  const article = `${/^[aeiou]/.test(what) ? 'An' : 'A'} ${what}`;
  return zodTool({
    name,
    title,
    description:
      `${article} model's exact input schema, rules, limits, price and whether it is offered here; changes nothing. Unseen ` +
      `replicate/<owner>/<name> models are read live. Without model: lists the ${what} models.`,
    annotations: { readOnlyHint: true, openWorldHint: true },
    schema: z.object({
      model: z.string().min(1).optional().describe("Model id '<provider>/<model>', e.g. local/animatic."),
    }),
    output: lookupOutput,
    run: async ({ model }, { studio, signal }) => {
      if (model) return describeModel(studio, model, mediaType, signal);
      const models = studio.models.list(mediaType ? { mediaType } : {}).map((m) => {
        const cap = studio.registry.get(m.model);
        return { ...m, offered: cap ? studio.offered.offers(cap) : false };
      });
      return { result: { models } };
    },
  });
}

export const modelTools: ToolDef[] = [
  capabilitiesTool('video_get_capabilities', 'video', 'Show a video model', 'video'),
  capabilitiesTool('image_get_capabilities', 'image', 'Show an image model', 'image'),
  capabilitiesTool('model_get_capabilities', undefined, 'Show any model', 'video, image, voice or lip-sync'),
  zodTool({
    name: 'models_list',
    title: 'List models',
    description:
      'Every model the studio knows, a page at a time (next_cursor continues), optionally of one media_type: whether it can run here (else the variable to ' +
      "set) and its price. detail: 'full' adds title, status, reason and whole pricing.",
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object({ media_type: z.enum(['video', 'image', 'voice']).optional().describe('Only models of this media type.'), ...pageArgs }),
    output: result({ models: z.array(z.looseObject({ model: z.string() })), next_cursor: nextCursor }),
    run: async (a, { studio }) => {
      const after = decodeCursor('models_list', a.cursor);
      const all = studio.models
        .list(a.media_type ? { mediaType: a.media_type } : {})
        .sort((x, y) => (x.model < y.model ? -1 : x.model > y.model ? 1 : 0))
        .filter((m) => !after || m.model > after.id);
      const page = pageOf(all.slice(0, a.limit + 1), a.limit, (m) => ({ key: m.model, id: m.model }));
      return {
        result: {
          models: page.items.map((m) => (a.detail === 'full' ? { ...m } : compactModel(m))),
          ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}),
        },
      };
    },
  }),
];

/** A model in a list: what it does, whether it runs here (else what to set) and its base price. */
function compactModel(m: ModelSummary): Record<string, unknown> {
  const p = m.pricing;
  return withoutNulls({
    model: m.model,
    task: m.task,
    available: m.available,
    env: m.available ? null : (m.env ?? null),
    price: p ? `${p.usd} USD/${p.per}${p.variants?.length ? ' (varies)' : ''}` : null,
  });
}
