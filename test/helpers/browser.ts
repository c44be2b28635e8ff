/**
 * A real headless Chromium for console tests: the one inside the @sparticuz/chromium npm package
 * (unpacked on first use, so `npm install` is all a fresh machine needs), or the binary named by
 * EDGEFN_CHROMIUM (e.g. Debian's /usr/bin/chromium), driven by playwright-core.
 */
import { chromium, type Browser } from 'playwright-core';
import sparticuz from '@sparticuz/chromium';

export async function launchBrowser(): Promise<Browser> {
  const own = process.env.EDGEFN_CHROMIUM;
  if (own) return chromium.launch({ executablePath: own, headless: true });
  return chromium.launch({ executablePath: await sparticuz.executablePath(), args: sparticuz.args, headless: true });
}
