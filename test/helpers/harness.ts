import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CallToolResult, Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { loadConfig } from '../../src/config.js';
import { createMcpServer } from '../../src/server.js';
import { Studio, type StudioOptions } from '../../src/studio/studio.js';

export interface Harness {
  studio: Studio;
  client: Client;
  home: string;
  /** Call a tool; throws with the error text when the tool reports an error. */
  call: (name: string, args?: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** Call a tool expecting an error; returns the error body. */
  callError: (name: string, args?: Record<string, unknown>) => Promise<{ code: string; message: string; field?: string; model?: string }>;
  raw: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult>;
  close: () => Promise<void>;
}

export function tempDir(prefix = 'studio-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A studio in a fresh temp folder with a real MCP client connected over the in-memory transport. */
export async function startHarness(opts: { env?: Record<string, string>; studio?: Omit<StudioOptions, 'config'>; home?: string } = {}): Promise<Harness> {
  const home = opts.home ?? tempDir();
  const config = loadConfig({ STUDIO_HOME: home, STUDIO_WAIT_SECONDS: '60', ...opts.env });
  const studio = new Studio({ config, log: () => undefined, ...opts.studio });
  const { server } = createMcpServer(studio, { forwardEvents: true });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await server.connect(a);
  await client.connect(b);
  const raw = async (name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  return {
    studio,
    client,
    home,
    raw,
    call: async (name, args = {}) => {
      const r = await raw(name, args);
      if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
      return r.structuredContent as Record<string, unknown>;
    },
    callError: async (name, args = {}) => {
      const r = await raw(name, args);
      if (!r.isError) throw new Error(`${name} unexpectedly succeeded: ${JSON.stringify(r.structuredContent)}`);
      return (r.structuredContent as { error: { code: string; message: string; field?: string; model?: string } }).error;
    },
    close: async () => {
      await client.close();
      await studio.close();
    },
  };
}
