import type { StoryboardFrame, StoryboardScene, StoryboardShot, StoryboardTake } from '../../src/storyboard/types.js';
import { errorText } from './bridge.js';
import type { ViewContext } from './context.js';
import { button, el, setSource } from './dom.js';
import { continuityLabel, jobLabel, seconds, usd } from './format.js';

function frame(ctx: ViewContext, f: StoryboardFrame | null, which: 'First' | 'Last'): HTMLElement {
  if (!f) return el('div', { class: 'frame empty', role: 'img', 'aria-label': `${which} frame: none yet` }, 'no frame yet');
  const img = el('img', { alt: `${which} frame: ${f.alt}`, class: 'loading' });
  img.decoding = 'async';
  ctx.media.dataUri(f.thumb_uri).then(
    (uri) => {
      setSource(img, uri);
      img.classList.remove('loading');
    },
    (err: unknown) => {
      img.classList.replace('loading', 'failed');
      img.title = `could not load the ${which.toLowerCase()} frame: ${errorText(err)}`;
    },
  );
  return button(img, { class: 'frame', 'aria-label': `${which} frame full size: ${f.alt}`, 'data-key': `${which}:${f.thumb_uri}` }, () =>
    ctx.openFrame(f.full_uri, f.alt),
  );
}

function takeRow(ctx: ViewContext, shot: StoryboardShot, take: StoryboardTake, player: HTMLVideoElement): HTMLElement {
  const n = take.take_number;
  const facts = [take.origin, take.model, take.duration_seconds === null ? null : seconds(take.duration_seconds), take.lipsync ? 'lip-sync' : null];
  const label = el(
    'span',
    {},
    el('strong', {}, `Take ${n}`),
    ` ${facts.filter((x): x is string => !!x).join(' · ')}`,
    take.current ? el('span', { class: 'badge current' }, 'current') : null,
    take.approved ? el('span', { class: 'badge approved' }, 'approved') : null,
  );
  const pick = button(label, { class: 'pick', 'aria-pressed': String(take.current), 'data-key': `take:${take.take_id}`, 'data-take-id': take.take_id }, () => {
    if (take.current) return;
    ctx.act(`make take ${n} current`, async () => {
      const r = await ctx.bridge.callTool('shot_select_take', { shot_id: shot.shot_id, take_number: n });
      if (r.isError) throw new Error(r.text);
    });
  });
  const approve = button(
    take.approved ? 'Approved ✓' : 'Approve',
    { class: 'approve', 'aria-pressed': String(take.approved), 'aria-label': `Approve take ${n}`, 'data-key': `approve:${take.take_id}` },
    () =>
      ctx.act(`${take.approved ? 'withdraw approval of' : 'approve'} take ${n}`, async () => {
        const approved = !take.approved;
        const r = await ctx.bridge.callTool('take_approve', { shot_id: shot.shot_id, take_id: take.take_id, approved });
        if (r.isError) throw new Error(r.text);
        // Only ids and numbers go to the model: titles and prompts may carry text written to steer it.
        await ctx.bridge.tellModel(
          approved
            ? `The director approved take ${n} (take_id ${take.take_id}) of shot ${shot.position + 1} (shot_id ${shot.shot_id}).`
            : `The director withdrew the approval of take ${n} (take_id ${take.take_id}) of shot ${shot.position + 1} (shot_id ${shot.shot_id}).`,
        );
      }),
  );
  const play = button('▶ Play', { class: 'play', 'aria-label': `Play take ${n}`, 'data-key': `play:${take.take_id}` }, () => {
    player.hidden = false;
    player.setAttribute('aria-label', `Take ${n} of shot ${shot.position + 1}`);
    ctx.media.dataUri(take.preview_uri).then(
      (uri) => {
        setSource(player, uri);
        void player.play().catch(() => undefined);
      },
      (err: unknown) => ctx.act('play the take', () => Promise.reject(err)),
    );
  });
  return el('li', { class: `take${take.current ? ' is-current' : ''}${take.approved ? ' is-approved' : ''}` }, pick, approve, play);
}

function move(ctx: ViewContext, scene: StoryboardScene, shot: StoryboardShot, by: -1 | 1): void {
  const ids = scene.shots.map((s) => s.shot_id);
  const i = ids.indexOf(shot.shot_id);
  const j = i + by;
  if (j < 0 || j >= ids.length) return;
  [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
  ctx.act(`move shot ${i + 1} ${by < 0 ? 'up' : 'down'}`, async () => {
    const r = await ctx.bridge.callTool('shot_reorder', { scene_id: scene.scene_id, shot_ids: ids });
    if (r.isError) throw new Error(r.text);
  });
}

export function shotCard(ctx: ViewContext, scene: StoryboardScene, shot: StoryboardShot): HTMLElement {
  const n = shot.position + 1;
  const heading = `Shot ${n}${shot.title ? `: ${shot.title}` : ''}`;
  const c = shot.continuity;
  const player = el('video', { class: 'take-player', 'aria-label': `Take preview of shot ${n}` });
  player.controls = true;
  player.playsInline = true;
  player.hidden = true;
  const last = scene.shots.length - 1;
  return el(
    'li',
    { class: 'shot', tabindex: '0', 'data-key': `shot:${shot.shot_id}`, 'data-shot-id': shot.shot_id, 'aria-label': heading },
    el('p', { class: `cut cut-${c.state}`, title: c.detail }, el('strong', {}, continuityLabel(c)), c.state === 'first' ? null : ` — ${c.detail}`),
    el('h3', {}, heading),
    shot.job ? el('p', { class: 'job', role: 'status' }, jobLabel(shot.job)) : null,
    el('div', { class: 'frames' }, frame(ctx, shot.first_frame, 'First'), frame(ctx, shot.last_frame, 'Last')),
    el(
      'p',
      { class: 'meta' },
      el('span', {}, `Duration ${seconds(shot.duration_seconds)}`),
      el('span', {}, `Model ${shot.model ?? '—'}`),
      el('span', {}, `Est. ${usd(shot.estimated_cost_usd)}`),
    ),
    shot.prompt ? el('p', { class: 'prompt' }, shot.prompt) : null,
    shot.lines.length
      ? el(
          'ul',
          { class: 'lines', 'aria-label': 'Dialogue' },
          ...shot.lines.map((l) =>
            el(
              'li',
              {},
              el('span', { class: 'who' }, l.character_name ?? 'Unassigned'),
              el('span', { class: 'when' }, `${l.start_seconds.toFixed(1)}–${l.end_seconds === null ? '?' : l.end_seconds.toFixed(1)} s`),
              el('span', { class: 'said' }, l.text),
            ),
          ),
        )
      : null,
    shot.takes.length
      ? el('ul', { class: 'takes', 'aria-label': `Takes of shot ${n}` }, ...shot.takes.map((t) => takeRow(ctx, shot, t, player)))
      : el('p', { class: 'takes none' }, 'No takes yet.'),
    player,
    el(
      'div',
      { class: 'actions' },
      button('↑ Move up', { 'data-key': `up:${shot.shot_id}`, 'aria-label': `Move shot ${n} up`, ...(n === 1 ? { 'aria-disabled': 'true' } : {}) }, () =>
        move(ctx, scene, shot, -1),
      ),
      button(
        '↓ Move down',
        { 'data-key': `down:${shot.shot_id}`, 'aria-label': `Move shot ${n} down`, ...(shot.position === last ? { 'aria-disabled': 'true' } : {}) },
        () => move(ctx, scene, shot, 1),
      ),
      button('Ask to regenerate…', { 'data-key': `regen:${shot.shot_id}`, 'aria-label': `Ask the agent to regenerate shot ${n}` }, () =>
        ctx.ask(
          `Please make a new take of shot ${n} (shot_id "${shot.shot_id}") of scene "${scene.scene_id}": call video_generate with shot_id "${shot.shot_id}".`,
        ),
      ),
      shot.position > 0
        ? button('Ask for a bridge clip…', { 'data-key': `bridge:${shot.shot_id}`, 'aria-label': `Ask the agent for a bridge clip into shot ${n}` }, () => {
            const prev = scene.shots[shot.position - 1];
            ctx.ask(
              `Please make a bridge clip into shot ${n} (shot_id "${shot.shot_id}"): call video_smooth_transition with from_shot_id "${prev?.shot_id ?? ''}" ` +
                `and to_shot_id "${shot.shot_id}".`,
            );
          })
        : null,
    ),
  );
}
