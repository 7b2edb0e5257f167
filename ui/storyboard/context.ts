import type { Bridge } from './bridge.js';
import type { MediaCache } from './media.js';

/** What the rendering code may do; built once by main.ts around whichever bridge is in use. */
export interface ViewContext {
  bridge: Bridge;
  media: MediaCache;
  /** Run an action, report its failure in the status line, then fetch the storyboard again. */
  act(label: string, run: () => Promise<void>): void;
  /** A request for the agent (money is spent by the model, never by the view): sent, or shown to copy. */
  ask(text: string): void;
  /** Open a frame full size. */
  openFrame(fullUri: string, alt: string): void;
}
