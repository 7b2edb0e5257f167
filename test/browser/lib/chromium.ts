import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install chromium`), driven by playwright-core, which never downloads a browser. When
 * the binary is absent the browser suites skip with this reason, unless STUDIO_REQUIRE_BROWSER=1 (CI) makes that a
 * failure: a CI run without the browser must not pass by skipping.
 */
export const CHROMIUM = process.env.STUDIO_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = fs.existsSync(CHROMIUM);
export const skipReason = haveChromium ? null : `${CHROMIUM} is not installed (apt-get install chromium); set STUDIO_REQUIRE_BROWSER=1 to fail instead`;

if (!haveChromium && process.env.STUDIO_REQUIRE_BROWSER === '1') {
  throw new Error(`STUDIO_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: install Debian's chromium package`);
}
if (skipReason) console.warn(`browser tests skipped: ${skipReason}`);

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI containers run as root, where Chromium's own sandbox cannot start. Autoplay without a gesture
  // so the test can start the preview like a click would.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
  });
}
