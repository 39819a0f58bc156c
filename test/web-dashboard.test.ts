/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against the real service:
 * the grid shows every channel with a live picture, the looped black fault (4-7 s of a 12 s file) turns its
 * tile into an alarm, the incident shows on the incidents page with its picture, and a channel can be added
 * and removed through the page with the token, a dashboard whose reads need a token asks for one, and no page
 * breaks the Content-Security-Policy. Screenshots go to test-artifacts/ (git-ignored).
 * Skipped where /usr/bin/chromium is missing (`apt-get install chromium`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { hashToken } from '../src/api/token-hash.js';
import { startService, type RunningService } from '../src/cli/run-command.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import { fixtureDirectory, fixturePath } from '../src/synth/fixtures.js';
import { chromiumPath, launchChromium } from '../src/test-support/chromium.js';
import { startHlsOrigin } from '../src/hls/test-support/hls-origin.js';
import { readTimedPackets, writeLiveTestClip } from '../src/transport/test-support/live-ts-stream.js';

const skip = existsSync(chromiumPath)
  ? false
  : `${chromiumPath} is missing: install it (apt-get install chromium) to run the browser tests`;
const artifacts = join(import.meta.dirname, '..', 'test-artifacts');
const token = 'dashboard-test-token';

/**
 * The page's globals, as much as these checks read (this project's types have no DOM). Predicates are
 * functions, not strings: Playwright runs a string predicate through eval, which the dashboard's
 * Content-Security-Policy forbids.
 */
interface PageMedia {
  readonly complete: boolean;
  readonly naturalWidth: number;
  readonly readyState: number;
  readonly duration: number;
}
interface PageGlobals {
  readonly document: { querySelectorAll(selector: string): ArrayLike<PageMedia> };
}

describe('web dashboard in a browser', { skip }, () => {
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    const black = await fixturePath('black.mp4');
    const clean = await fixturePath('clean.mp4');
    const detectors = ['black', 'freeze', 'silence', 'loudness'];
    const config = parseServiceConfig(
      {
        http: { port: 0, tokens: [{ name: 'dashboard-test', role: 'admin', hash: await hashToken(token) }] },
        alerts: { defaults: { raiseAfterSeconds: 1, clearAfterSeconds: 1 } },
        storage: {
          path: ':memory:',
          evidenceDirectory: join(mkdtempSync(join(tmpdir(), 'streamqc-web-')), 'evidence'),
        },
        inputs: { localDirectories: [fixtureDirectory] },
        channels: [
          { id: 'black-channel', name: 'Black test', url: black, loop: true, detectors },
          {
            id: 'clean-channel',
            name: 'Clean test',
            url: clean,
            loop: true,
            detectors,
            // An American channel: its tile and timeline show the ATSC A/85 target, not EBU R128's.
            detectorConfig: { loudness: { profile: 'atsc-a85' } },
          },
        ],
      },
      'web dashboard test config',
    );
    service = await startService(config, pino({ level: 'silent' }));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('shows every channel with a live picture, and the black fault as an alarm on its tile', async () => {
    await page.goto(`${service.apiUrl}/`);
    const blackTile = page.locator('.tile[data-channel-id="black-channel"]');
    await blackTile.waitFor({ timeout: 20_000 });
    await page.locator('.tile[data-channel-id="clean-channel"]').waitFor({ timeout: 20_000 });
    await blackTile.locator('img[data-loaded="true"]').waitFor({ timeout: 30_000 });
    await page
      .locator('.tile[data-channel-id="black-channel"][data-level="alarm"]')
      .waitFor({ timeout: 40_000 });
    const banner = blackTile.locator('.alarm-banner');
    assert.match((await banner.textContent()) ?? '', /BLACK/);
    assert.ok(
      await blackTile
        .getByLabel(/critical alarm: black picture/)
        .first()
        .isVisible(),
    );
    await page.screenshot({ path: join(artifacts, 'grid-alarm.png') });
    const cleanTile = page.locator('.tile[data-channel-id="clean-channel"]');
    await cleanTile.getByText('-24 ±2 LU').waitFor({ timeout: 20_000 });
    assert.equal(await blackTile.getByText('-23 ±1 LU').count(), 1, 'the EBU R128 channel keeps its target');
  });

  it('lists the black incident with its picture on the incidents page', async () => {
    // The picture is written shortly after the incident is raised; the page reloads on incident events.
    const deadline = Date.now() + 40_000;
    for (;;) {
      await page.goto(`${service.apiUrl}/incidents.html?channel=black-channel&kind=black`);
      const picture = page.locator('tr[data-incident-id] img').first();
      try {
        await picture.waitFor({ timeout: 5000 });
        await page.waitForFunction(
          (selector) =>
            Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll(selector)).some(
              (i) => i.complete && i.naturalWidth > 0,
            ),
          'tr[data-incident-id] img',
          { timeout: 5000 },
        );
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
    const row = page.locator('tr[data-incident-id]').first();
    assert.match((await row.textContent()) ?? '', /BLACK/);
    // The clip plays inline: Chromium reads its duration once the MP4 loads.
    await page.waitForFunction(
      (selector) =>
        Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll(selector)).some(
          (v) => v.readyState >= 1 && v.duration > 1,
        ),
      'tr[data-incident-id] video',
      { timeout: 20_000 },
    );
    await page.screenshot({ path: join(artifacts, 'incidents.png'), fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#export-csv').click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv, /^id,channel,kind,severity,state,/);
    assert.match(csv, /,black-channel,black,critical,/);
  });

  it('adds a channel through the form with the token, shows its tile, renames it and removes it', async () => {
    await page.goto(`${service.apiUrl}/`);
    await page.locator('.tile[data-channel-id="black-channel"]').waitFor({ timeout: 20_000 });
    await page.locator('details.config > summary').click();
    await page.locator('#token').fill(token);
    await page.locator('#token').dispatchEvent('change');
    const form = page.locator('#add-channel');
    await form.locator('input[name="id"]').fill('added-channel');
    await form.locator('input[name="name"]').fill('Added from the page');
    await form.locator('input[name="url"]').fill(await fixturePath('clean.mp4'));
    await form.locator('input[name="loop"]').check();
    await form.locator('button[type="submit"]').click();
    await page.locator('.tile[data-channel-id="added-channel"]').waitFor({ timeout: 20_000 });
    assert.match((await page.locator('#config-message').textContent()) ?? '', /Added channel added-channel/);
    await page.screenshot({ path: join(artifacts, 'grid-added.png') });

    // The same form changes a channel whose id exists: here its name.
    await form.locator('input[name="id"]').fill('added-channel');
    await form.locator('input[name="name"]').fill('Renamed from the page');
    await form.locator('button[type="submit"]').click();
    await page
      .locator('.tile[data-channel-id="added-channel"]', { hasText: 'Renamed from the page' })
      .waitFor({ timeout: 20_000 });
    assert.match(
      (await page.locator('#config-message').textContent()) ?? '',
      /Changed channel added-channel/,
    );

    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('#remove-id').selectOption('added-channel');
    await page.locator('#remove-channel button[type="submit"]').click();
    await page
      .locator('.tile[data-channel-id="added-channel"]')
      .waitFor({ state: 'detached', timeout: 20_000 });
    const answer = await fetch(`${service.apiUrl}/api/channels/added-channel`);
    assert.equal(answer.status, 404);
  });

  it('acknowledges an open incident from the incidents page with the token', async () => {
    // A source that never sends keeps its no-signal incident open for as long as the test needs.
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const added = await fetch(`${service.apiUrl}/api/channels`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: 'gone-source', url: `udp://127.0.0.1:${port}`, detectors: ['black'] }),
    });
    assert.equal(added.status, 201);
    try {
      const open = async () => {
        const answer = await fetch(`${service.apiUrl}/api/incidents?channel=gone-source&state=open`, {
          headers,
        });
        const body = (await answer.json()) as { incidents: { id: string; kind: string }[] };
        return body.incidents.find((incident) => incident.kind === 'no-signal');
      };
      const deadline = Date.now() + 40_000;
      let incident = await open();
      while (!incident) {
        assert.ok(Date.now() < deadline, 'no-signal raised for a source that never sends');
        await new Promise((resolve) => setTimeout(resolve, 500));
        incident = await open();
      }
      await page.goto(`${service.apiUrl}/incidents.html?channel=gone-source&state=open`);
      await page.locator('#token').fill(token);
      await page.locator('#token').dispatchEvent('change');
      await page.locator('#ack-by').fill('night shift');
      const row = page.locator(`tr[data-incident-id="${incident.id}"]`);
      await row.getByRole('button', { name: 'Acknowledge' }).click();
      await row.getByText(/✓ night shift/).waitFor({ timeout: 10_000 });
      const stored = (await (
        await fetch(`${service.apiUrl}/api/incidents/${incident.id}`, { headers })
      ).json()) as { acknowledgedBy: string | null; acknowledgedAtMs: number | null };
      assert.equal(stored.acknowledgedBy, 'night shift');
      assert.ok(stored.acknowledgedAtMs !== null);
    } finally {
      await fetch(`${service.apiUrl}/api/channels/gone-source`, { method: 'DELETE', headers });
    }
  });

  it('draws the channel timelines', async () => {
    await page.goto(`${service.apiUrl}/channel.html?id=black-channel`);
    await page.locator('[data-chart="black"] svg path').first().waitFor({ timeout: 20_000 });
    await page.locator('#detectors tr').first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, 'channel.png'), fullPage: true });
  });

  it('shows the HLS delivery table of an HLS channel: a 404 segment counted on its variant', async () => {
    const clip = join(mkdtempSync(join(tmpdir(), 'streamqc-web-hls-')), 'clip.ts');
    await writeLiveTestClip(clip, 20);
    const origin = await startHlsOrigin({
      packets: await readTimedPackets(clip),
      bandwidthsBps: [1_000_000, 2_000_000],
      faults: { missingSegments: [5] },
    });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const added = await fetch(`${service.apiUrl}/api/channels`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: 'hls-channel', url: origin.url, detectors: ['silence'] }),
    });
    assert.equal(added.status, 201);
    try {
      await page.goto(`${service.apiUrl}/channel.html?id=hls-channel`);
      const variant0 = page.locator('#hls-playlists tr[data-playlist="0"]');
      // Segments cell: "<downloaded> (<failed>, <slow>)".
      await variant0.getByText(/^\d+ \(1, 0\)$/).waitFor({ timeout: 30_000 });
      await page
        .locator('#hls-playlists tr[data-playlist="1"]')
        .getByText(/^\d+ \(0, 0\)$/)
        .waitFor();
      await page.locator('[data-chart="hls"] svg').waitFor();
      await page.screenshot({ path: join(artifacts, 'channel-hls.png'), fullPage: true });
    } finally {
      await fetch(`${service.apiUrl}/api/channels/hls-channel`, { method: 'DELETE', headers });
      await origin.close();
    }
  });

  it('asks for a token when reads need one, then shows the live state with it', async () => {
    const guarded = await startService(
      parseServiceConfig(
        {
          http: {
            port: 0,
            anonymousReads: 'none',
            tokens: [{ name: 'wall', role: 'read', hash: await hashToken('wall-display-read-token') }],
          },
          storage: { path: ':memory:', evidenceDirectory: join(tmpdir(), 'streamqc-web-guarded-evidence') },
        },
        'guarded dashboard test config',
      ),
      pino({ level: 'silent' }),
    );
    const guardedPage = await browser.newPage();
    try {
      const prompts: string[] = [];
      guardedPage.on('dialog', (dialog) => {
        prompts.push(dialog.message());
        void dialog.accept('wall-display-read-token');
      });
      await guardedPage.goto(`${guarded.apiUrl}/`);
      // The event stream opens with the token from the cookie after the one prompt.
      await guardedPage.locator('#live[data-live="true"]').waitFor({ timeout: 20_000 });
      assert.equal(prompts.length, 1);
      assert.equal((await fetch(`${guarded.apiUrl}/api/channels`)).status, 401, 'reads need a token');
      assert.match(prompts[0] ?? '', /API token/);
    } finally {
      await guardedPage.close();
      await guarded.stop();
    }
  });

  it('broke no Content-Security-Policy rule on any page', () => {
    assert.deepEqual(cspViolations, []);
  });
});
