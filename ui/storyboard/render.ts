import type { Storyboard, StoryboardRender } from '../../src/storyboard/types.js';
import { errorText } from './bridge.js';
import type { ViewContext } from './context.js';
import { el, setSource } from './dom.js';
import { seconds, usd } from './format.js';
import { shotCard } from './shot.js';

/** A scene's or the film's render, played inline from its preview (a data: URI the host's default CSP allows). */
function renderFigure(ctx: ViewContext, r: StoryboardRender, what: string): HTMLElement {
  const video = el('video', { class: 'render-video', 'aria-label': `${what} render` });
  video.controls = true;
  video.playsInline = true;
  video.preload = 'auto';
  const caption = el('figcaption', {}, `${what} render · ${seconds(r.duration_seconds)}`, r.stale ? el('span', { class: 'badge stale' }, 'out of date') : null);
  ctx.media.dataUri(r.preview_uri).then(
    (uri) => setSource(video, uri),
    (err: unknown) => caption.append(el('span', { class: 'badge failed' }, `preview unavailable: ${errorText(err)}`)),
  );
  return el('figure', { class: 'render', 'data-media-id': r.media_id }, video, caption);
}

export function storyboardView(ctx: ViewContext, board: Storyboard): HTMLElement {
  const shots = board.scenes.reduce((n, s) => n + s.shots.length, 0);
  const root = el(
    'main',
    { class: 'board', 'aria-labelledby': 'board-title' },
    el(
      'header',
      { class: 'board-head' },
      el('h1', { id: 'board-title' }, `${board.kind === 'film' ? 'Film' : 'Scene'}: ${board.title}`),
      el(
        'p',
        { class: 'summary' },
        `${shots} shot${shots === 1 ? '' : 's'}${board.kind === 'film' ? ` in ${board.scenes.length} scene${board.scenes.length === 1 ? '' : 's'}` : ''} · ` +
          `est. ${usd(board.estimated_cost_usd)}`,
      ),
      // Shown as text to copy, not a link: the view never makes a link out of data.
      board.web_url ? el('p', { class: 'web-url' }, 'Web page: ', el('code', {}, board.web_url)) : null,
    ),
  );
  if (board.render) root.append(renderFigure(ctx, board.render, 'Film'));
  for (const scene of board.scenes) {
    const headingId = `scene-${scene.scene_id}`;
    root.append(
      el(
        'section',
        { class: 'scene', 'aria-labelledby': headingId },
        board.kind === 'film' ? el('h2', { id: headingId }, scene.title) : el('h2', { id: headingId, class: 'visually-hidden' }, scene.title),
        scene.render ? renderFigure(ctx, scene.render, 'Scene') : null,
        scene.shots.length
          ? el('ol', { class: 'shots' }, ...scene.shots.map((shot) => shotCard(ctx, scene, shot)))
          : el('p', { class: 'empty' }, 'No shots in this scene yet.'),
      ),
    );
  }
  return root;
}
