import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineFilmCalls, sizeOf, sum, type CallSize } from '../../bench/result-sizes.js';
import { BEFORE } from '../../bench/results.bench.js';
import { startHarness, type Harness } from '../helpers/harness.js';

type Json = Record<string, unknown>;

/** Every page of a list tool, following next_cursor; the pages' items in order. */
async function walk(h: Harness, tool: string, key: string, args: Json): Promise<{ items: Json[]; pages: number }> {
  const items: Json[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const r = await h.call(tool, { ...args, ...(cursor ? { cursor } : {}) });
    items.push(...(r[key] as Json[]));
    cursor = r.next_cursor as string | undefined;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

describe('results that cost little', () => {
  let h: Harness;
  let film: CallSize[];
  beforeAll(async () => {
    h = await startHarness();
    film = await offlineFilmCalls(h.client);
    // 50 items in the library, as the media_list target is stated for.
    let n = 0;
    while ((await h.studio.store.media.all()).length < 50) await h.call('image_generate', { model: 'local/still', prompt: `location study ${++n}` });
  }, 300_000);
  afterAll(async () => h.close());

  it('a generation result names everything in one short line and sends the result once, without a nested job or nulls', () => {
    const gen = film.find((c) => c.tool === 'video_generate') as CallSize;
    const r = gen.structured;
    expect(r).not.toHaveProperty('job');
    expect(r).not.toHaveProperty('media_ids');
    expect(Object.values(r).filter((v) => v === null)).toEqual([]);
    expect(r.status).toBe('succeeded');
    expect(r.warnings).toEqual([]);
    expect(gen.text).toBe(
      `succeeded: video ${String(r.media_id)} (2 s, 854x480); take 1 of shot ${String(r.shot_id)}; job ${String(r.job_id)}; ` +
        `first_frame ${String(r.first_frame_id)}; last_frame ${String(r.last_frame_id)}; model local/animatic`,
    );
    expect(gen.text_bytes).toBeLessThanOrEqual(600);
  });

  it('the 33 calls of the offline film cost at least 40 % less than before', () => {
    expect(film.length).toBe(33);
    const now = sum(film.map((c) => c.bytes));
    expect(1 - now / BEFORE.film_bytes).toBeGreaterThanOrEqual(0.4);
    // No result repeats its JSON as text any more.
    for (const c of film) expect(c.text.startsWith('{'), c.tool).toBe(false);
  });

  it('a record result says what it made, with its id and name', async () => {
    const r = await h.raw('character_create', { name: 'Ada' });
    const id = (r.structuredContent as { character: { character_id: string } }).character.character_id;
    expect(r.content[0]).toEqual({ type: 'text', text: `character ${id} "Ada"` });

    // A job names what it made; a media item its kind, length and size; each id once.
    const gen = (film.find((c) => c.tool === 'video_generate') as CallSize).structured;
    const job = await h.raw('job_wait', { job_id: gen.job_id });
    expect(job.content[0]).toEqual({ type: 'text', text: `job ${String(gen.job_id)} succeeded → media ${String(gen.media_id)}` });
    const cap = await h.raw('video_get_capabilities', { model: 'local/animatic' });
    const rules = ((cap.structuredContent as Json).rules as unknown[]).length;
    expect(cap.content[0]).toEqual({
      type: 'text',
      text: `${rules} rules; model local/animatic; tool video_generate; offered true; available true; status local`,
    });
    const media = await h.raw('media_get', { media_id: gen.media_id });
    expect(media.content[0]).toEqual({ type: 'text', text: `video ${String(gen.media_id)} (2 s, 854x480)` });
  });

  it('media_list answers a small page of compact items, frames left out, within 8 KB', async () => {
    const r = await h.raw('media_list', {});
    expect(sizeOf('media_list', r).bytes).toBeLessThanOrEqual(8192);
    const s = r.structuredContent as { media: Json[]; next_cursor?: string };
    expect(s.media.length).toBe(20);
    expect(typeof s.next_cursor).toBe('string');
    expect(s.media.some((m) => m.origin === 'frame')).toBe(false);
    const newest = (await h.studio.store.media.list({ frames: false, limit: 1 }))[0];
    expect(s.media[0]).toEqual({
      media_id: newest?.media_id,
      type: 'image',
      origin: 'generated',
      model: 'local/still',
      width: newest?.width,
      height: newest?.height,
      timestamp: newest?.timestamp,
    });
    expect((r.content[0] as { text: string }).text).toBe(`20 media; more: next_cursor ${String(s.next_cursor)}`);
  });

  it('media_list walks the whole library once by cursor, even while items are added', async () => {
    const expected = (await h.studio.store.media.list({ frames: false, limit: 10_000 })).map((m) => m.media_id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let added = '';
    do {
      const r = await h.call('media_list', { limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...(r.media as Json[]).map((m) => String(m.media_id)));
      cursor = r.next_cursor as string | undefined;
      // A new item arrives between two pages: it is newer than all, so it belongs before page one, not in the walk.
      if (!added) added = String((await h.call('image_generate', { model: 'local/still', prompt: 'arrives mid-walk' })).media_id);
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(added);
    expect(((await h.call('media_list', { limit: 1 })).media as Json[])[0]?.media_id).toBe(added);
  });

  it('media_list shows frames when asked, whole records with detail full, and one media_type filter', async () => {
    const all = await walk(h, 'media_list', 'media', { include_frames: true, limit: 500 });
    expect(all.pages).toBe(1);
    expect(all.items.map((m) => m.media_id)).toEqual((await h.studio.store.media.list({ limit: 10_000 })).map((m) => m.media_id));
    expect(all.items.filter((m) => m.origin === 'frame').length).toBeGreaterThan(0);

    const full = (await h.call('media_list', { detail: 'full', limit: 3 })).media as Json[];
    for (const m of full) expect(m).toEqual((await h.call('media_get', { media_id: m.media_id })).media);

    const videos = await walk(h, 'media_list', 'media', { media_type: 'video', limit: 5 });
    expect(videos.items.length).toBe((await h.studio.store.media.list({ type: 'video', limit: 10_000 })).length);
    expect(videos.items.every((m) => m.type === 'video')).toBe(true);
    const old = await h.callError('media_list', { type: 'video' });
    expect(old).toMatchObject({ code: 'invalid_input', field: 'type' });
    expect(old.message).toContain("media_list: unknown argument 'type'");
  });

  it('a cursor that is not one of the list is refused naming the field', async () => {
    for (const [tool, cursor] of [
      ['media_list', 'nonsense'],
      ['job_list', Buffer.from('[1,2]').toString('base64url')],
      ['models_list', 'x'],
    ] as const) {
      const e = await h.callError(tool, { cursor });
      expect(e.code).toBe('invalid_input');
      expect(e.field).toBe('cursor');
      expect(e.message).toBe(
        `${tool}: 'cursor' is not a cursor of this list; pass the next_cursor of the previous page, or leave it out to start from the top`,
      );
    }
  });

  it('job_list answers compact jobs within 4 KB, walks every job once, and gives job_get views with detail full', async () => {
    const r = await h.raw('job_list', {});
    expect(sizeOf('job_list', r).bytes).toBeLessThanOrEqual(4096);
    const s = r.structuredContent as { jobs: Json[]; next_cursor?: string };
    expect(s.jobs.length).toBe(20);
    const newest = (await h.studio.store.jobs.list({ limit: 1 }))[0];
    expect(s.jobs[0]).toEqual({
      job_id: newest?.job_id,
      tool: 'image_generate',
      model: 'local/still',
      status: 'succeeded',
      media_id: newest?.result?.media_ids[0],
      created_at: newest?.created_at,
    });

    const ids = (await walk(h, 'job_list', 'jobs', { limit: 6 })).items.map((j) => j.job_id);
    expect(ids).toEqual((await h.studio.store.jobs.list({ limit: 10_000 })).map((j) => j.job_id));
    expect(new Set(ids).size).toBe(ids.length);

    const full = (await h.call('job_list', { detail: 'full', limit: 2 })).jobs as Json[];
    for (const j of full) expect(j).toEqual((await h.call('job_get', { job_id: j.job_id })).job);
  });

  it('models_list answers compact models by id, pages through all of them, and full summaries on demand', async () => {
    const expected = h.studio.models
      .list()
      .map((m) => m.model)
      .sort();
    const all = await walk(h, 'models_list', 'models', { limit: 4 });
    expect(all.items.map((m) => m.model)).toEqual(expected);
    expect(all.pages).toBe(Math.ceil(expected.length / 4));
    const animatic = all.items.find((m) => m.model === 'local/animatic');
    expect(animatic).toEqual({ model: 'local/animatic', task: 'video_generate', available: true, price: '0 USD/request' });
    const veo = all.items.find((m) => m.model === 'vertex/veo-3.1-generate-001');
    expect(veo?.available).toBe(false);
    expect(Array.isArray(veo?.env)).toBe(true);

    const full = (await h.call('models_list', { media_type: 'video', detail: 'full', limit: 500 })).models as Json[];
    expect(full).toEqual(h.studio.models.list({ mediaType: 'video' }).sort((a, b) => (a.model < b.model ? -1 : 1)));
  });

  it('every warning reaches the text word for word, on a second line', async () => {
    const refs: string[] = [];
    for (let i = 0; i < 4; i++) refs.push(String((await h.call('image_generate', { model: 'local/still', prompt: `ref ${i}` })).media_id));
    const c = (await h.call('character_create', { name: 'Wren', reference_images: [refs[3]] })) as { character: { character_id: string } };
    const r = await h.raw('video_generate', {
      model: 'local/animatic',
      prompt: 'Wren at the window',
      duration: 1,
      reference_images: refs.slice(0, 3),
      character_id: c.character.character_id,
    });
    const s = r.structuredContent as Json;
    const warnings = s.warnings as string[];
    expect(warnings).toContain("character Wren's reference images were not added: local/animatic takes at most 3 and the call already gives 3");
    const text = (r.content[0] as { text: string }).text;
    const [line, second, ...more] = text.split('\n');
    expect(line).toContain(`video ${String(s.media_id)}`);
    expect(line).toContain(`job ${String(s.job_id)}`);
    expect(second).toBe(`${warnings.length} warning${warnings.length > 1 ? 's' : ''}: ${warnings.join(' | ')}`);
    expect(more).toEqual([]);
    expect(r.content.filter((x) => x.type === 'resource_link').length).toBe(2);
    // A compact job keeps its warnings word for word too.
    expect((await h.call('job_list', { limit: 1 })).jobs).toEqual([expect.objectContaining({ job_id: s.job_id, warnings })]);
  });

  it('a generation answered before it finishes says so, with the job id and what to call', async () => {
    const r = await h.raw('image_generate', { model: 'local/still', prompt: 'answered at once', wait: false });
    const s = r.structuredContent as Json;
    expect(s).not.toHaveProperty('media_id');
    const text = (r.content[0] as { text: string }).text;
    expect(text).toBe(`${String(s.status)} ${Math.round(Number(s.progress) * 100)}%: job ${String(s.job_id)}; model local/still; ${String(s.message)}`);
    expect(String(s.message)).toContain(`call job_wait with job_id '${String(s.job_id)}'`);
    await h.call('job_wait', { job_id: s.job_id });
  });

  it('an error result stays specific', async () => {
    const r = (await h.client.callTool({ name: 'media_get', arguments: { media_id: 'med_nope' } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(r.content[0]).toEqual({ type: 'text', text: "not_found: media 'med_nope' does not exist (field 'media_id')" });
  });
});
