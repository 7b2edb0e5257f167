import { z } from 'zod';
import { approveTake } from '../storyboard/approve.js';
import { STORYBOARD_UI_URI } from '../storyboard/app-resource.js';
import { buildStoryboard } from '../storyboard/build.js';
import { result } from './output-shapes.js';
import { sceneOrFilm } from './target.js';
import type { ToolDef } from './types.js';
import { idArg, zodTool } from './zod-tool.js';

/**
 * The storyboard App (MCP Apps): storyboard_show opens the `ui://studio/storyboard` view in hosts that render Apps
 * (and gives the same data to those that do not); the view refreshes with storyboard_get and approves takes with
 * take_approve, both app-only (`visibility: ["app"]`: hosts keep them out of the model's tool list).
 */

/** Tool `_meta` in the keys ext-apps' registerAppTool writes: `ui.resourceUri` and the older flat `ui/resourceUri`. */
function appMeta(visibility?: ('model' | 'app')[]): Record<string, unknown> {
  return { ui: { resourceUri: STORYBOARD_UI_URI, ...(visibility ? { visibility } : {}) }, 'ui/resourceUri': STORYBOARD_UI_URI };
}

const str = z.string();
const nstr = z.string().nullable();
/** What a client of a storyboard relies on; everything else in src/storyboard/types.ts is there too, untyped here. */
const storyboardShape = result({
  kind: z.enum(['scene', 'film']),
  id: str,
  version: str,
  web_url: nstr,
  scenes: z.array(z.looseObject({ scene_id: str, shots: z.array(z.looseObject({ shot_id: str, current_take_id: nstr, approved_take_id: nstr })) })),
});

const READ = { readOnlyHint: true, openWorldHint: false } as const;

const storyboardTool = (name: string, title: string, description: string, meta: Record<string, unknown>): ToolDef => ({
  ...zodTool({
    name,
    title,
    description,
    annotations: READ,
    // Plain ids: the description says to give one of them (sceneOrFilm refuses both or neither, naming the field).
    schema: z.object({ scene_id: idArg('scene').optional(), film_id: idArg('film').optional() }),
    output: storyboardShape,
    // The frames and previews are fetched by the view when it draws them; linking every take would fill the result.
    linkMedia: false,
    run: async (a, { studio }) => ({ result: { ...(await buildStoryboard(studio, sceneOrFilm(a))) } }),
  }),
  _meta: meta,
});

export const storyboardTools: ToolDef[] = [
  storyboardTool(
    'storyboard_show',
    'Show the storyboard',
    "Show the user a scene's or film's storyboard (scene_id or film_id): frames, takes, lines, cuts, cost, jobs.",
    appMeta(),
  ),
  storyboardTool('storyboard_get', 'Storyboard (refresh)', 'The storyboard again, for the view (version changes with anything shown).', appMeta(['app'])),
  {
    ...zodTool({
      name: 'take_approve',
      title: 'Approve a take',
      description: "A person approves a shot's take (approved: false withdraws it); plan runs keep an approved current take.",
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      schema: z.object({ shot_id: idArg('shot'), take_id: z.string().min(1), approved: z.boolean() }),
      output: result({ shot_id: str, take_id: str, take_number: z.number(), approved: z.boolean(), approved_take_id: nstr }),
      run: async ({ shot_id, take_id, approved }, { studio }) => ({ result: { ...(await approveTake(studio, shot_id, take_id, approved)) } }),
    }),
    _meta: appMeta(['app']),
  },
];
