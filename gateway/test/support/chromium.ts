/**
 * The real browser the page tests drive: Debian's Chromium (what .ci/run
 * installs), or the one L1G1_CHROMIUM names, through playwright-core.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The Chromium binary to drive, or undefined when this machine has none. */
function chromiumPath(): string | undefined {
  return [process.env['L1G1_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
}

/**
 * Call first in a `before` hook: launches Chromium, or skips the block
 * (saying why) on a machine without one, before any service is started.
 */
export async function launchChromiumOrSkip(ctx: Mocha.Context): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    console.log("      (skipped: no Chromium binary; install Debian's `chromium` or set L1G1_CHROMIUM)");
    ctx.skip();
  }
  // Root (CI containers) cannot use Chromium's sandbox.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath, headless: true, args });
}
