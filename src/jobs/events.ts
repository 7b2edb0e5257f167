type ProgressListener = (jobId: string, progress: number, message: string | undefined) => void;
type FinishedListener = (jobId: string) => void;
type UpdatedListener = (uri: string) => void;

/**
 * What the job queue needs of an event feed: announce a new or changed job resource, emit job progress and ends,
 * and listen to them (a waiting call hears jobs run by this process at once). Declared here, not imported from the
 * studio, so the queue depends on no service above it; the studio's change feed (`StudioEvents`) satisfies it.
 */
export interface JobEvents {
  created(...uris: string[]): void;
  changed(...uris: string[]): void;
  emit(event: 'jobProgress', ...args: Parameters<ProgressListener>): boolean;
  emit(event: 'jobFinished', ...args: Parameters<FinishedListener>): boolean;
  on(event: 'jobProgress', listener: ProgressListener): unknown;
  on(event: 'jobFinished', listener: FinishedListener): unknown;
  /** A resource changed, here or (heard through the change relay) in another process: a waiter re-reads the job. */
  on(event: 'updated', listener: UpdatedListener): unknown;
  off(event: 'jobProgress', listener: ProgressListener): unknown;
  off(event: 'jobFinished', listener: FinishedListener): unknown;
  off(event: 'updated', listener: UpdatedListener): unknown;
}
