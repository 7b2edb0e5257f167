import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectInProcess } from '../src/cli/in-process.js';
import { loadConfig } from '../src/config.js';
import { Studio } from '../src/studio/studio.js';

/**
 * What the tool list costs every agent's context: the bytes of tools/list as `studio-mcp tools --json` shows it
 * (name, description, input schema; compact JSON), with and without output schemas. Shared by the bench and its
 * test, so the figures in BENCHMARKS.md and the asserted limits come from the same counting.
 */

/** Fake keys for the four providers (and closed local base URLs): every model whose provider is configured is offered. */
export const ALL_PROVIDERS_ENV: Record<string, string> = {
  GOOGLE_CLOUD_PROJECT: 'bench-project',
  GOOGLE_API_KEY: 'AIza-bench-key-0000',
  VERTEX_BASE_URL: 'http://127.0.0.1:9',
  REPLICATE_API_TOKEN: 'r8_bench_token_0000',
  REPLICATE_BASE_URL: 'http://127.0.0.1:9',
  ELEVENLABS_API_KEY: 'el-bench-key-0000',
  ELEVENLABS_BASE_URL: 'http://127.0.0.1:9',
  WAVESPEED_API_KEY: 'ws-bench-key-0000',
  WAVESPEED_BASE_URL: 'http://127.0.0.1:9',
};

const GENERATION = new Set([
  'video_generate',
  'image_generate',
  'voice_tts',
  'voice_v2v',
  'lipsync_image',
  'lipsync_video',
  'music_generate',
  'sfx_generate',
  'video_smooth_transition',
  'video_get_capabilities',
  'image_get_capabilities',
  'model_get_capabilities',
]);

export interface ToolListSize {
  tools: number;
  /**
   * name, description and input schema of every tool the model is given (`studio-mcp tools --json`), compact. App-only
   * tools (`_meta.ui.visibility: ["app"]`, MCP Apps) are left out: hosts keep them out of the model's tool list and
   * only the App's view calls them. They are counted in `app_only_bytes`.
   */
  bytes: number;
  /** The same for the app-only tools. */
  app_only_bytes: number;
  /** The same with each tool's output schema. */
  with_output_bytes: number;
  /** `bytes` of the generation tools, their lookups and video_smooth_transition only. */
  generation_bytes: number;
}

const utf8 = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), 'utf8');

/** tools/list of a fresh studio configured with `env`, measured. */
export async function measureToolList(env: Record<string, string> = {}): Promise<ToolListSize> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tool-list-'));
  const studio = new Studio({ config: loadConfig({ STUDIO_HOME: home, ...env }), log: () => undefined, resume: false });
  try {
    const { client, close } = await connectInProcess(studio);
    try {
      const listed = (await client.listTools()).tools;
      const appOnly = (t: (typeof listed)[number]): boolean => {
        const visibility = (t._meta?.ui as { visibility?: unknown } | undefined)?.visibility;
        return Array.isArray(visibility) && !visibility.includes('model');
      };
      const tools = listed.filter((t) => !appOnly(t));
      const shown = tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }));
      const withOutput = tools.map((t) => ({ ...shown.find((s) => s.name === t.name), ...(t.outputSchema ? { output_schema: t.outputSchema } : {}) }));
      return {
        tools: tools.length,
        bytes: utf8(shown),
        app_only_bytes: utf8(listed.filter(appOnly).map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }))),
        with_output_bytes: utf8(withOutput),
        generation_bytes: utf8(shown.filter((t) => GENERATION.has(t.name))),
      };
    } finally {
      await close();
    }
  } finally {
    await studio.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}
