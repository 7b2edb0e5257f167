import { z } from 'zod';
import type { Capability, Task } from '../capabilities/types.js';
import type { ModelSummary } from '../studio/models.js';
import type { Studio } from '../studio/studio.js';
import { generationSchema } from './generation.js';
import { decodeCursor, pageArgs, pageOf, withoutNulls } from './page.js';
import type { Session, ToolDef, ToolOutput } from './types.js';
import { zodTool } from './zod-tool.js';

const TOOL_FOR_TASK: Record<Task, string> = {
  video_generate: 'video_generate',
  image_generate: 'image_generate',
  voice_tts: 'voice_tts',
  voice_v2v: 'voice_v2v',
  lipsync_image: 'lipsync_image',
  lipsync_video: 'lipsync_video',
  music_generate: 'music_generate',
  sfx_generate: 'sfx_generate',
};

const modelLink = (id: string) => ({ uri: `studio://models/${id}`, name: `model ${id}`, mimeType: 'application/json' });

/** Select a model for its tool in this session and describe it, including the tool's new input schema. */
async function selectModel(
  studio: Studio,
  session: Session,
  modelId: string,
  mediaType: Capability['media_type'] | undefined,
  signal: AbortSignal,
): Promise<ToolOutput> {
  const { cap, warnings } = await studio.models.describe(modelId, undefined, signal);
  if (mediaType && cap.media_type !== mediaType) warnings.push(`${cap.id} is a ${cap.media_type} model; it was selected for ${TOOL_FOR_TASK[cap.task]}`);
  const changed = session.selected.get(cap.task) !== cap.id;
  session.selected.set(cap.task, cap.id);
  if (changed) session.toolsChanged();
  const summary = studio.models.summary(cap);
  return {
    result: {
      ...summary,
      selected_for: TOOL_FOR_TASK[cap.task],
      description: cap.description,
      docs: cap.docs,
      rules: cap.rules,
      limits: cap.limits,
      output: cap.output,
      version: cap.version ?? null,
      input_schema: generationSchema(studio, session, cap.task),
      warnings,
    },
    links: [modelLink(cap.id)],
  };
}

function capabilitiesTool(name: string, mediaType: Capability['media_type'] | undefined, title: string, what: string): ToolDef {
  return zodTool({
    name,
    title,
    description:
      `Show what a ${what} model accepts (fields, enums, ranges, defaults, rules such as start/end frame versus reference images, price, ` +
      `availability) and select it: the matching generation tool's schema then shows exactly this model's fields (clients are told with tools/list_changed). ` +
      `Any replicate/<owner>/<name> model is read from Replicate's live schema and becomes callable at once. Without model: lists the ${what} models and ` +
      `which is selected.`,
    annotations: { readOnlyHint: true, openWorldHint: true },
    schema: z.object({
      model: z
        .string()
        .min(1)
        .optional()
        .describe("Model id '<provider>/<model>', e.g. vertex/veo-3.1-generate-001, replicate/bytedance/seedance-1-pro, local/animatic."),
    }),
    run: async ({ model }, { studio, session, signal }) => {
      if (model) return selectModel(studio, session, model, mediaType, signal);
      const models = studio.models.list(mediaType ? { mediaType } : {});
      const selected = Object.fromEntries([...session.selected.entries()]);
      return { result: { models, selected } };
    },
  });
}

export const modelTools: ToolDef[] = [
  capabilitiesTool('video_get_capabilities', 'video', 'Show and select a video model', 'video'),
  capabilitiesTool('image_get_capabilities', 'image', 'Show and select an image model', 'image'),
  capabilitiesTool('model_get_capabilities', undefined, 'Show and select any model', 'video, image, voice or lip-sync'),
  zodTool({
    name: 'models_list',
    title: 'List models',
    description:
      'Every model the studio knows, by id, a page at a time (next_cursor continues), optionally only one media_type: whether it can run here (and which ' +
      "environment variable to set when not) and its price. detail: 'full' adds title, status, the reason a model cannot run and the whole pricing.",
    annotations: { readOnlyHint: true, openWorldHint: false },
    schema: z.object({ media_type: z.enum(['video', 'image', 'voice']).optional().describe('Only models of this media type.'), ...pageArgs }),
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
