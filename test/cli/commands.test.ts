import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/harness.js';
import { cli, json } from './spawn.js';

describe('studio-mcp tools, models, doctor, call (spawned)', () => {
  let home: string;
  beforeAll(() => {
    home = tempDir();
  });

  it('tools lists every tool with a one-line description', async () => {
    const r = await cli(['tools'], { STUDIO_HOME: home });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.find((l) => l.startsWith('video_generate '))).toMatch(/A video clip from a prompt/);
    expect(lines.some((l) => l.startsWith('shot_remove_dialogue '))).toBe(true);
    expect(lines.find((l) => l.startsWith('image_generate '))).toContain('(a character sheet');
  });

  it('models says what can run here and why not, per type', async () => {
    const r = await cli(['models', '--type', 'video', '--json'], { STUDIO_HOME: home });
    expect(r.code).toBe(0);
    const models = json<{ model: string; media_type: string; available: boolean; unavailable_reason?: string; env?: string[] }[]>(r);
    expect(models.every((m) => m.media_type === 'video')).toBe(true);
    expect(models.find((m) => m.model === 'local/animatic')?.available).toBe(true);
    const veo = models.find((m) => m.model === 'vertex/veo-3.1-generate-001');
    expect(veo?.available).toBe(false);
    expect(veo?.env).toContain('GOOGLE_CLOUD_PROJECT');
    const text = await cli(['models', '--type', 'voice'], { STUDIO_HOME: home });
    expect(text.stdout).toMatch(/elevenlabs\/eleven_multilingual_v2\s+voice_tts\s+no .*set ELEVENLABS_API_KEY/);
    expect(text.stdout).toMatch(/local\/voice\s+voice_tts\s+yes/);
    const bad = await cli(['models', '--type', 'audio'], { STUDIO_HOME: home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--type takes video, image, voice');
  });

  it('models names missing ffmpeg as the reason the local models cannot run', async () => {
    const r = await cli(['models', '--json'], { STUDIO_HOME: tempDir(), FFMPEG_PATH: '/nonexistent/ffmpeg' });
    const local = json<{ model: string; available: boolean; unavailable_reason?: string }[]>(r).find((m) => m.model === 'local/animatic');
    expect(local?.available).toBe(false);
    expect(local?.unavailable_reason).toMatch(/FFMPEG_PATH is set but '\/nonexistent\/ffmpeg' is not an executable/);
  });

  it('doctor reports ffmpeg, ffprobe, the data folder, keys (never their values) and base URLs', async () => {
    const secret = 'r8_doctor_secret_value_123';
    const r = await cli(['doctor', '--json'], { STUDIO_HOME: home, REPLICATE_API_TOKEN: secret, ELEVENLABS_BASE_URL: 'https://user:pw@proxy.example/el' });
    expect(r.code).toBe(0);
    const d = json<{
      ok: boolean;
      checks: { name: string; ok: boolean; detail: string }[];
      providers: { provider: string; available: boolean; keys: Record<string, string>; base_url: string }[];
    }>(r);
    expect(d.ok).toBe(true);
    const check = (n: string) => d.checks.find((c) => c.name === n);
    expect(check('ffmpeg')?.detail).toMatch(/ffmpeg.* — ffmpeg version/);
    expect(check('ffprobe')?.detail).toMatch(/ffprobe.* — ffprobe version/);
    expect(check('data folder')?.detail).toContain(`${home} (writable`);
    // Which engine draws card text and which fonts give it CJK and emoji (test/media/card-text.test.ts renders them).
    expect(check('fonts')?.detail).toMatch(/^libass with per-glyph fallback; CJK: \/\S+; emoji: \/\S+$/);
    const rep = d.providers.find((p) => p.provider === 'replicate');
    expect(rep).toMatchObject({ available: true, keys: { REPLICATE_API_TOKEN: 'set' }, base_url: 'https://api.replicate.com/v1' });
    expect(d.providers.find((p) => p.provider === 'wavespeed')?.keys).toEqual({ WAVESPEED_API_KEY: 'not set' });
    expect(d.providers.find((p) => p.provider === 'elevenlabs')?.base_url).toBe('https://proxy.example/el');
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout).not.toContain('pw@');

    const text = await cli(['doctor'], { STUDIO_HOME: home, FFMPEG_PATH: '/nonexistent/ffmpeg' });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/FAIL\s+ffmpeg\s+FFMPEG_PATH is set but/);
  });

  it('doctor checks a STUDIO_PRICES file: its models, or what is wrong with it', async () => {
    const good = path.join(home, 'prices.json');
    fs.writeFileSync(good, JSON.stringify({ 'replicate/minimax/hailuo-02': { usd: 0.045, per: 'second' } }));
    const ok = await cli(['doctor'], { STUDIO_HOME: home, STUDIO_PRICES: good });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`ok\\s+prices\\s+${good.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: replicate/minimax/hailuo-02`));
    const bad = path.join(home, 'bad-prices.json');
    fs.writeFileSync(bad, JSON.stringify({ 'replicate/minimax/hailuo-99': { usd: 0.045, per: 'second' } }));
    const no = await cli(['doctor'], { STUDIO_HOME: home, STUDIO_PRICES: bad });
    expect(no.code).toBe(1);
    expect(no.stdout).toMatch(/FAIL\s+prices\s+STUDIO_PRICES \(.*bad-prices\.json\): unknown model 'replicate\/minimax\/hailuo-99'/);
  });

  it('call runs any tool through MCP: JSON out, --json files, progress lines, exit 1 with the error JSON', async () => {
    const scene = json<{ scene: { scene_id: string } }>(await cli(['call', 'scene_create', '--arg', 'title=Harbour'], { STUDIO_HOME: home }));
    const argsFile = path.join(home, 'shot.json');
    fs.writeFileSync(argsFile, JSON.stringify({ scene_id: scene.scene.scene_id, prompt: 'waves', duration: 1, params: { resolution: '360p' } }));
    const shot = json<{ shot: { shot_id: string; duration: number } }>(
      await cli(['call', 'shot_create', '--json', argsFile, '--arg', 'duration=1.5'], { STUDIO_HOME: home }),
    );
    expect(shot.shot.duration).toBe(1.5); // --arg values are JSON when they parse, and override the file

    const gen = await cli(['call', 'video_generate', '--arg', `shot_id=${shot.shot.shot_id}`], { STUDIO_HOME: home });
    expect(gen.code).toBe(0);
    const out = json<{ status: string; media_id: string; take_number: number; file_path: string }>(gen);
    expect(out).toMatchObject({ status: 'succeeded', take_number: 1 });
    expect(fs.existsSync(out.file_path)).toBe(true);
    expect(gen.stderr).toMatch(/^progress \d+%/m); // not a terminal: plain lines

    const err = await cli(['call', 'shot_create', '--arg', 'scene_id=scn_nope', '--arg', 'prompt=x'], { STUDIO_HOME: home });
    expect(err.code).toBe(1);
    expect(json<{ error: { code: string; message: string } }>(err).error).toMatchObject({
      code: 'not_found',
      message: expect.stringContaining("scene 'scn_nope'"),
    });
    expect(err.stderr).toContain('shot_create failed: not_found');

    const unknown = await cli(['call', 'no_such_tool'], { STUDIO_HOME: home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown tool 'no_such_tool'");
  });
});
