import type { Server } from '@modelcontextprotocol/server';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../capabilities/registry.js';
import { StudioError } from '../errors.js';
import type { Studio } from '../studio/studio.js';

/**
 * The storyboard App's view: one self-contained HTML file (built by scripts/build-ui.mjs into dist/ui/), served as
 * the `ui://studio/storyboard` resource that storyboard_show names in its `_meta.ui.resourceUri`.
 */
export const STORYBOARD_UI_URI = 'ui://studio/storyboard';
/** The MCP Apps HTML profile (`RESOURCE_MIME_TYPE` of @modelcontextprotocol/ext-apps). */
export const APP_MIME_TYPE = 'text/html;profile=mcp-app';
/** The extension's identifier in `capabilities.extensions` (`EXTENSION_ID` of @modelcontextprotocol/ext-apps/server). */
export const APPS_EXTENSION_ID = 'io.modelcontextprotocol/ui';

/**
 * The resource's `_meta.ui`: the view loads nothing from any origin (its script and styles are inlined, frames and
 * previews arrive as data through the host), so every CSP list is empty and no browser permission is asked for.
 */
export const STORYBOARD_UI_META = {
  ui: {
    csp: { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] },
    permissions: {},
    prefersBorder: true,
  },
};

/** The resources/list entry of the view. */
export const storyboardUiEntry = {
  uri: STORYBOARD_UI_URI,
  name: 'storyboard',
  title: 'Storyboard',
  description: 'The storyboard App (MCP Apps view) that storyboard_show opens.',
  mimeType: APP_MIME_TYPE,
  _meta: STORYBOARD_UI_META,
};

/** Where the built view is: STUDIO_UI_DIR, else dist/ui/ of the package. */
export function storyboardHtmlPath(studio: Studio): string {
  return path.join(studio.config.uiDir ?? path.join(packageRoot(), 'dist', 'ui'), 'storyboard.html');
}

/** resources/read of `ui://studio/storyboard`; a missing build is an error that says how to make it. */
export async function readStoryboardUi(studio: Studio): Promise<{ uri: string; mimeType: string; text: string; _meta: typeof STORYBOARD_UI_META }> {
  const file = storyboardHtmlPath(studio);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch {
    throw new StudioError('not_found', `the storyboard view is not built (no ${path.basename(file)} in ${path.dirname(file)}); run npm run build`, {
      field: 'uri',
    });
  }
  return { uri: STORYBOARD_UI_URI, mimeType: APP_MIME_TYPE, text, _meta: STORYBOARD_UI_META };
}

/**
 * Declare the MCP Apps extension on a server instance (`capabilities.extensions["io.modelcontextprotocol/ui"]`,
 * with the one view type it serves). Hosts render the view only for servers that declare it.
 */
export function serveApps(server: Server): void {
  server.registerCapabilities({ extensions: { [APPS_EXTENSION_ID]: { mimeTypes: [APP_MIME_TYPE] } } });
}
