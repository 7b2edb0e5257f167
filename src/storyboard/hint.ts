import type { Studio } from '../studio/studio.js';

/** How a scene or film's storyboard is opened: the call that shows it and, when `--http` serves it, the page. */
export interface StoryboardHint {
  show: string;
  web_url?: string;
}

/** The `storyboard` member of render_scene, render_film and scene_get results (kept to a line). */
export function storyboardHint(studio: Studio, kind: 'scene' | 'film', id: string): StoryboardHint {
  const web = studio.webUrl(kind, id);
  return { show: `storyboard_show(${kind}_id: ${JSON.stringify(id)})`, ...(web ? { web_url: web } : {}) };
}
