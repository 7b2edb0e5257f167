import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CallToolResult, Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { loadConfig } from '../src/config.js';
import { createMcpServer } from '../src/server.js';
import { Studio } from '../src/studio/studio.js';
import { round, type BenchResult } from './lib.js';
import { offlineFilmCalls, sizeOf, sum, type CallSize } from './result-sizes.js';
import { withStudioDb } from '../test/helpers/studio-db.js';

/**
 * What tool results cost an agent's context, in bytes (counts, not times: the figures are the same on every
 * machine up to the length of the temp folder's path). The offline film of the trial (33 calls on the local
 * models) through a real MCP client; then the library is filled to 50 items and the default media_list and
 * job_list are measured.
 */

/** Measured once on main at 3684643 (before compact results) with this same flow and this same counting. */
export const BEFORE = {
  film_bytes: 60_577,
  film_text_bytes: 26_453,
  generation_text_bytes: 1_080,
  generation_bytes: 2_467,
  media_list_bytes: 114_128,
  job_list_bytes: 29_938,
};

async function connect(home: string): Promise<{ client: Client; studio: Studio }> {
  const studio = new Studio({ config: loadConfig({ STUDIO_HOME: home, STUDIO_WAIT_SECONDS: '120' }), log: () => undefined });
  const { server } = createMcpServer(studio);
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench-results', version: '1.0.0' });
  await server.connect(a);
  await client.connect(b);
  return { client, studio };
}

export async function run(): Promise<BenchResult[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-results-'));
  const { client, studio } = await connect(home);
  try {
    const film = await offlineFilmCalls(client);
    const generation = film.find((c) => c.tool === 'video_generate') as CallSize;
    const filmBytes = sum(film.map((c) => c.bytes));
    const filmText = sum(film.map((c) => c.text_bytes));
    // The text rule alone, on today's structured results: what the same calls would cost if the text were still
    // the pretty-printed JSON of the result.
    const prettyRule = sum(film.map((c) => c.bytes - c.text_bytes + Buffer.byteLength(JSON.stringify(c.structured, null, 2))));

    // Fill the library to 50 items (videos bring their two frames along) with still images.
    let n = 0;
    while ((await studio.store.media.all()).length < 50) {
      const r = (await client.callTool({ name: 'image_generate', arguments: { model: 'local/still', prompt: `location study ${++n}` } })) as CallToolResult;
      if (r.isError) throw new Error(`image_generate failed: ${JSON.stringify(r.structuredContent)}`);
    }
    const items = (await studio.store.media.all()).length;
    const jobs = withStudioDb(studio.config.home, (db) => (db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n);
    const mediaList = sizeOf('media_list', (await client.callTool({ name: 'media_list', arguments: {} })) as CallToolResult);
    const jobList = sizeOf('job_list', (await client.callTool({ name: 'job_list', arguments: {} })) as CallToolResult);

    const cut = 1 - filmBytes / BEFORE.film_bytes;
    return [
      {
        name: 'one generation result (video_generate), text content',
        value: generation.text_bytes,
        unit: 'bytes',
        target: '<= 600',
        pass: generation.text_bytes <= 600,
        note:
          `before: ${BEFORE.generation_text_bytes} bytes (whole result ${BEFORE.generation_bytes}); whole result now ${generation.bytes} bytes (text + ` +
          `structuredContent + resource links)`,
      },
      {
        name: `media_list default, ${items} items in the library`,
        value: mediaList.bytes,
        unit: 'bytes',
        target: '<= 8192',
        pass: mediaList.bytes <= 8192,
        note: `${String((mediaList.structured.media as unknown[] | undefined)?.length ?? 0)} items returned; before: ${BEFORE.media_list_bytes} bytes`,
      },
      {
        name: `job_list default, ${jobs} jobs`,
        value: jobList.bytes,
        unit: 'bytes',
        target: '<= 4096',
        pass: jobList.bytes <= 4096,
        note: `${String((jobList.structured.jobs as unknown[] | undefined)?.length ?? 0)} jobs returned; before: ${BEFORE.job_list_bytes} bytes`,
      },
      {
        name: `offline film, ${film.length} calls: everything the client receives`,
        value: filmBytes,
        unit: 'bytes',
        note: `text ${filmText} bytes, structuredContent ${sum(film.map((c) => c.structured_bytes))} bytes`,
      },
      {
        name: 'offline film: smaller than before (3684643)',
        value: round(cut * 100, 1),
        unit: '%',
        target: '>= 40',
        pass: cut >= 0.4,
        note: `before: ${BEFORE.film_bytes} bytes (text ${BEFORE.film_text_bytes})`,
      },
      {
        name: 'offline film with the old text rule (pretty JSON text) on the new results',
        value: prettyRule,
        unit: 'bytes',
        note: 'same results with their JSON as text again: the one-line text alone saves the difference',
      },
    ];
  } finally {
    await client.close();
    await studio.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

export const notes = `Bytes, not times: a result's size is the JSON of its \`content\` items (text and resource links) plus its
\`structuredContent\`, as the client receives them (the JSON-RPC envelope is left out). The film is the trial's 33
calls (bench/result-sizes.ts); its text alone went from 26 KB (the pretty JSON of every result, the trial's "24 KB")
to about 3 KB of one-line summaries; what remains is the structured results once and the resource links. "Before"
was measured once with the same flow and counting on main at 3684643 and is recorded in the bench; the last row
applies the old text rule to the new results, separating the text rule from the smaller results and lists.`;
