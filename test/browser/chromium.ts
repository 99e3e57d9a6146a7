import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium package; the browser test never downloads a browser of its own. */
export const CHROMIUM_PATH = process.env.MEDPATCH_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_MISSING = `Chromium not found at ${CHROMIUM_PATH}. The browser tests need Debian's chromium package:
  apt-get update && apt-get install -y chromium
(or set MEDPATCH_CHROMIUM to a Chromium binary).`;

/**
 * Launches headless Chromium with a fresh profile and no background network traffic. Throws with the install
 * line when the binary is missing, so a machine without it fails the test instead of skipping it.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(CHROMIUM_MISSING);
  const profile = mkdtempSync(join(tmpdir(), 'medpatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

interface PageElement {
  querySelector(selector: string): { getBoundingClientRect(): { width: number; height: number } } | null;
}

/** The page globals the tests read inside `page.evaluate` (the project's tsconfig has no DOM lib). */
export interface ReportWindow {
  document: { getElementById(id: string): PageElement | null };
  echarts?: {
    getInstanceByDom(
      element: PageElement,
    ): { getOption(): { series: { name: string; type: string; data: unknown[] }[] } } | undefined;
  };
  __medpatchReport?: { chartIds: string[] };
  __pwned?: number;
}
