import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { createPathPolicy, resolveAllowedPath } from '../../src/paths.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';

const CANARY = 'CANARY-OUTSIDE-7f3a9c';

/** Every file under a folder, recursively (for "nothing outside was copied in"). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe('paths: one function decides, every hostile path is refused', () => {
  let h: Harness;
  let root: string;
  let home: string;
  let allowed: string;
  let outside: string;
  const payloads: string[] = [];
  beforeAll(async () => {
    root = tempDir('paths-');
    home = path.join(root, 'studio');
    allowed = path.join(root, 'footage');
    outside = path.join(root, 'outside');
    for (const d of [home, allowed, outside, `${home}-evil`, `${allowed}-evil`]) fs.mkdirSync(d, { recursive: true });
    // A real image outside, so a traversal that worked would really import something.
    const png = path.join(outside, 'secret.png');
    await runFfmpeg(['-f', 'lavfi', '-i', 'color=c=red:size=64x64', '-frames:v', '1', '-metadata', `comment=${CANARY}`, png]);
    fs.writeFileSync(path.join(outside, 'secret.txt'), CANARY);
    fs.copyFileSync(png, path.join(`${home}-evil`, 'x.png'));
    fs.copyFileSync(png, path.join(`${allowed}-evil`, 'x.png'));
    fs.symlinkSync(png, path.join(home, 'link.png'));
    fs.symlinkSync(outside, path.join(allowed, 'linkdir'));
    fs.symlinkSync(path.join(home, 'hop2'), path.join(home, 'hop1'));
    fs.symlinkSync(outside, path.join(home, 'hop2'));
    h = await startHarness({ home, env: { STUDIO_ALLOWED_DIRS: allowed } });
    payloads.push(
      png,
      path.join(outside, 'secret.txt'),
      '/etc/passwd',
      '/etc/shadow',
      '/proc/self/environ',
      '/dev/zero',
      '/dev/stdin',
      '/',
      '/tmp',
      outside,
      '../outside/secret.png',
      '../../../../../../etc/passwd',
      '..\\..\\..\\etc\\passwd',
      'media/../../outside/secret.png',
      `${home}/../outside/secret.png`,
      `${allowed}/../outside/secret.png`,
      `${home}/tmp/../../outside/secret.png`,
      './../outside/secret.png',
      'media/video/../../../outside/secret.png',
      `${home}-evil/x.png`,
      `${allowed}-evil/x.png`,
      `${home}/link.png`,
      'link.png',
      `${allowed}/linkdir/secret.png`,
      `${home}/hop1/secret.png`,
      'file:///etc/passwd',
      `file://${png}`,
      'http://127.0.0.1/secret.png',
      'https://example.com/a.png',
      'http://169.254.169.254/latest/meta-data/',
      'concat:/etc/passwd|/etc/hosts',
      `subfile,,start,0,end,100,,:${png}`,
      'data:image/png;base64,iVBORw0KGgo=',
      'pipe:0',
      'tcp://127.0.0.1:80',
      `x\0.png`,
      `${home}/x\0/../../outside/secret.png`,
      '',
      '   ',
      '.',
      home,
      '%2e%2e/%2e%2e/outside/secret.png',
      '....//....//outside/secret.png',
      '\uFF0Fetc\uFF0Fpasswd',
      `a\n${png}`,
      'x'.repeat(5000),
      '-i',
      'studio.db',
    );
  });
  afterAll(async () => h.close());

  it('has at least 40 hostile payloads', () => {
    expect(payloads.length).toBeGreaterThanOrEqual(40);
  });

  it('refuses every payload through media_import, reads and writes nothing outside', async () => {
    const mediaBefore = (await h.studio.store.media.all()).length;
    const refused: string[] = [];
    for (const p of payloads) {
      const r = await h.raw('media_import', { path: p });
      expect(r.isError, `payload ${JSON.stringify(p).slice(0, 80)} was accepted`).toBe(true);
      const err = (r.structuredContent as { error: { code: string; field?: string } }).error;
      expect(['invalid_input', 'not_found']).toContain(err.code);
      refused.push(p);
    }
    expect(refused.length).toBe(payloads.length);
    expect((await h.studio.store.media.all()).length).toBe(mediaBefore);
    // Nothing from outside landed in the studio folder.
    for (const f of filesUnder(home)) {
      if (f.endsWith('studio.db') || f.includes('-wal') || f.includes('-shm')) continue;
      expect(fs.readFileSync(f).includes(CANARY), f).toBe(false);
    }
    // And nothing was written outside.
    expect(fs.readdirSync(outside).sort()).toEqual(['secret.png', 'secret.txt']);
  });

  it('the policy itself refuses prefix tricks and symlink escapes, and allows what is inside', () => {
    const policy = createPathPolicy(home, [allowed]);
    expect(() => resolveAllowedPath(policy, `${home}-evil/x.png`, 'path')).toThrow(/outside/);
    expect(() => resolveAllowedPath(policy, `${home}/link.png`, 'path')).toThrow(/outside/);
    expect(() => resolveAllowedPath(policy, `${home}/not-yet/new.png`, 'path')).not.toThrow();
    expect(resolveAllowedPath(policy, path.join(allowed, 'clip.mp4'), 'path')).toBe(path.join(fs.realpathSync(allowed), 'clip.mp4'));
  });

  it('a file inside an allowed folder imports', async () => {
    const ok = path.join(allowed, 'ok.png');
    await runFfmpeg(['-f', 'lavfi', '-i', 'color=c=blue:size=32x32', '-frames:v', '1', ok]);
    const r = await h.call('media_import', { path: ok });
    expect(r.media_id).toMatch(/^med_/);
  });
});
