import { loadConfig, type StudioConfig } from '../config.js';
import { Studio } from '../studio/studio.js';

/** The longest a command-line generation call waits for its job before answering with the job id. */
const CLI_WAIT_MS = 6 * 3600_000;

/**
 * The studio for a command: the same folder and settings as the server. Generation calls wait for their result
 * (a command line has no client timeout to stay under) unless STUDIO_WAIT_SECONDS says otherwise, and jobs left
 * by server processes are not resumed here (a short-lived command should not adopt a server's work).
 */
export function openCliStudio(extraAllowedDirs: string[] = [], env: NodeJS.ProcessEnv = process.env): Studio {
  const base = loadConfig(env);
  const config: StudioConfig = {
    ...base,
    waitMs: env.STUDIO_WAIT_SECONDS?.trim() ? base.waitMs : CLI_WAIT_MS,
    allowedDirs: [...base.allowedDirs, ...extraAllowedDirs],
  };
  return new Studio({ config, resume: false });
}
