import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema, ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/harness.js';

const CLI = path.resolve('dist/src/cli.js');

describe('the built server over stdio', () => {
  let client: Client;
  const listChanged: number[] = [];
  const updated: string[] = [];
  beforeAll(async () => {
    const home = tempDir();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: { PATH: process.env.PATH ?? '', STUDIO_HOME: home },
      stderr: 'pipe',
    });
    client = new Client({ name: 'e2e', version: '1.0.0' });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void listChanged.push(Date.now()));
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    await client.connect(transport);
  });
  afterAll(async () => client.close());

  const call = async (name: string, args: Record<string, unknown>) => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    if (r.isError) throw new Error(JSON.stringify(r.structuredContent));
    return r.structuredContent as Record<string, unknown>;
  };

  it('declares tools.listChanged and resource subscriptions', () => {
    const caps = client.getServerCapabilities();
    expect(caps?.tools?.listChanged).toBe(true);
    expect(caps?.resources?.subscribe).toBe(true);
  });

  it('generates a take for a shot, notifies the subscribed scene, and reports progress', async () => {
    const scene = (await call('scene_create', { title: 'S' })) as { scene: { scene_id: string } };
    const uri = `studio://scenes/${scene.scene.scene_id}`;
    await client.subscribeResource({ uri });
    const shot = (await call('shot_create', { scene_id: scene.scene.scene_id, prompt: 'waves', duration: 1 })) as { shot: { shot_id: string } };
    const progress: number[] = [];
    const r = (await client.callTool({ name: 'video_generate', arguments: { shot_id: shot.shot.shot_id } }, undefined, {
      onprogress: (p) => void progress.push(p.progress),
    })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as { status: string; media_id: string; take_number: number };
    expect(out.status).toBe('succeeded');
    expect(out.take_number).toBe(1);
    expect(r.content.some((c) => c.type === 'resource_link')).toBe(true);
    expect(updated).toContain(uri);
    const res = await client.readResource({ uri: `studio://media/${out.media_id}` });
    expect(JSON.parse((res.contents[0] as { text: string }).text).type).toBe('video');
  });

  it('model lookups change nothing: the same tool list, no tools/list_changed', async () => {
    const before = listChanged.length;
    const listBefore = JSON.stringify(await client.listTools());
    const caps = await call('video_get_capabilities', { model: 'local/animatic' });
    expect(caps.model).toBe('local/animatic');
    const img = await call('image_get_capabilities', { model: 'local/still' });
    expect(img.tool).toBe('image_generate');
    await new Promise((r) => setTimeout(r, 200));
    expect(listChanged.length).toBe(before);
    expect(JSON.stringify(await client.listTools())).toBe(listBefore);
  });
});
