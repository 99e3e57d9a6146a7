import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChartLibrary } from '../../shared/report/chart-library';
import { type ReportInput, renderReport } from '../../shared/report/render-report';
import { CHROMIUM_MISSING, CHROMIUM_PATH, launchChromium, type ReportWindow } from './chromium';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/report-input.json');
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const CLOSED = new Set(['PATCHED', 'VERIFIED', 'RISK_ACCEPTED', 'NOT_AFFECTED']);

it('finds the Chromium the browser tests drive (Debian package chromium)', () => {
  expect(existsSync(CHROMIUM_PATH), CHROMIUM_MISSING).toBe(true);
});

describe('posture report in Chromium', () => {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Omit<ReportInput, 'chartScript'>;
  const dir = mkdtempSync(join(tmpdir(), 'medpatch-report-'));
  const file = join(dir, 'report.html');
  const problems: string[] = [];
  const requests: string[] = [];
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;

  beforeAll(async () => {
    writeFileSync(file, renderReport({ ...fixture, chartScript: readChartLibrary() }));
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await page.waitForFunction(() => '__medpatchReport' in globalThis);
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws the three charts as ECharts instances on non-empty canvases', async () => {
    const charts = await page.evaluate(() => {
      const w = globalThis as unknown as ReportWindow;
      return ['chart-decisions', 'chart-waiting', 'chart-burndown'].map((id) => {
        const el = w.document.getElementById(id);
        const canvas = el?.querySelector('canvas');
        const box = canvas?.getBoundingClientRect();
        return {
          id,
          instance: Boolean(el && w.echarts?.getInstanceByDom(el)),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          registered: w.__medpatchReport?.chartIds.includes(id) ?? false,
        };
      });
    });
    for (const chart of charts) {
      expect(chart, chart.id).toMatchObject({ instance: true, registered: true });
      expect(chart.width, chart.id).toBeGreaterThan(200);
      expect(chart.height, chart.id).toBeGreaterThan(150);
    }
  });

  it('plots every finding in the decision chart and every overdue work order in the burn-down', async () => {
    const series = await page.evaluate(() => {
      const w = globalThis as unknown as ReportWindow;
      const option = (id: string) => {
        const el = w.document.getElementById(id);
        return (el && w.echarts?.getInstanceByDom(el)?.getOption().series) ?? [];
      };
      return { decisions: option('chart-decisions'), burnDown: option('chart-burndown') };
    });
    const total = series.decisions.flatMap((s) => s.data as number[]).reduce((a, b) => a + b, 0);
    expect(total).toBe(fixture.summary.findings.total);
    const overdueBars = series.burnDown.find((s) => s.name === 'Overdue')?.data as number[];
    const now = Date.parse(fixture.generatedAt);
    expect(overdueBars.reduce((a, b) => a + b, 0)).toBe(
      fixture.workOrders.filter((w) => Date.parse(w.dueDate) < now).length,
    );
  });

  it('shows headline numbers equal to the summary and the findings they come from', async () => {
    const text = async (id: string) => Number((await page.getByTestId(id).textContent())?.replace(/,/g, ''));
    expect(await text('devices')).toBe(fixture.devices.length);
    const openDevices = new Set(
      fixture.findings.filter((f) => !CLOSED.has(f.remediationState)).map((f) => f.deviceId),
    );
    expect(await text('devices-open')).toBe(openDevices.size);
    for (const decision of ['IMMEDIATE', 'OUT_OF_CYCLE', 'SCHEDULED', 'DEFER']) {
      expect(await text(`decision-${decision}`), decision).toBe(
        fixture.summary.findings.byDecision[decision] ?? 0,
      );
    }
    const now = Date.parse(fixture.generatedAt);
    const overdue = fixture.workOrders.filter((w) => Date.parse(w.dueDate) < now).length;
    expect(overdue).toBeGreaterThan(0);
    expect(await text('overdue')).toBe(overdue);
    expect(await page.locator('#overdue tr.overdue').count()).toBe(Math.min(overdue, 15));
  });

  it('links work orders, devices and advisories into the ServiceNow instance', async () => {
    const dispatched = fixture.workOrders.find((w) => w.cmmsRef);
    const ref = dispatched?.cmmsRef ?? '';
    const href = await page
      .locator(`a[data-kind="work-order"]`, { hasText: ref })
      .first()
      .getAttribute('href');
    expect(href).toBe(
      `https://demo-hospital.service-now.com/nav_to.do?uri=${encodeURIComponent(`change_request.do?sysparm_query=number=${ref}`)}`,
    );
    const deviceHref = await page.locator('#mitigated a[data-kind="device"]').first().getAttribute('href');
    expect(deviceHref).toMatch(
      /^https:\/\/demo-hospital\.service-now\.com\/nav_to\.do\?uri=cmdb_ci_med_device\.do%3Fsys_id%3D[0-9a-f]{32}$/,
    );
    const overdueDeviceLinks = await page.locator('#overdue a[data-kind="device"]').count();
    expect(overdueDeviceLinks).toBe(await page.locator('#overdue [data-kind="device"]').count());
    expect(overdueDeviceLinks).toBeGreaterThan(0);
    const advisoryLinks = await page.locator('#advisories a[data-kind="advisory"]').count();
    expect(advisoryLinks).toBeGreaterThan(0);
  });

  it('keeps hostile advisory titles and product names as text: nothing runs, nothing is fetched', async () => {
    const hostile = fixture.advisories.find((a) => a.title.includes('<script>'));
    expect(hostile).toBeDefined();
    const pwned = await page.evaluate(() => (globalThis as unknown as ReportWindow).__pwned ?? 0);
    expect(pwned).toBe(0);
    await expect.poll(() => page.locator('#advisories td.title').allTextContents()).toContain(hostile?.title);
    expect(await page.locator('img').count()).toBe(0);
    expect(requests).toEqual([]);
  });

  it('renders an empty inventory (no devices, findings or work orders) without errors', async () => {
    const empty = join(dir, 'empty.html');
    writeFileSync(
      empty,
      renderReport({
        ...fixture,
        summary: { findings: { total: 0, byDecision: {} }, workOrders: { total: 0, dispatched: 0 } },
        devices: [],
        findings: [],
        workOrders: [],
        advisories: [],
        chartScript: readChartLibrary(),
      }),
    );
    const other = await browser.context.newPage();
    const errors: string[] = [];
    other.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    other.on('pageerror', (e) => errors.push(e.message));
    await other.goto(`file://${empty}`);
    await other.waitForFunction(() => '__medpatchReport' in globalThis);
    expect(await other.getByTestId('devices').textContent()).toBe('0');
    expect(await other.locator('#advisories .empty').textContent()).toBe('No open findings.');
    expect(errors).toEqual([]);
    await other.close();
  });

  it('logs no console error or warning and saves a screenshot artifact', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report-top.png') });
    expect(statSync(screenshot).size).toBeGreaterThan(50_000);
    expect(problems).toEqual([]);
  });
});
