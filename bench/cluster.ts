import { readFile } from 'node:fs/promises';

/**
 * What the `scale` bench adds to the cluster helpers it shares with the cluster test (test/helpers/cluster.ts): a
 * process's resident memory from /proc.
 */
export {
  type Answered,
  answered,
  type Cluster,
  callTool,
  clusterMissing,
  dropRedisKeys,
  legacyClient,
  modernClient,
  sharedStudioEnv,
  startCluster,
} from '../test/helpers/cluster.js';

export interface Memory {
  /** Resident set now, MiB. */
  rssMiB: number;
  /** Peak resident set since the process started, MiB. */
  hwmMiB: number;
}

/** VmRSS and VmHWM of a process, from /proc/<pid>/status. */
export async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}
