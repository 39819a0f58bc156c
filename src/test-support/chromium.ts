/**
 * Debian's Chromium, headless, as the browser tests and the multiviewer benchmark drive it: no sandbox (root
 * in CI), no GPU, and none of the background connections this machine's closed network would refuse.
 */
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
