import { bedTools } from './beds.js';
import { characterTools } from './characters.js';
import { continuityTools } from './continuity.js';
import { generationTools } from './generation.js';
import { jobTools } from './jobs.js';
import { mediaTools } from './media.js';
import { modelTools } from './models.js';
import { projectTools } from './project.js';
import { renderTools } from './render.js';
import { storyboardTools } from './storyboard.js';
import { subtitleTools } from './subtitles.js';
import type { ToolDef } from './types.js';

/** Every tool the server offers, spec routes first. */
export function allTools(): ToolDef[] {
  return [
    ...generationTools,
    ...modelTools,
    ...continuityTools,
    ...renderTools,
    ...subtitleTools,
    ...bedTools,
    ...characterTools,
    ...projectTools,
    ...mediaTools,
    ...jobTools,
    ...storyboardTools,
  ];
}
