/**
 * Services some tests need (Postgres, Redis, S3): their URLs come from the environment (scripts/services-up.sh
 * writes them to .services/env). Without them those tests are skipped with the reason, unless
 * STUDIO_REQUIRE_SERVICES=1 (CI), where a missing service is a failure instead of a silent skip.
 */
export interface ServiceUrl {
  url: string | undefined;
  required: boolean;
  reason: string;
}

export function serviceUrl(env: string, what: string): ServiceUrl {
  const url = process.env[env]?.trim() || undefined;
  const required = process.env.STUDIO_REQUIRE_SERVICES === '1';
  return { url, required, reason: `${what}: ${env} is not set (run scripts/services-up.sh and source .services/env)` };
}
