import type { StoryboardContinuity, StoryboardJob } from '../../src/storyboard/types.js';

export function seconds(s: number | null): string {
  return s === null ? '—' : `${s.toFixed(1)} s`;
}

export function usd(v: number | null): string {
  if (v === null) return 'price unknown';
  return v === 0 ? 'free' : `$${v.toFixed(2)}`;
}

export function continuityLabel(c: StoryboardContinuity): string {
  switch (c.state) {
    case 'first':
      return 'First shot';
    case 'ok':
      return 'Continuous cut';
    case 'stale':
      return 'Stale cut';
    case 'cut':
      return 'Cut';
  }
}

export function jobLabel(job: StoryboardJob): string {
  return `Generating: ${job.state}${job.progress ? ` (${job.progress})` : ''}`;
}
