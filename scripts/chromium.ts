import { existsSync } from 'node:fs';

/**
 * Debian's Chromium, as the browser test and the report screenshot launch it. The flags keep it headless and off the
 * network: without the background-networking ones it keeps trying to reach Google's hosts, which this machine's
 * closed network refuses.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails saying how to get Chromium when it is missing, instead of Playwright's generic launch error. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install the Debian package: apt-get install -y chromium ` +
        '(or set CHROMIUM_PATH to a Chromium binary).',
    );
  }
  return CHROMIUM_PATH;
}
