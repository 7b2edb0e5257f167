import { parseOptions, UsageError } from '../args.js';
import { httpPort } from '../http-port.js';
import { openCliStudio } from '../studio.js';

/**
 * `studio-mcp open <scene_id|film_id> [--port N] [--with-token]`: the storyboard page's address on the `--http`
 * server of this data folder. The token is a secret, so it is printed only when asked for (--with-token); otherwise
 * the command says how to present it.
 */
export async function openCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, { port: { type: 'string' }, 'with-token': { type: 'boolean' } }, 1);
  const id = positionals[0];
  if (!id) throw new UsageError('open takes a scene_id or a film_id');
  const port = httpPort(values.port);
  // Port 0 (any free port) has no address to print: the server announces the one it got.
  if (port === 0) throw new UsageError('open needs the port the server listens on (--port N or STUDIO_HTTP_PORT), not 0');
  const studio = openCliStudio();
  try {
    const kind = (await studio.store.scenes.get(id)) ? 'scene' : (await studio.store.films.get(id)) ? 'film' : undefined;
    if (!kind) {
      process.stderr.write(`studio-mcp: no scene or film '${id}' in ${studio.config.home} (scene ids start with scn_, film ids with flm_)\n`);
      return 1;
    }
    studio.setWebBase(`http://127.0.0.1:${port}`);
    const url = studio.webUrl(kind, id) ?? '';
    const token = studio.config.secrets.httpToken;
    if (token && values['with-token']) {
      process.stdout.write(`${url}?token=${encodeURIComponent(token)}\n`);
      return 0;
    }
    process.stdout.write(`${url}\n`);
    if (token) {
      process.stderr.write(
        'studio-mcp: STUDIO_HTTP_TOKEN is set: the first time, open the page with ?token=<your token> added (it is then kept in a ' +
          'cookie), or run this command with --with-token to print the address with the token in it.\n',
      );
    } else {
      process.stderr.write('studio-mcp: no STUDIO_HTTP_TOKEN is set, so the page is read-only (set it to pick and approve takes there).\n');
    }
    return 0;
  } finally {
    await studio.close();
  }
}
