import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { startElevenLabsFake, type ElevenLabsFake } from '../fakes/elevenlabs.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startVertexFake, type VertexFake } from '../fakes/vertex.js';
import { startWavespeedFake, type WavespeedFake } from '../fakes/wavespeed.js';
import { tempDir } from '../helpers/harness.js';
import { SECRETS, tempDir as scratch, type TestDir } from '../providers/helpers.js';
import { cli, json } from './spawn.js';

/**
 * `studio-mcp doctor --live`, spawned as a user runs it: without keys it only says what it would do; with keys and
 * base URLs pointing at the fakes it sends the four smoke calls and checks each reply against its capability file.
 */

interface LiveJson {
  ok: boolean;
  live: {
    ok: boolean;
    sent: boolean;
    estimated_usd: number;
    plan: Array<{ provider: string; model: string; configured: boolean; estimate?: { usd: number; basis: string } }>;
    results: Array<{ provider: string; model: string; ok: boolean; departures: string[]; outputs: number }>;
  };
}

async function media(dir: string, name: string, args: string[]): Promise<Buffer> {
  const file = path.join(dir, name);
  await runFfmpeg([...args, file]);
  return readFile(file);
}

describe('studio-mcp doctor --live', () => {
  let home: string;
  let tmp: TestDir;
  let vertex: VertexFake;
  let replicate: ReplicateFake;
  let eleven: ElevenLabsFake;
  let wavespeed: WavespeedFake;
  let wav: Buffer;
  beforeAll(async () => {
    home = tempDir();
    tmp = await scratch();
    [vertex, replicate, eleven, wavespeed] = await Promise.all([startVertexFake(), startReplicateFake(), startElevenLabsFake(), startWavespeedFake()]);
    const png = await media(tmp.dir, 'o.png', ['-f', 'lavfi', '-i', 'color=c=red:s=64x64', '-frames:v', '1', '-update', '1']);
    const jpg = await media(tmp.dir, 'o.jpg', ['-f', 'lavfi', '-i', 'color=c=blue:s=64x64', '-frames:v', '1', '-update', '1']);
    wav = await media(tmp.dir, 'o.wav', ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5']);
    const mp4 = await media(tmp.dir, 'o.mp4', [
      ...['-f', 'lavfi', '-i', 'color=c=green:s=64x64:d=1', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=1'],
      ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'],
    ]);
    vertex.setScenario({ apiKey: 'AIza-smoke-key', imageBytes: png });
    replicate.setScenario({ token: SECRETS.replicate, outputKind: 'array', outputUrls: [replicate.addOutput('o.jpg', jpg, 'image/jpeg')] });
    wavespeed.setScenario({ pollsBeforeDone: 1, outputUrls: [wavespeed.addOutput('o.mp4', mp4, 'video/mp4')] });
  });
  afterAll(async () => {
    await Promise.all([vertex.close(), replicate.close(), eleven.close(), wavespeed.close()]);
    await tmp.cleanup();
  });

  const keys = () => ({
    STUDIO_HOME: home,
    STUDIO_POLL_INTERVAL_MS: '1',
    VERTEX_BASE_URL: vertex.url,
    GOOGLE_CLOUD_PROJECT: 'film-project',
    GOOGLE_CLOUD_LOCATION: 'us-central1',
    GOOGLE_API_KEY: 'AIza-smoke-key',
    REPLICATE_BASE_URL: replicate.url,
    REPLICATE_API_TOKEN: SECRETS.replicate,
    ELEVENLABS_BASE_URL: eleven.url,
    ELEVENLABS_API_KEY: SECRETS.elevenlabs,
    WAVESPEED_BASE_URL: wavespeed.url,
    WAVESPEED_API_KEY: SECRETS.wavespeed,
  });

  it('without keys says what it would do, sends nothing and exits 0', async () => {
    const r = await cli(['doctor', '--live'], { STUDIO_HOME: home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('live smoke test: no provider has keys set here, so nothing was sent.');
    expect(r.stdout).toContain('  replicate: replicate/bytedance/seedream-4 {"prompt":"A plain red apple on a white table, soft daylight.","size":"1K"}');
    expect(r.stdout).toContain('about $0.03 (1 image(s) × $0.03/image)');
    expect(r.stdout).toContain('about $0.15 (5 s (minimum 5) × $0.03/second');
    expect(r.stdout).toMatch(/elevenlabs: elevenlabs\/eleven_flash_v2_5 .* — price not in the capability file \(not configured/);
  });

  it('with keys but no --yes and no terminal, shows the plan and its estimate and sends nothing', async () => {
    const r = await cli(['doctor', '--live', '--json'], keys());
    const out = json<LiveJson>(r);
    expect(out.live.sent).toBe(false);
    expect(out.live.estimated_usd).toBe(0.18);
    expect(out.live.plan.map((p) => [p.provider, p.configured])).toEqual([
      ['vertex', true],
      ['replicate', true],
      ['elevenlabs', true],
      ['wavespeed', true],
    ]);
    expect(replicate.requests.filter((q) => q.method === 'POST')).toEqual([]);
  });

  it('with keys and --yes runs the four smoke calls against the fakes and reports each reply', async () => {
    eleven.setScenario({ audioBytes: wav });
    const r = await cli(['doctor', '--live', '--yes', '--json'], keys());
    const out = json<LiveJson>(r);
    expect(out.live.results).toEqual([
      { provider: 'vertex', model: 'vertex/gemini-2.5-flash-image', ok: true, departures: [], outputs: 1 },
      { provider: 'replicate', model: 'replicate/bytedance/seedream-4', ok: true, departures: [], outputs: 1 },
      { provider: 'elevenlabs', model: 'elevenlabs/eleven_flash_v2_5', ok: true, departures: [], outputs: 1 },
      { provider: 'wavespeed', model: 'wavespeed/wavespeed-ai/infinitetalk', ok: true, departures: [], outputs: 1 },
    ]);
    expect(r.code).toBe(0);
    const task = [...wavespeed.tasks.values()].at(-1)!;
    expect(task.model).toBe('wavespeed-ai/infinitetalk');
    expect(Object.keys(task.input as object).sort()).toEqual(['audio', 'image', 'resolution']);
    expect(r.stdout + r.stderr).not.toContain(SECRETS.replicate);
  });

  it('a reply that departs from its file (audio that is not audio) is reported and exits 1', async () => {
    eleven.setScenario({});
    const r = await cli(['doctor', '--live', '--yes'], keys());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  DEPARTS  elevenlabs: elevenlabs/eleven_flash_v2_5 (1 output(s))');
    expect(r.stdout).toMatch(/ {6}- output 1 \(audio\/mpeg, \d+ bytes\) is not readable media/);
    expect(r.stdout).toContain('  ok  replicate: replicate/bytedance/seedream-4 (1 output(s))');
    expect(r.stdout).toContain('live smoke test: departures from the capability files (see above)');
  });
});
