// The dashboard in a real browser: Debian's chromium driven by playwright-core (no browser download).
// Screenshots of each page go to test-artifacts/dashboard/ for review.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, appWorkTree, startDaemon, viaNginx, type DaemonHandle } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts/dashboard');
const DOMAIN = 'dash.test';

let daemon: DaemonHandle;
let browser: Browser;
let page: Page;
let tree: Awaited<ReturnType<typeof appWorkTree>>;
let remote: string;

const shot = (name: string, target: Page = page) => target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const served = async (path: string) => (await viaNginx(daemon.httpPort, `hello.${DOMAIN}`, path)).body;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (it is in .ci/test-packages)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  daemon = await startDaemon();
  await daemon.paasOk(['domains:set-global', DOMAIN]);
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = `http://paas:${token}@127.0.0.1:${daemon.apiPort}/hello.git`;
  tree = await appWorkTree('hello');
  const push = await tree.git('push', remote, 'main');
  expect(push.code, push.stderr).toBe(0);
  browser = await chromium.launch({ executablePath: CHROMIUM });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  // Rollback and unset ask for confirmation: the test confirms.
  page.on('dialog', (dialog) => void dialog.accept());
});

afterAll(async () => {
  await browser?.close();
  await daemon?.destroy();
});

async function loginLink(): Promise<string> {
  const output = await daemon.paasOk(['dashboard:login-link']);
  const link = output.split('\n')[0]!;
  expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${daemon.apiPort}/login#[\\w-]{20,}$`));
  return link;
}

describe('the dashboard in a browser', () => {
  it('logs in with a login link and shows the apps', async () => {
    await page.goto(await loginLink());
    const card = page.locator('[data-app="hello"]');
    await card.waitFor();
    expect(await card.textContent()).toContain('running');
    expect(await card.textContent()).toContain(`http://hello.${DOMAIN}`);
    expect(await page.locator('#who').textContent()).toBe('logged in as root');
    // The secret left the address bar at once.
    expect(page.url()).toBe(`http://127.0.0.1:${daemon.apiPort}/`);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'paas_session')).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
    await shot('apps');
  });

  it('opens an app and sets a config var, which the app then serves', async () => {
    await page.click('[data-app="hello"] h2 a');
    await page.locator('#releases tr[data-version]').first().waitFor();
    // The plot's first Docker stats sample: the container's memory in MB.
    await expect.poll(() => page.locator('#stats .legend').textContent(), { timeout: 30_000 }).toMatch(/^Memory \d+\.\d MB/);
    await shot('app');
    await page.fill('#config input[name=key]', 'GREETING');
    await page.fill('#config input[name=value]', 'from the dashboard');
    await page.click('#config button[type=submit]');
    await expect.poll(() => page.locator('#message').textContent(), { timeout: 60_000 }).toMatch(/Releasing hello v\d+: Set GREETING/);
    expect(await served('/cgi-bin/env')).toContain('GREETING=from the dashboard\n');
    // Masked until revealed.
    const row = page.locator('#config tr[data-key="GREETING"]');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('********');
    await row.getByText('Reveal').click();
    await expect.poll(() => row.locator('td').nth(1).textContent()).toBe('from the dashboard');
    await shot('app-config');
  });

  it('rolls back a release after confirmation', async () => {
    const before = page.locator('#releases tr[data-version]').nth(1);
    const version = await before.getAttribute('data-version');
    await before.locator('button').click();
    await expect.poll(() => page.locator('#message').textContent(), { timeout: 60_000 }).toContain(`Rollback to v${version}`);
    expect(await served('/cgi-bin/env')).not.toContain('GREETING=');
    await expect.poll(() => page.locator('#releases tr[data-version]').first().textContent()).toContain(`Rollback to v${version}`);
    await shot('app-rollback');
  });

  it("streams a build's log while the push runs", async () => {
    writeFileSync(
      join(tree.dir, 'Dockerfile'),
      'FROM paas-test/busybox:1\nRUN for i in 1 2 3 4 5 6 7 8; do echo "build step $i"; sleep 1; done\nCOPY www /www\nRUN chmod 0755 /www/cgi-bin/*\nEXPOSE 5000\nCMD httpd -f -p ${PORT:-5000} -h /www\n',
    );
    await tree.git('commit', '-qam', 'a slow build step');
    let pushed = false;
    const push = tree.git('push', remote, 'main').then((result) => {
      pushed = true;
      return result;
    });
    const log = page.locator('#build-log');
    await expect.poll(() => log.textContent(), { timeout: 60_000 }).toContain('build step 2');
    // Seen while git push was still running: the page streams the log, it does not show it afterwards.
    expect(pushed).toBe(false);
    await shot('app-build-live');
    const result = await push;
    expect(result.code, result.stderr).toBe(0);
    await expect.poll(() => log.textContent(), { timeout: 60_000 }).toContain('build step 8');
    await expect.poll(() => log.textContent(), { timeout: 60_000 }).toMatch(/Application deployed|-----> .*hello/);
  });

  it('shows services, and the overview on a phone', async () => {
    await daemon.paasOk(['postgres:create', 'dashdb']);
    await daemon.paasOk(['postgres:link', 'dashdb', 'hello']);
    await page.goto(`http://127.0.0.1:${daemon.apiPort}/#/services`);
    const row = page.locator('#services-postgres tr', { hasText: 'dashdb' });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/running.*hello/);
    await shot('services');
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      storageState: await page.context().storageState(),
    });
    await phone.goto(`http://127.0.0.1:${daemon.apiPort}/`);
    await phone.locator('[data-app="hello"]').waitFor();
    // Nothing wider than the screen.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('apps-phone', phone);
    await phone.close();
  });
});
