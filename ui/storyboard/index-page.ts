import { el } from './dom.js';
import { studioApi } from './web-bridge.js';

interface IndexEntry {
  scene_id?: unknown;
  film_id?: unknown;
  title?: unknown;
  scenes?: unknown;
}

/** A same-origin link to one of our own pages: the path is fixed, only the id (URL-encoded) comes from data. */
function pageLink(kind: 'scene' | 'film', id: string, title: string): HTMLAnchorElement {
  const a = el('a', {}, title || id);
  a.href = `/studio/${kind}/${encodeURIComponent(id)}`;
  return a;
}

function sceneItems(list: unknown): HTMLElement[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter((s: IndexEntry) => typeof s?.scene_id === 'string')
    .map((s: IndexEntry) => el('li', {}, pageLink('scene', s.scene_id as string, typeof s.title === 'string' ? s.title : '')));
}

/** /studio/: the films with their scenes, then the scenes in no film. */
export async function indexPage(): Promise<HTMLElement> {
  const res = await studioApi('/studio/api/index');
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  const body = (await res.json()) as { films?: unknown; scenes?: unknown };
  const films = Array.isArray(body.films) ? (body.films as IndexEntry[]).filter((f) => typeof f?.film_id === 'string') : [];
  const loose = sceneItems(body.scenes);
  return el(
    'main',
    { class: 'index', 'aria-labelledby': 'index-title' },
    el('h1', { id: 'index-title' }, 'Studio storyboards'),
    films.length || loose.length ? null : el('p', { class: 'empty' }, 'Nothing here yet: the agent has made no film or scene.'),
    ...films.map((f) =>
      el(
        'section',
        { class: 'film' },
        el('h2', {}, pageLink('film', f.film_id as string, typeof f.title === 'string' ? f.title : '')),
        el('ul', {}, ...sceneItems(f.scenes)),
      ),
    ),
    loose.length ? el('section', { class: 'film' }, el('h2', {}, 'Scenes in no film'), el('ul', {}, ...loose)) : null,
  );
}
