import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb, meanAbsDiff, type RgbFrame } from '../../src/media/compare.js';
import { outputFile, runFfmpeg } from '../../src/media/ffmpeg.js';
import { STORYBOARD_COLORS } from '../../src/media/frames.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * extract_frames(scene_id) through a real MCP client: one row per cut (shot N last | bar | shot N+1 first), checked
 * in the pixels of the sheet, not only in the listing.
 */

interface Cell {
  shot_id: string;
  shot_number: number;
  title: string | null;
  frame: 'first' | 'last';
  media_id: string;
}
interface Storyboard {
  frames: { media_id: string; label: string }[];
  rows: { row: number; left: Cell; right: Cell }[];
  note?: string;
  contact_sheet_id: string;
  contact_sheet_path: string;
}

// Sheet geometry at the storyboard's default tile width (400 px): a 16:9 picture box of 400×226 (even), a label
// strip of 34 px under it (400/12 rounded to even), bars 10 px thick (400/40).
const TILE_W = 400;
const IMG_H = 226;
const TILE_H = 260;
const BAR = 10;

function rgb(c: number): [number, number, number] {
  return [(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff];
}

/** The pixels of a rectangle, as rgb24 rows. */
function crop(f: RgbFrame, x: number, y: number, w: number, h: number): Buffer {
  const out = Buffer.alloc(w * h * 3);
  for (let r = 0; r < h; r++) f.data.copy(out, r * w * 3, ((y + r) * f.width + x) * 3, ((y + r) * f.width + x + w) * 3);
  return out;
}

/** How many pixels of a rectangle are not exactly `color`. */
function offColor(f: RgbFrame, x: number, y: number, w: number, h: number, color: number): number {
  const [R, G, B] = rgb(color);
  const px = crop(f, x, y, w, h);
  let off = 0;
  for (let i = 0; i < px.length; i += 3) if (px[i] !== R || px[i + 1] !== G || px[i + 2] !== B) off++;
  return off;
}

describe('extract_frames storyboard through an MCP client', () => {
  let h: Harness;
  let scene: string;
  let single: string;
  const shots: string[] = [];
  const take = async (shotId: string) => {
    const s = await h.studio.store.shots.get(shotId);
    return await h.studio.library.get((await h.studio.store.shots.getTake(s?.current_take_id ?? ''))?.media_id ?? '');
  };

  /** A 640×360 test pattern with a big box of `color`, imported into the library. */
  async function image(name: string, color: string): Promise<string> {
    const p = path.join(h.home, `${name}.png`);
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=640x360,drawbox=x=40:y=40:w=300:h=220:c=${color}:t=fill`,
      '-frames:v',
      '1',
      '-f',
      'image2',
      outputFile(p),
    ]);
    return ((await h.call('media_import', { path: p })) as { media_id: string }).media_id;
  }

  beforeAll(async () => {
    h = await startHarness();
    scene = ((await h.call('scene_create', { title: 'tide' })) as { scene: { scene_id: string } }).scene.scene_id;
    // Each shot opens on one colour and closes on another, so every frame of the storyboard is told apart.
    const colours = [
      ['red', 'blue'],
      ['green', 'yellow'],
      ['magenta', 'cyan'],
    ] as const;
    for (const [i, [a, b]] of colours.entries()) {
      const id = ((await h.call('shot_create', { scene_id: scene, title: `shot ${a}`, prompt: `the tide ${i}`, duration: 1 })) as { shot: { shot_id: string } })
        .shot.shot_id;
      shots.push(id);
      const start = await image(`s${i}-start`, a);
      const end = await image(`s${i}-end`, b);
      await h.call('video_generate', { shot_id: id, model: 'local/animatic', start_frame: start, end_frame: end, resolution: '360p', fps: 12 });
    }
    single = ((await h.call('scene_create', { title: 'alone' })) as { scene: { scene_id: string } }).scene.scene_id;
    const only = ((await h.call('shot_create', { scene_id: single, prompt: 'one shot', duration: 1 })) as { shot: { shot_id: string } }).shot.shot_id;
    await h.call('video_generate', { shot_id: only, model: 'local/animatic', resolution: '360p', fps: 12 });
  }, 180_000);
  afterAll(async () => h.close());

  it('a 3-shot scene gives 2 rows: shot N last | shot N+1 first, listed with their media', async () => {
    const sb = (await h.call('extract_frames', { scene_id: scene })) as unknown as Storyboard;
    expect(sb.rows.map((r) => [r.row, r.left.shot_number, r.left.frame, r.right.shot_number, r.right.frame])).toEqual([
      [1, 1, 'last', 2, 'first'],
      [2, 2, 'last', 3, 'first'],
    ]);
    for (const [i, r] of sb.rows.entries()) {
      expect(r.left).toMatchObject({ shot_id: shots[i], title: `shot ${['red', 'green'][i]}`, media_id: (await take(shots[i] as string)).last_frame_id });
      expect(r.right).toMatchObject({ shot_id: shots[i + 1], media_id: (await take(shots[i + 1] as string)).first_frame_id });
    }
    expect(sb.frames.map((f) => f.label)).toEqual(['1 last', '2 first', '2 last', '3 first']);
    expect(sb.note).toBeUndefined();
    expect(h.studio.library.absPath(await h.studio.library.get(sb.contact_sheet_id))).toBe(sb.contact_sheet_path);

    const sheet = await decodeRgb(sb.contact_sheet_path);
    // Two columns of tiles with a bar between them; two rows with a bar between them.
    expect({ width: sheet.width, height: sheet.height }).toEqual({ width: 2 * TILE_W + BAR, height: 2 * TILE_H + BAR });
    // The cut bar beside each row and the bar between the rows are exactly their colours, every pixel.
    for (const row of [0, 1]) expect(offColor(sheet, TILE_W, row * (TILE_H + BAR), BAR, TILE_H, STORYBOARD_COLORS.cut)).toBe(0);
    expect(offColor(sheet, 0, TILE_H, sheet.width, BAR, STORYBOARD_COLORS.row)).toBe(0);
    // Every tile carries its label: text pixels in the strip under the picture (otherwise all 0x181818).
    for (const row of [0, 1])
      for (const col of [0, 1])
        expect(offColor(sheet, col * (TILE_W + BAR), row * (TILE_H + BAR) + IMG_H, TILE_W, TILE_H - IMG_H, 0x181818)).toBeGreaterThan(200);

    // Each cell shows the frame it claims: close to that frame scaled to the cell, far from the others.
    const pictures = await Promise.all(
      sb.rows
        .flatMap((r) => [r.left, r.right])
        .map(async (c) => decodeRgb(h.studio.library.absPath(await h.studio.library.get(c.media_id)), { size: { width: TILE_W, height: 225 } })),
    );
    const cells = sb.rows.flatMap((_, r) => [0, 1].map((col) => crop(sheet, col * (TILE_W + BAR), r * (TILE_H + BAR), TILE_W, 224)));
    const diffs = cells.map((cell) => pictures.map((p) => meanAbsDiff(cell, crop(p, 0, 0, TILE_W, 224))));
    for (const [i, row] of diffs.entries()) {
      expect(row[i]).toBeLessThan(3);
      for (const [j, d] of row.entries()) if (j !== i) expect(d).toBeGreaterThan(15);
    }
  }, 60_000);

  it('a one-shot scene gives one row, its first | last frame, and says there is no cut', async () => {
    const sb = (await h.call('extract_frames', { scene_id: single })) as unknown as Storyboard;
    expect(sb.rows).toHaveLength(1);
    expect([sb.rows[0]?.left.frame, sb.rows[0]?.right.frame]).toEqual(['first', 'last']);
    expect(sb.note).toMatch(/one shot, so there is no cut/);
    const sheet = await decodeRgb(sb.contact_sheet_path);
    expect({ width: sheet.width, height: sheet.height }).toEqual({ width: 2 * TILE_W + BAR, height: TILE_H });
  }, 60_000);

  it('refuses a scene whose shot has no take yet, naming the shot', async () => {
    const bare = ((await h.call('shot_create', { scene_id: single, prompt: 'not yet' })) as { shot: { shot_id: string } }).shot.shot_id;
    const err = await h.callError('extract_frames', { scene_id: single });
    expect(err.field).toBe('scene_id');
    expect(err.message).toContain(`shot 2 ('${bare}') has no take yet`);
  });
});
