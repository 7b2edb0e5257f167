/**
 * Arrow keys between shots (Up/Down, Home/End) and between a shot's takes (Left/Right); Tab order is the document's
 * and Enter/Space are the buttons' own. Installed once on the document, so redraws need not rebind anything.
 */
export function installKeys(): void {
  document.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target instanceof HTMLElement ? e.target : null;
    if (!t || t.closest('video, textarea, input, dialog')) return;
    const shot = t.closest<HTMLElement>('.shot');
    if (!shot) return;
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      if (!t.classList.contains('pick')) return;
      const picks = [...shot.querySelectorAll<HTMLElement>('.pick')];
      const next = picks[picks.indexOf(t) + (e.key === 'ArrowRight' ? 1 : -1)];
      if (next) next.focus();
      e.preventDefault();
      return;
    }
    const shots = [...document.querySelectorAll<HTMLElement>('.shot')];
    const i = shots.indexOf(shot);
    const to = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? shots.length - 1 : null;
    if (to === null) return;
    e.preventDefault();
    const next = shots[Math.max(0, Math.min(shots.length - 1, to))];
    next?.focus();
    next?.scrollIntoView({ block: 'nearest' });
  });
}
