/**
 * Headless Chromium for the console and explorer tests: Debian's `chromium` (installed by .ci/run)
 * driven by playwright-core. A machine without it fails the test: the browser tests are not optional.
 * Every page of a session may reach the loopback gateway only; any other request is refused and
 * reported, as are script errors and Content-Security-Policy violations (which Chromium logs as console errors).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, '..', '..', 'test-output', 'console');

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM, timeout: 30_000 });
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Requests to anything but loopback (refused), page errors, and console errors (CSP violations among them). */
  problems: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A fresh browser context (its own sessionStorage): a new tab of a new operator. */
export async function openSession(browser: Browser): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(20_000);
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !LOOPBACK.has(url.hostname)) {
      problems.push(`request outside loopback: ${url.href}`);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // HTTP statuses are the API's answers (401, 403, 503 of a partner that is down), shown by the page itself.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console error: ${message.text()}`);
  });
  return {
    context,
    page,
    problems,
    async screenshot(name) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    close: () => context.close(),
  };
}
