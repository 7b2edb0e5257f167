import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { StudioConfig } from '../config.js';
import { StudioError } from '../errors.js';

/**
 * Credentials for Vertex AI: an API key (`x-goog-api-key`, GOOGLE_API_KEY) when configured, else an OAuth access
 * token from Application Default Credentials via google-auth-library (loaded only
 * when first needed, so tests and key-only setups never touch it).
 */

export const VERTEX_AUTH_ENV = ['GOOGLE_CLOUD_PROJECT', 'GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_API_KEY'] as const;
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Returns the auth headers for one request. */
export type GoogleAuthHeaders = () => Promise<Record<string, string>>;

/** A source of OAuth access tokens (injected in tests). */
export type AccessTokenSource = () => Promise<string>;

/** Where `gcloud auth application-default login` writes its credentials. */
export function gcloudAdcFile(env: NodeJS.ProcessEnv): string {
  if (env.CLOUDSDK_CONFIG) return path.join(env.CLOUDSDK_CONFIG, 'application_default_credentials.json');
  if (process.platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'gcloud', 'application_default_credentials.json');
  return path.join(homedir(), '.config', 'gcloud', 'application_default_credentials.json');
}

/** Whether some credential source is configured (no network: the metadata server is not probed). */
export function hasGoogleCredentials(config: StudioConfig, env: NodeJS.ProcessEnv): boolean {
  return Boolean(config.secrets.googleApiKey || config.google.credentialsFile || existsSync(gcloudAdcFile(env)));
}

function adcTokenSource(config: StudioConfig): AccessTokenSource {
  let auth: { getAccessToken(): Promise<string | null | undefined> } | undefined;
  return async () => {
    if (!auth) {
      const { GoogleAuth } = await import('google-auth-library');
      auth = new GoogleAuth({ scopes: [SCOPE], keyFilename: config.google.credentialsFile, projectId: config.google.project });
    }
    const token = await auth.getAccessToken();
    if (!token) throw new Error('no token');
    return token;
  };
}

export function googleAuthHeaders(config: StudioConfig, tokenSource?: AccessTokenSource): GoogleAuthHeaders {
  const apiKey = config.secrets.googleApiKey;
  if (apiKey) return async () => ({ 'x-goog-api-key': apiKey });
  const source = tokenSource ?? adcTokenSource(config);
  return async () => {
    let token: string;
    try {
      token = await source();
    } catch {
      // The library's message can name local paths and accounts; the agent only needs to know what to set.
      throw new StudioError(
        'provider_unavailable',
        'could not get Google credentials for Vertex AI: set GOOGLE_APPLICATION_CREDENTIALS (a service account key file) or GOOGLE_API_KEY, or run `gcloud ' +
          'auth application-default login`',
        { retryable: false },
      );
    }
    return { Authorization: `Bearer ${token}` };
  };
}
