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

/** Where changes raised here go besides this process (src/studio/change-relay.ts: other processes on the database). */
export type ChangeRelay = (listChanged: boolean, uris: string[]) => void;

export class StudioEvents extends EventEmitter<StudioEventMap> {
  private relay: ChangeRelay | undefined;

  constructor() {
    super();
    // One listener per MCP session and per waiting call; many sessions are normal, not a leak.
    this.setMaxListeners(0);
  }

  setRelay(relay: ChangeRelay | undefined): void {
    this.relay = relay;
  }

  changed(...uris: string[]): void {
    this.announce(false, uris);
    this.relay?.(false, uris);
  }

  created(...uris: string[]): void {
    this.announce(true, uris);
    this.relay?.(true, uris);
  }

  /** Changes another process made (heard through the relay): announced here, never relayed back. */
  remote(listChanged: boolean, uris: string[]): void {
    this.announce(listChanged, uris);
  }

  private announce(listChanged: boolean, uris: string[]): void {
    if (listChanged) this.emit('listChanged');
    for (const uri of uris) this.emit('updated', uri);
  }
}
