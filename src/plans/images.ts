import { isNotFound, type ToolCaller } from './caller.js';
import { addCost, type RunContext } from './context.js';
import { generate } from './call-generation.js';
import type { ResolvedImage } from './validate.js';

/**
 * The media id of a plan image: reused when an earlier run made or imported the same content (same file bytes or
 * same generation request) and the library still has it; otherwise imported (media_import) or generated
 * (image_generate). Concurrent requests for the same image share one call.
 */
export function ensureImage(ctx: RunContext, img: ResolvedImage, pending: Map<string, Promise<string>>): Promise<string> {
  const known = ctx.images.get(img.fp);
  if (known) return Promise.resolve(known);
  let p = pending.get(img.fp);
  if (!p) {
    p = makeImage(ctx, img);
    pending.set(img.fp, p);
  }
  return p;
}

async function makeImage(ctx: RunContext, img: ResolvedImage): Promise<string> {
  const { caller, state } = ctx;
  const stored = state.state.images[img.fp];
  if (stored) {
    try {
      await caller.call('media_get', { media_id: stored.media_id });
      ctx.images.set(img.fp, stored.media_id);
      ctx.tally.images.reused++;
      return stored.media_id;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  let mediaId: string;
  if (img.spec.kind === 'file') {
    const r = await caller.call('media_import', { path: img.spec.file });
    mediaId = String(r.media_id);
    ctx.events.log(`${img.label}: imported ${img.spec.file}`);
  } else {
    const args: Record<string, unknown> = { ...img.spec.params, model: img.spec.model, prompt: img.spec.prompt };
    if (img.spec.aspect_ratio) args.aspect_ratio = img.spec.aspect_ratio;
    const g = await generate(caller, 'image_generate', args);
    addCost(ctx, g.cost_usd);
    mediaId = g.media_id;
    ctx.events.log(`${img.label}: generated with ${img.spec.model}`);
  }
  ctx.tally.images.made++;
  state.state.images[img.fp] = { media_id: mediaId };
  state.save();
  ctx.images.set(img.fp, mediaId);
  return mediaId;
}

/** The exact first frame of a video as an image in the library (the picture a two-speaker lip-sync animates). */
export async function firstFrame(caller: ToolCaller, videoMediaId: string): Promise<string> {
  const r = await caller.call('extract_frames', { media_id: videoMediaId, which: 'first' });
  const frames = Array.isArray(r.frames) ? (r.frames as { media_id?: unknown }[]) : [];
  const id = frames[0]?.media_id;
  if (typeof id !== 'string') throw new Error(`extract_frames gave no first frame for ${videoMediaId}`);
  return id;
}
