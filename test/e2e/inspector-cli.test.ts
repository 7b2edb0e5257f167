import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runNode } from '../cli/spawn.js';
import { tempDir } from '../helpers/harness.js';
import { type SpawnedHttpServer, spawnHttpServer } from '../helpers/http-server.js';

/**
 * The MCP Inspector CLI (@modelcontextprotocol/inspector-cli 1.0.3, a 2025-era client on SDK 1.x) lists and calls
 * tools on the built server, over stdio and over --http (issue 10: "the MCP Inspector CLI still lists and calls tools").
 * Each inspector run is its own process and its own MCP session; over stdio it starts its own server.
 */
const BUILD = path.resolve('node_modules/@modelcontextprotocol/inspector-cli/build');
// build/index.js is the CLI proper (build/cli.js only wraps it, spawning whatever `node` is first on PATH). It imports
// its package.json as "../package.json" only when that path exists relative to the working directory, else as
// "../../package.json", which does not exist inside inspector-cli: so it must run from its own build/ folder.
const INSPECTOR = path.join(BUILD, 'index.js');

interface ToolsList {
  tools: { name: string; inputSchema: { type: string } }[];
}
interface CallResult {
  isError?: boolean;
  content: { type: string; text?: string; uri?: string }[];
  structuredContent?: { scene?: { scene_id: string; title: string } };
}

/** One inspector run: `target` is a URL or a command, `args` its options; its stdout is the JSON result. */
async function inspector<T>(target: string[], args: string[], env: Record<string, string>): Promise<T> {
  const r = await runNode(process.execPath, INSPECTOR, [...target, ...args], env, { cwd: BUILD, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`inspector-cli ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`inspector-cli ${args.join(' ')} printed no JSON:\n${r.stdout}\n${r.stderr}`);
  }
}

function expectSceneCreated(r: CallResult, title: string): void {
  expect(r.isError).toBeFalsy();
  const scene = r.structuredContent?.scene;
  expect(scene?.title).toBe(title);
  expect(scene?.scene_id).toMatch(/^scn_[0-9a-f]{16}$/);
  expect(r.content).toContainEqual(expect.objectContaining({ type: 'resource_link', uri: `studio://scenes/${scene?.scene_id}` }));
}

const LIST = ['--method', 'tools/list'];
const CREATE = (title: string) => ['--method', 'tools/call', '--tool-name', 'scene_create', '--tool-arg', `title=${title}`];

describe('MCP Inspector CLI against the built server', () => {
  let server: SpawnedHttpServer | undefined;
  // The inspector hands its whole environment to a stdio server: only PATH and a fresh studio.
  const stdioEnv = { STUDIO_HOME: tempDir('studio-inspector-stdio-') };
  const stdio = [process.execPath, CLI];
  const http = () => [server?.url ?? ''];

  beforeAll(async () => {
    server = await spawnHttpServer({ STUDIO_HOME: tempDir('studio-inspector-http-') });
  });
  afterAll(async () => server?.stop());

  it('lists the tools over stdio and over --http, the same list on both', async () => {
    // Both at once: each run is a process start and an MCP session, independent of the other.
    const [overStdio, overHttp] = await Promise.all([inspector<ToolsList>(stdio, LIST, stdioEnv), inspector<ToolsList>(http(), LIST, {})]);
    const names = overStdio.tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['scene_create', 'models_list', 'video_generate', 'render_film', 'job_wait']));
    expect(new Set(names).size).toBe(names.length);
    for (const t of overStdio.tools) expect(t.inputSchema.type).toBe('object');
    expect(overHttp).toEqual(overStdio);
  });

  it('calls scene_create with an argument over stdio and over --http', async () => {
    const [overStdio, overHttp] = await Promise.all([
      inspector<CallResult>(stdio, CREATE('Opening'), stdioEnv),
      inspector<CallResult>(http(), CREATE('Night shore'), {}),
    ]);
    expectSceneCreated(overStdio, 'Opening');
    expectSceneCreated(overHttp, 'Night shore');
  });
});
