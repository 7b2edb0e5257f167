import { z } from 'zod';
import { invalidInput } from '../errors.js';
import { CONFIRM_TOKEN_DESCRIPTION } from '../studio/confirmations.js';
import { runGeneration } from './generation.js';
import { mediaLink } from './media-links.js';
import type { ToolDef } from './types.js';
import { idArg, zodTool } from './zod-tool.js';
import { framesResult, result } from './output-shapes.js';

export const continuityTools: ToolDef[] = [
  zodTool({
    name: 'extract_frames',
    title: 'Extract frames',
    description:
      'Frames of a video as image media: the first and/or last frame (exact, stored at generation), frames at given times, or one every N seconds; ' +
      "optionally tiled into one labelled contact-sheet image. With scene_id: a storyboard of the scene, one row per cut (shot N's last frame | red bar | " +
      "shot N+1's first frame, rows in scene order, grey bars between rows), each frame labelled with its shot and first/last; `rows` lists which shots " +
      'and frame media each row shows — look at it to check continuity at the cuts.',
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
      return {
        result: {
          frames: out.frames,
          ...(out.rows ? { rows: out.rows } : {}),
          ...(out.note ? { note: out.note } : {}),
          contact_sheet_id: sheet?.media_id ?? null,
          contact_sheet_path: sheet ? studio.library.absPath(sheet) : null,
        },
        links: [...out.frames.map((f) => mediaLink(studio.library.get(f.media_id), `frame ${f.label}`)), ...(sheet ? [mediaLink(sheet, 'contact sheet')] : [])],
      };
    },
  }),
  zodTool({
    name: 'use_last_frame',
    title: "Continue a shot from the previous shot's last frame",
    description:
      "Set a shot's start frame to the exact last frame of the previous shot's current take (stored as an image media item linked to both shots). The next " +
      "video_generate on the shot then starts from it. Refused when the shot's model takes no start frame (the error lists the models that do).",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    schema: z.object({ shot_id: idArg('shot to continue') }),
    output: result({ shot_id: z.string(), start_frame: z.string(), from_shot_id: z.string() }),
    run: async ({ shot_id }, { studio, session }) => {
      const r = studio.continuity.useLastFrame(shot_id, session.selected.get('video_generate'));
      return {
        result: { shot_id, start_frame: r.start_frame, from_shot_id: r.from_shot_id, model: r.model },
        links: [mediaLink(studio.library.get(r.start_frame), 'start frame')],
      };
    },
  }),
  zodTool({
    name: 'video_smooth_transition',
    longRunning: true,
    title: 'Bridge two shots with a generated transition',
    description:
      "Generate a bridge clip from one shot's last frame to the next shot's first frame with a model that takes a start and an end frame (Veo 3.1, Seedance, " +
      "Kling, local/animatic…), inserted as a new shot between them. Declined (with the reason) when the next shot already starts on the first shot's last " +
      'frame. When no such model is available, the cut is set to a crossfade at render time instead, and the result says so.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    schema: z.object({
      from_shot_id: idArg('shot before the transition'),
      to_shot_id: z.string().min(1).optional().describe('Shot after the transition (default: the next shot in the scene).'),
      model: z
        .string()
        .min(1)
        .optional()
        .describe("Model for the bridge (default: the first shot's model if it takes both frames, else another of the same provider)."),
      prompt: z.string().min(1).max(2000).optional(),
      duration: z.number().positive().max(20).optional(),
      crossfade_seconds: z.number().min(0.1).max(5).default(0.75).describe('Crossfade used when no bridge model is available.'),
      confirm_token: z.string().min(1).optional().describe(CONFIRM_TOKEN_DESCRIPTION),
    }),
    run: async (a, ctx) => {
      const { studio } = ctx;
      const from = studio.project.shot(a.from_shot_id, 'from_shot_id');
      const shots = studio.store.shots.listByScene(from.scene_id);
      const to = a.to_shot_id ? studio.project.shot(a.to_shot_id, 'to_shot_id') : shots.find((s) => s.position === from.position + 1);
      if (!to) throw invalidInput(`shot '${from.shot_id}' is the last of its scene; give to_shot_id`, { field: 'to_shot_id' });
      if (to.scene_id !== from.scene_id || to.position !== from.position + 1)
        throw invalidInput('to_shot_id must be the shot right after from_shot_id in the same scene', { field: 'to_shot_id' });
      const fromMedia = studio.render.takeForRender(from).media;
      const toMedia = studio.render.takeForRender(to).media;
      if (to.continues) {
        // A bridge between shots that already join would insert seconds of one still picture.
        const stale = studio.cuts.staleCut(to);
        throw invalidInput(
          stale
            ? `no bridge made: shot '${to.shot_id}' continues from '${from.shot_id}' (it is meant to start on its last frame) but the cut is stale; refresh ` +
                `it instead: ${stale.fix.join(' then ')}. To bridge instead, first shot_update(shot_id: "${to.shot_id}", continues: false)`
            : `no bridge made: shot '${to.shot_id}' already starts on the last frame of '${from.shot_id}', so the two shots join without a visible cut; a ` +
                `bridge would only insert a still picture. To bridge anyway, first shot_update(shot_id: "${to.shot_id}", continues: false)`,
          { field: 'to_shot_id' },
        );
      }
      const pick = studio.continuity.bridgeModel(from, a.model, ctx.session.selected.get('video_generate'));
      if (!pick.cap) {
        studio.project.updateShot(to.shot_id, { transition: { type: 'crossfade', duration: a.crossfade_seconds } });
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
      const bridge = studio.project.createShot(from.scene_id, {
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
        studio.project.deleteShot(bridge.shot_id);
        throw err;
      }
    },
  }),
];
