import os from 'node:os';
import { randomBytes } from 'node:crypto';

/**
 * Jobs carry an owner and a lease so that several server processes can share one studio folder: a process only
 * works on jobs it owns, renews its leases while it works, and takes over jobs whose owner is gone.
 */
export const LEASE_MS = 30_000;

/** The lease the configuration asks for (STUDIO_LEASE_SECONDS), else LEASE_MS. */
export function leaseMs(config: { leaseMs?: number | undefined }): number {
  return config.leaseMs ?? LEASE_MS;
}

export function newOwnerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** True when `owner` names a process on this host that no longer exists (so its lease need not run out). */
export function ownerIsDead(owner: string | null): boolean {
  if (!owner) return true;
  const [host, pidText] = owner.split(':');
  if (host !== os.hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
