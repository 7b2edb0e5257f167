import { beforeAll, describe, expect, it } from 'vitest';
import { startHarness, tempDir } from '../helpers/harness.js';
import { cli } from './spawn.js';

/** `studio-mcp open <scene_id|film_id>`: the storyboard page's address (issue 13 part 4); the token only when asked. */
describe('studio-mcp open (spawned)', () => {
  const TOKEN = 'open-token-with/slash+plus';
  let home: string;
  let scene: string;
  let film: string;
  beforeAll(async () => {
    home = tempDir('studio-open-');
    const h = await startHarness({ home });
    try {
      film = ((await h.call('film_create', { title: 'Harbour' })) as { film: { film_id: string } }).film.film_id;
      scene = ((await h.call('scene_create', { film_id: film, title: 'Dawn' })) as { scene: { scene_id: string } }).scene.scene_id;
    } finally {
      await h.close();
    }
  });

  it('prints the scene or film page on the default port, and says the page is read-only without a token', async () => {
    const r = await cli(['open', scene], { STUDIO_HOME: home });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`http://127.0.0.1:3917/studio/scene/${scene}\n`);
    expect(r.stderr).toBe('studio-mcp: no STUDIO_HTTP_TOKEN is set, so the page is read-only (set it to pick and approve takes there).\n');
    const f = await cli(['open', film], { STUDIO_HOME: home });
    expect(f.stdout).toBe(`http://127.0.0.1:3917/studio/film/${film}\n`);
  });

  it('takes the port from --port, else STUDIO_HTTP_PORT', async () => {
    expect((await cli(['open', scene, '--port', '4100'], { STUDIO_HOME: home, STUDIO_HTTP_PORT: '4200' })).stdout).toBe(
      `http://127.0.0.1:4100/studio/scene/${scene}\n`,
    );
    expect((await cli(['open', scene], { STUDIO_HOME: home, STUDIO_HTTP_PORT: '4200' })).stdout).toBe(`http://127.0.0.1:4200/studio/scene/${scene}\n`);
  });

  it('never prints the token unless --with-token asks for it', async () => {
    const r = await cli(['open', scene], { STUDIO_HOME: home, STUDIO_HTTP_TOKEN: TOKEN });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`http://127.0.0.1:3917/studio/scene/${scene}\n`);
    expect(r.stderr).toBe(
      'studio-mcp: STUDIO_HTTP_TOKEN is set: the first time, open the page with ?token=<your token> added (it is then kept in a cookie), ' +
        'or run this command with --with-token to print the address with the token in it.\n',
    );
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    const w = await cli(['open', scene, '--with-token'], { STUDIO_HOME: home, STUDIO_HTTP_TOKEN: TOKEN });
    expect(w.stdout).toBe(`http://127.0.0.1:3917/studio/scene/${scene}?token=${encodeURIComponent(TOKEN)}\n`);
    expect(w.stderr).toBe('');
  });

  it('an unknown id fails with 1; a missing id, port 0 or a bad port is wrong usage (2)', async () => {
    const unknown = await cli(['open', 'scn_nope'], { STUDIO_HOME: home });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`studio-mcp: no scene or film 'scn_nope' in ${home} (scene ids start with scn_, film ids with flm_)\n`);
    expect(unknown.stdout).toBe('');
    const missing = await cli(['open'], { STUDIO_HOME: home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('open takes a scene_id or a film_id');
    const zero = await cli(['open', scene, '--port', '0'], { STUDIO_HOME: home });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('not 0');
    const bad = await cli(['open', scene], { STUDIO_HOME: home, STUDIO_HTTP_PORT: 'eighty' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("STUDIO_HTTP_PORT takes a number from 0 to 65535, got 'eighty'");
  });
});
