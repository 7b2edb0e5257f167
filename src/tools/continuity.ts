import { mapAsync } from '../async-map.js';
import { z } from 'zod';
import { invalidInput } from '../errors.js';
import { hasRole } from '../capabilities/arg-fields.js';
import { CONFIRM_TOKEN_DESCRIPTION } from '../studio/confirmations.js';
import { generationOutput, runGeneration } from './generation.js';
import { mediaLink } from './media-links.js';
import type { ToolDef } from './types.js';
import { idArg, zodTool } from './zod-tool.js';
import { framesResult, result } from './output-shapes.js';

/** What video_smooth_transition answers: the bridge's generation result, or the crossfade it fell back to. */
const smoothOutput = result({
  ...generationOutput.partial().shape,
  bridged: z.boolean(),
  warnings: z.array(z.string()),
  bridge_shot_id: z.string().optional(),
  fallback: z.literal('crossfade').optional(),
  crossfade_seconds: z.number().optional(),
  to_shot_id: z.string().optional(),
});

/**
 * The bridge tool with `model` as an enum of the offered video models that take a start and an end frame. Its calls
 * are checked with `model` as any string, so a model that cannot bridge or is not offered gets its specific error.
 */
function withBridgeModels(tool: ToolDef): ToolDef {
  return {
    ...tool,
    inputSchema: (studio) => {
      const schema = structuredClone(tool.inputSchema(studio));
      const ids = studio.offered
        .forTask('video_generate')
        .filter((c) => hasRole(c, 'start_frame') && hasRole(c, 'end_frame'))
        .map((c) => c.id);
      if (ids.length) Object.assign(schema.properties['model'] as object, { enum: ids });
      return schema;
    },
    callSchema: tool.inputSchema,
  };
}

export const continuityTools: ToolDef[] = [
  zodTool({
    name: 'extract_frames',
    title: 'Extract frames',
    description:
      'Frames of a video as image media: first/last (exact), at times, or every N s; optionally a labelled contact sheet. With scene_id: a continuity ' +
      "storyboard, one row per cut (shot N's last frame | N+1's first).",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    schema: z.object({
      media_id: z.string().min(1).optional().describe('A video in the library.'),
      shot_id: z.string().min(1).optional().describe("Use the shot's current take."),
      scene_id: z.string().min(1).optional().describe('Make a storyboard of the scene: one row per cut (N last | N+1 first).'),
      which: z.enum(['first', 'last', 'both']).optional().describe('First and/or last frame (default both when no times/every_seconds).'),
      times: z.array(z.number().min(0)).max(100).optional().describe('Seconds from the start.'),
      every_seconds: z.number().positive().optional(),
      contact_sheet: z.boolean().default(false).describe('Also tile the frames into one labelled image.'),
    }),
    output: framesResult,
    run: async (a, { studio, signal }) => {
      if (!a.media_id && !a.shot_id && !a.scene_id) throw invalidInput('extract_frames needs one of media_id, shot_id or scene_id', { field: 'media_id' });
      const out = await studio.continuity.frames(a, signal);
      const sheet = out.contact_sheet;
      const sheetFile = sheet ? await studio.library.fileRef(sheet) : undefined;
      return {
        result: {
          frames: out.frames,
          ...(out.rows ? { rows: out.rows } : {}),
          ...(out.note ? { note: out.note } : {}),
          contact_sheet_id: sheet?.media_id ?? null,
          contact_sheet_path: sheetFile?.path ?? null,
          ...(sheetFile?.url ? { contact_sheet_url: sheetFile.url } : {}),
        },
        links: [
          ...(await mapAsync(out.frames, async (f) => mediaLink(await studio.library.get(f.media_id), `frame ${f.label}`))),
          ...(sheet ? [mediaLink(sheet, 'contact sheet')] : []),
        ],
      };
    },
  }),
  zodTool({
    name: 'use_last_frame',
    title: "Continue a shot from the previous shot's last frame",
    description:
      "Set a shot's start frame to the previous shot's exact last frame; its next video_generate starts from it. Refused when the shot's model takes no " +
      'start frame.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    schema: z.object({ shot_id: idArg('shot to continue') }),
    output: result({ shot_id: z.string(), start_frame: z.string(), from_shot_id: z.string() }),
    run: async ({ shot_id }, { studio }) => {
      const r = await studio.continuity.useLastFrame(shot_id);
      return {
        result: { shot_id, start_frame: r.start_frame, from_shot_id: r.from_shot_id, model: r.model },
        links: [mediaLink(await studio.library.get(r.start_frame), 'start frame')],
      };
    },
  }),
  withBridgeModels(
    zodTool({
      name: 'video_smooth_transition',
      longRunning: true,
      title: 'Bridge two shots with a generated transition',
      description:
        "A bridge clip from a shot's last frame to the next shot's first, inserted as a new shot between them. Declined when the next shot already starts on " +
        'that frame; when no offered model can bridge, the cut becomes a crossfade (the result says so).',
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      schema: z.object({
        from_shot_id: idArg('shot before the transition'),
        to_shot_id: z.string().min(1).optional().describe('Shot after the transition (default: the next shot in the scene).'),
        model: z.string().min(1).optional().describe("Default: the first shot's model if it takes both frames, else one of its provider."),
        prompt: z.string().min(1).max(2000).optional(),
        duration: z.number().positive().max(20).optional(),
        crossfade_seconds: z.number().min(0.1).max(5).default(0.75).describe('Crossfade used when no model can bridge.'),
        confirm_token: z.string().min(1).optional().describe(CONFIRM_TOKEN_DESCRIPTION),
      }),
      run: async (a, ctx) => {
        const { studio } = ctx;
        const from = await studio.project.shot(a.from_shot_id, 'from_shot_id');
        const shots = await studio.store.shots.listByScene(from.scene_id);
        const to = a.to_shot_id ? await studio.project.shot(a.to_shot_id, 'to_shot_id') : shots.find((s) => s.position === from.position + 1);
        if (!to) throw invalidInput(`shot '${from.shot_id}' is the last of its scene; give to_shot_id`, { field: 'to_shot_id' });
        if (to.scene_id !== from.scene_id || to.position !== from.position + 1)
          throw invalidInput('to_shot_id must be the shot right after from_shot_id in the same scene', { field: 'to_shot_id' });
        const fromMedia = (await studio.render.takeForRender(from)).media;
        const toMedia = (await studio.render.takeForRender(to)).media;
        if (to.continues) {
          // A bridge between shots that already join would insert seconds of one still picture.
          const stale = await studio.cuts.staleCut(to);
          throw invalidInput(
            stale
              ? `no bridge made: shot '${to.shot_id}' continues from '${from.shot_id}' (it is meant to start on its last frame) but the cut is stale; ` +
                  `refresh ` +
                  `it instead: ${stale.fix.join(' then ')}. To bridge instead, first shot_update(shot_id: "${to.shot_id}", continues: false)`
              : `no bridge made: shot '${to.shot_id}' already starts on the last frame of '${from.shot_id}', so the two shots join without a visible cut; a ` +
                  `bridge would only insert a still picture. To bridge anyway, first shot_update(shot_id: "${to.shot_id}", continues: false)`,
            { field: 'to_shot_id' },
          );
        }
        const pick = await studio.continuity.bridgeModel(from, a.model);
        if (!pick.cap) {
          await studio.project.updateShot(to.shot_id, { transition: { type: 'crossfade', duration: a.crossfade_seconds } });
          return {
            result: {
              bridged: false,
              fallback: 'crossfade',
              crossfade_seconds: a.crossfade_seconds,
              to_shot_id: to.shot_id,
              warnings: [`${pick.reason}; the cut into '${to.shot_id}' will be a ${a.crossfade_seconds} s crossfade at render time instead`],
            },
          };
        }
        const prompt = a.prompt ?? `Smooth continuous transition: ${from.prompt ?? 'previous shot'} → ${to.prompt ?? 'next shot'}`;
        const bridge = await studio.project.createShot(from.scene_id, {
          position: to.position,
          title: 'bridge',
          prompt,
          model: pick.cap.id,
          character_id: from.character_id,
          continues: true,
        });
        const args: Record<string, unknown> = {
          model: pick.cap.id,
          shot_id: bridge.shot_id,
          prompt,
          start_frame: fromMedia.last_frame_id,
          end_frame: toMedia.first_frame_id,
        };
        if (a.duration !== undefined) args.duration = a.duration;
        try {
          const out = await runGeneration(studio, 'video_smooth_transition', 'video_generate', args, ctx);
          return { result: { bridged: true, bridge_shot_id: bridge.shot_id, ...out.result }, ...(out.links ? { links: out.links } : {}) };
        } catch (err) {
          await studio.project.deleteShot(bridge.shot_id);
          throw err;
        }
      },
      output: smoothOutput,
    }),
  ),
];
