import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createMcpServer } from '../../src/server.js';
import { Studio } from '../../src/studio/studio.js';
import { tempDir } from '../helpers/harness.js';

/** Issue 10 part 7: completion/complete answers through a real client on both eras (it used to be "Method not found"). */

let studio: Studio;
let sceneId: string;
let characterId: string;

beforeAll(async () => {
  studio = new Studio({ config: loadConfig({ STUDIO_HOME: tempDir('studio-complete-mcp-') }), log: () => undefined });
  characterId = (await studio.store.characters.create({ name: 'Mara' })).character_id;
  sceneId = (await studio.store.scenes.create({ title: 'Dock at dawn' })).scene_id;
});
afterAll(async () => {
  await studio.close();
});

async function connect(era: 'modern' | 'legacy'): Promise<{ client: Client; close: () => Promise<void> }> {
  const client = new Client({ name: 'complete-test', version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
  const [a, b] = InMemoryTransport.createLinkedPair();
  // The stdio entry over an in-memory pair: it serves whichever era the client opens with, as the CLI does.
  const served = serveStdio(() => createMcpServer(studio, { forwardEvents: true }).server, { transport: a });
  await client.connect(b);
  return {
    client,
    close: async () => {
      await client.close();
      await served.close();
    },
  };
}

describe.each(['modern', 'legacy'] as const)('completion/complete (%s era)', (era) => {
  it('the server declares completions and completes prompt arguments and template variables', async () => {
    const { client, close } = await connect(era);
    try {
      expect(client.getServerCapabilities()?.completions).toEqual({});
      const scene = await client.complete({ ref: { type: 'ref/prompt', name: 'shoot_scene' }, argument: { name: 'scene_id', value: 'dock' } });
      expect(scene.completion).toEqual({ values: [sceneId], total: 1, hasMore: false });
      const who = await client.complete({
        ref: { type: 'ref/resource', uri: 'studio://characters/{character_id}' },
        argument: { name: 'character_id', value: 'M' },
      });
      expect(who.completion).toEqual({ values: [characterId], total: 1, hasMore: false });
      const model = await client.complete({
        ref: { type: 'ref/resource', uri: 'studio://models/{provider}/{model}' },
        argument: { name: 'model', value: 'voice' },
        context: { arguments: { provider: 'local' } },
      });
      expect(model.completion.values).toEqual(expect.arrayContaining(['voice', 'voice-changer']));
      // The conformance suite's probe: an unknown prompt answers with no values, not an error.
      const unknown = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'test' } });
      expect(unknown.completion).toEqual({ values: [], total: 0, hasMore: false });
    } finally {
      await close();
    }
  });
});

describe('media and job ids', () => {
  it('complete the clip a generation made (not its frame images) and its job', async () => {
    const { client, close } = await connect('modern');
    try {
      const made = (await client.callTool({ name: 'video_generate', arguments: { model: 'local/animatic', prompt: 'a door', duration: 1 } }))
        .structuredContent as { media_id: string; job_id: string; first_frame_id: string; last_frame_id: string };
      expect(made.first_frame_id).toMatch(/^med_/); // frames exist, and are left out below
      const media = await client.complete({ ref: { type: 'ref/resource', uri: 'studio://media/{media_id}' }, argument: { name: 'media_id', value: 'med_' } });
      expect(media.completion).toEqual({ values: [made.media_id], total: 1, hasMore: false });
      const job = await client.complete({ ref: { type: 'ref/resource', uri: 'studio://jobs/{job_id}' }, argument: { name: 'job_id', value: '' } });
      expect(job.completion).toEqual({ values: [made.job_id], total: 1, hasMore: false });
    } finally {
      await close();
    }
  });
});

describe('context narrows', () => {
  it('a shot id to the scene already chosen, a scene id to the film already chosen', async () => {
    const { client, close } = await connect('legacy');
    try {
      const film = (await studio.store.films.create({ title: 'Harbour' })).film_id;
      const inFilm = (await studio.store.scenes.create({ title: 'Dock', film_id: film })).scene_id;
      const a = (await studio.store.shots.create(inFilm, { title: 'wide' })).shot_id;
      await studio.store.shots.create(sceneId, { title: 'wide too' });
      const shots = await client.complete({
        ref: { type: 'ref/prompt', name: 'add_dialogue' },
        argument: { name: 'shot_id', value: 'wide' },
        context: { arguments: { scene_id: inFilm } },
      });
      expect(shots.completion).toEqual({ values: [a], total: 1, hasMore: false });
      const scenes = await client.complete({
        ref: { type: 'ref/resource', uri: 'studio://scenes/{scene_id}' },
        argument: { name: 'scene_id', value: 'do' },
        context: { arguments: { film_id: film } },
      });
      expect(scenes.completion).toEqual({ values: [inFilm], total: 1, hasMore: false });
    } finally {
      await close();
    }
  });
});
