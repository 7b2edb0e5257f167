import { EventEmitter } from 'node:events';

/**
 * In-process change feed. Services emit; each MCP session forwards what its client subscribed to. Kept free of MCP
 * types so the CLI and plan runner can listen too.
 */
export interface StudioEventMap {
  /** A resource's content changed (e.g. `studio://scenes/scn_…`). */
  updated: [uri: string];
  /** The list of resources changed (something was created or deleted). */
  listChanged: [];
  /** The tool list changed (the offered models or their fields): every connection is told with tools/list_changed. */
  toolsChanged: [];
  jobProgress: [jobId: string, progress: number, message: string | undefined];
  jobFinished: [jobId: string];
}

export class StudioEvents extends EventEmitter<StudioEventMap> {
  constructor() {
    super();
    // One listener per MCP session and per waiting call; many sessions are normal, not a leak.
    this.setMaxListeners(0);
  }

  changed(...uris: string[]): void {
    for (const uri of uris) this.emit('updated', uri);
  }

  created(...uris: string[]): void {
    this.emit('listChanged');
    this.changed(...uris);
  }
}
