import type { Storyboard } from '../../src/storyboard/types.js';
import { connectApp } from './app-bridge.js';
import { type Bridge, errorText, type Target } from './bridge.js';
import type { ViewContext } from './context.js';
import { button, el, setSource } from './dom.js';
import { indexPage } from './index-page.js';
import { installKeys } from './keys.js';
import { MediaCache } from './media.js';
import { storyboardView } from './render.js';
import { webBridge } from './web-bridge.js';

const POLL_MS = 1500;

/** The page's fixed parts: the storyboard goes into `app`; status, the request to copy and the frame dialog stay. */
function shell() {
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const app = el('div', { class: 'app' }, el('p', { class: 'loading-note' }, 'Loading the storyboard…'));
  const requestText = el('textarea', { class: 'request-text', 'aria-label': 'Request for the agent' });
  requestText.rows = 3;
  requestText.readOnly = true;
  const request = el(
    'section',
    { class: 'request', 'aria-label': 'Request to pass to the agent' },
    el('p', {}, 'This costs money, so the agent makes it. Copy this request to your agent:'),
    requestText,
    button('Copy', { class: 'copy' }, () => {
      requestText.select();
      void navigator.clipboard?.writeText(requestText.value).catch(() => undefined);
    }),
    button('Close', { class: 'close-request' }, () => {
      request.hidden = true;
    }),
  );
  request.hidden = true;
  const frameImg = el('img', { alt: '' });
  const frameNote = el('p', { class: 'frame-note' });
  const dialog = el(
    'dialog',
    { class: 'frame-dialog', 'aria-label': 'Frame full size' },
    frameImg,
    frameNote,
    button('Close', { class: 'close-frame' }, () => dialog.close()),
  );
  document.body.append(status, request, app, dialog);
  return { status, app, request, requestText, dialog, frameImg, frameNote };
}

type Shell = ReturnType<typeof shell>;

function say(s: Shell, text: string, error = false): void {
  s.status.textContent = text;
  s.status.classList.toggle('error', error);
}

/** Redraw keeping the focused control (by its data-key) and the scroll position, so a poll never steals focus. */
function draw(s: Shell, ctx: ViewContext, board: Storyboard): void {
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.key : undefined;
  const y = window.scrollY;
  s.app.replaceChildren(storyboardView(ctx, board));
  if (!document.body.dataset.version) {
    // For hosts' and our benchmark's timing: when the first storyboard was built, and (next frame) painted.
    performance.mark('storyboard-drawn');
    requestAnimationFrame(() => setTimeout(() => performance.mark('storyboard-painted')));
  }
  document.body.dataset.version = board.version;
  document.title = `${board.title} · Storyboard`;
  if (focused) for (const n of s.app.querySelectorAll<HTMLElement>('[data-key]')) if (n.dataset.key === focused) n.focus({ preventScroll: true });
  window.scrollTo(0, y);
}

function runBoard(s: Shell, bridge: Bridge): void {
  let version: string | null = null;
  let busy = false;
  let again = false;
  const show = (board: Storyboard) => {
    if (board.version === version) return;
    version = board.version;
    draw(s, ctx, board);
  };
  const refresh = async (): Promise<void> => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const board = await bridge.storyboard();
      if (board) show(board);
      if (s.status.classList.contains('error') && s.status.dataset.from === 'poll') say(s, '');
    } catch (err) {
      say(s, `Could not refresh: ${errorText(err)}`, true);
      s.status.dataset.from = 'poll';
    } finally {
      busy = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  };
  const media = new MediaCache(bridge);
  const ctx: ViewContext = {
    bridge,
    media,
    act(label, run) {
      say(s, `Working: ${label}…`);
      run().then(
        () => {
          say(s, `Done: ${label}.`);
          void refresh();
        },
        (err: unknown) => {
          say(s, `Could not ${label}: ${errorText(err)}`, true);
          s.status.dataset.from = 'action';
          void refresh();
        },
      );
    },
    ask(text) {
      void bridge.askAgent(text).then((sent) => {
        if (sent) return say(s, 'Sent to the agent.');
        s.requestText.value = text;
        s.request.hidden = false;
        s.requestText.focus();
        s.requestText.select();
      });
    },
    openFrame(fullUri, alt) {
      s.frameImg.alt = alt;
      s.frameImg.removeAttribute('src');
      s.frameNote.textContent = alt;
      s.dialog.showModal();
      media.dataUri(fullUri).then(
        (uri) => setSource(s.frameImg, uri),
        (err: unknown) => {
          s.frameNote.textContent = `Could not load the frame: ${errorText(err)}`;
        },
      );
    },
  };
  bridge.onPush(show);
  void refresh();
  // A hidden tab or a collapsed view need not ask the server every 1.5 s; it catches up when shown again.
  setInterval(() => {
    if (!document.hidden) void refresh();
  }, POLL_MS);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh();
  });
}

/** /studio/scene/{id} or /studio/film/{id}; null for the index (/studio/). */
function pageTarget(path: string): Target | null {
  const m = /^\/studio\/(scene|film)\/([^/]+)\/?$/.exec(path);
  if (!m) return null;
  return { kind: m[1] as Target['kind'], id: decodeURIComponent(m[2] as string) };
}

async function main(): Promise<void> {
  installKeys();
  const s = shell();
  try {
    if (window.parent !== window) {
      document.body.dataset.mode = 'app';
      runBoard(s, await connectApp());
      return;
    }
    document.body.dataset.mode = 'web';
    const target = pageTarget(location.pathname);
    if (target) runBoard(s, webBridge(target));
    else s.app.replaceChildren(await indexPage());
  } catch (err) {
    say(s, `The storyboard could not start: ${errorText(err)}`, true);
  }
}

void main();
