import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMds2Profile } from '../../shared/domain/mds2';
import { readChartLibrary } from '../../shared/report/chart-library';
import { escapeHtml, html, inlineScript, jsonForScript } from '../../shared/report/html';
import { renderReport } from '../../shared/report/render-report';
import {
  burnDownOf,
  deviceName,
  manufacturersToChase,
  mitigatedWithoutPatch,
  modelWithoutBrand,
  type ReportInput,
  type ReportWorkOrder,
} from '../../shared/report/report-model';

const fixture = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../fixtures/report-input.json'), 'utf8'),
) as Omit<ReportInput, 'chartScript'>;
/** A stand-in library: the real one is 700 KB; this one carries the sequences that must not break the page. */
const LIBRARY = 'window.echarts={init:function(){return{setOption:function(){}}}};var s="</script><p>";';
const input = (over: Partial<ReportInput> = {}): ReportInput => ({
  ...fixture,
  chartScript: LIBRARY,
  ...over,
});

const scripts = (page: string) => [...page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
const testId = (page: string, id: string) =>
  Number(new RegExp(`data-testid="${id}">([\\d,]+)<`).exec(page)?.[1]?.replace(/,/g, ''));

describe('report HTML', () => {
  it('escapes untrusted text: hostile titles and names add no element, the data block stays inert', () => {
    const page = renderReport(input());
    const elements = scripts(page);
    expect(elements.map((m) => m[1])).toEqual([' type="application/json" id="report-data"', '', '']);
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>Medical</b>');
    expect(page).toContain('Acme &lt;b&gt;Medical&lt;/b&gt;');
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    const data = elements[0]?.[2] ?? '';
    expect(data).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(data).labels.IMMEDIATE).toBe('Immediate');
  });

  it('headline tiles show the summary and the inventory', () => {
    const summary = {
      ...fixture.summary,
      findings: { total: 7, byDecision: { IMMEDIATE: 3, OUT_OF_CYCLE: 0, SCHEDULED: 4 } },
    };
    const page = renderReport(input({ summary }));
    expect(testId(page, 'decision-IMMEDIATE')).toBe(3);
    expect(testId(page, 'decision-SCHEDULED')).toBe(4);
    expect(testId(page, 'decision-DEFER')).toBe(0);
    expect(testId(page, 'devices')).toBe(fixture.devices.length);
  });

  it('allows only its own scripts: the Content-Security-Policy carries their hashes and no network source', () => {
    const page = renderReport(input());
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(page)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    for (const [, attributes, body] of scripts(page)) {
      if (attributes?.includes('application/json')) continue;
      const hash = createHash('sha256')
        .update(body ?? '', 'utf8')
        .digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
    }
    expect(csp).not.toMatch(/https?:|'unsafe-eval'|script-src[^;]*'unsafe-inline'/);
  });

  it('inlines the real ECharts bundle whole, and refuses a script that would open an HTML comment', () => {
    const library = readChartLibrary();
    expect(library.length).toBeGreaterThan(300_000);
    expect(renderReport(input({ chartScript: library }))).toContain(inlineScript(library));
    expect(inlineScript('a="</SCRIPT>"')).toBe('a="<\\/SCRIPT>"');
    expect(() => inlineScript('x="<!--"')).toThrow(/<!--/);
  });

  it('links ServiceNow ids into the instance and shows plain ids for other CMMSs or unsafe URLs', () => {
    const ref = fixture.workOrders.find((w) => w.cmmsRef)?.cmmsRef ?? '';
    const linked = renderReport(input());
    expect(linked).toContain(
      `href="https://demo-hospital.service-now.com/nav_to.do?uri=change_request.do%3Fsysparm_query%3Dnumber%3D${ref}"`,
    );
    for (const cmms of [
      { kind: 'other', name: 'the file outbox' } as const,
      { kind: 'servicenow', instanceUrl: 'javascript:alert(1)//' } as const,
    ]) {
      const page = renderReport(input({ cmms }));
      expect(page).not.toContain('<a class="id"');
      expect(page).toContain(`<span class="id" data-kind="work-order">${ref}</span>`);
      expect(page).not.toContain('javascript:');
    }
  });

  it('lists every model as lacking an MDS2 profile until one is recorded, then drops that model', () => {
    const without = renderReport(input({ mds2Profiles: null }));
    expect(without).toContain('No MDS2 profile recorded');
    expect(without).toMatch(/<td>Spacelabs Healthcare<\/td><td>Xhibit Telemetry Receiver/);
    const profile = buildMds2Profile('Spacelabs Healthcare', 'Xhibit Telemetry Receiver', {
      'CSUP-1': { answer: 'YES', note: '' },
    });
    const withProfile = renderReport(input({ mds2Profiles: [profile] }));
    expect(withProfile).toContain('1 MDS2 profiles on record');
    expect(withProfile).not.toMatch(/<td>Spacelabs Healthcare<\/td><td>Xhibit Telemetry Receiver/);
  });

  it('escapes markup characters and keeps SafeHtml fragments as markup', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p>${'<b>'}${html`<i>${'&'}</i>`}${[1, '<', null]}</p>`.value).toBe(
      '<p>&lt;b&gt;<i>&amp;</i>1&lt;</p>',
    );
    expect(jsonForScript({ t: '</script>\u2028&' })).toBe('{"t":"\\u003c/script\\u003e\\u2028\\u0026"}');
  });
});

describe('report model', () => {
  const wo = (dueDate: string, decision = 'SCHEDULED'): ReportWorkOrder => ({
    correlationId: dueDate,
    kind: 'APPLY_MITIGATION',
    assetTags: ['T1'],
    advisoryIds: ['A1'],
    decision,
    priority: 3,
    dueDate,
  });

  it('burn-down: overdue work orders by week before now, the rest by decision, remaining falls to zero', () => {
    const b = burnDownOf(
      [
        wo('2026-11-10T00:00:00Z', 'IMMEDIATE'),
        wo('2026-11-27T00:00:00Z'),
        wo('2026-12-02T00:00:00Z', 'IMMEDIATE'),
        wo('2026-12-16T00:00:00Z'),
      ],
      '2026-11-29T19:00:00Z',
    );
    expect(b.weeks).toEqual([
      '2026-11-09',
      '2026-11-16',
      '2026-11-23',
      '2026-11-30',
      '2026-12-07',
      '2026-12-14',
    ]);
    expect(b.currentWeek).toBe('2026-11-23');
    expect(b.overdue).toEqual([1, 0, 1, 0, 0, 0]);
    expect(b.dueByDecision).toEqual({ IMMEDIATE: [0, 0, 0, 1, 0, 0], SCHEDULED: [0, 0, 0, 0, 0, 1] });
    expect(b.remaining).toEqual([3, 3, 2, 1, 1, 0]);
  });

  it('names devices without repeating the manufacturer the model name already carries', () => {
    const philips = {
      manufacturer: 'Philips Healthcare',
      model: 'Philips Healthcare EPIQ 7',
      modelNumber: '',
    };
    expect(modelWithoutBrand(philips)).toBe('EPIQ 7');
    expect(deviceName(philips)).toBe('Philips Healthcare EPIQ 7');
    const ge = { manufacturer: 'GE Healthcare', model: 'CARESCAPE B450', modelNumber: '' };
    expect(modelWithoutBrand(ge)).toBe('CARESCAPE B450');
    expect(deviceName(ge)).toBe('GE Healthcare CARESCAPE B450');
    expect(deviceName({ manufacturer: 'Spacelabs', model: '', modelNumber: '96280' })).toBe(
      'Spacelabs 96280',
    );
  });

  it('manufacturers to chase: spellings of one manufacturer are one row, named as most devices name it', () => {
    const device = (n: number, manufacturer: string) => ({
      deviceId: `d${n}`,
      assetTag: `T${n}`,
      manufacturer,
      model: 'IntelliVue MX800',
      modelNumber: '',
    });
    const finding = (n: number, validationStatus: string, remediationState = 'OPEN') => ({
      deviceId: `d${n}`,
      assetTag: `T${n}`,
      advisoryId: 'ICSMA-20-254-01',
      cves: [],
      product: 'p',
      matchConfidence: 'confirmed',
      validationStatus,
      action: 'REQUEST_VALIDATION',
      decision: 'SCHEDULED',
      remediationState,
    });
    const { rows, total } = manufacturersToChase(
      input({
        devices: [
          device(1, 'PHILIPS'),
          device(2, 'Philips Healthcare'),
          device(3, 'Philips Healthcare'),
          device(4, 'GE Healthcare'),
        ],
        findings: [
          finding(1, 'UNKNOWN'),
          finding(2, 'UNDER_REVIEW'),
          finding(3, 'UNKNOWN'),
          finding(4, 'UNKNOWN', 'PATCHED'),
        ],
      }),
      10,
    );
    expect(total).toBe(1);
    expect(rows[0]).toMatchObject({
      manufacturer: 'Philips Healthcare',
      aliases: ['PHILIPS'],
      unknown: 2,
      underReview: 1,
      devices: 3,
    });
  });

  it('mitigations without a validated patch: mitigated or mitigation ordered, never a validated or closed one', () => {
    const base = {
      deviceId: 'd1',
      assetTag: 'T1',
      cves: [],
      product: 'p',
      matchConfidence: 'confirmed',
      decision: 'SCHEDULED',
    };
    const result = mitigatedWithoutPatch(
      input({
        findings: [
          {
            ...base,
            advisoryId: 'A1',
            validationStatus: 'UNDER_REVIEW',
            action: 'APPLY_MITIGATION',
            remediationState: 'AWAITING_VALIDATION',
          },
          {
            ...base,
            advisoryId: 'A2',
            validationStatus: 'UNKNOWN',
            action: 'REQUEST_VALIDATION',
            remediationState: 'MITIGATED',
          },
          {
            ...base,
            advisoryId: 'A3',
            validationStatus: 'VALIDATED',
            action: 'APPLY_PATCH',
            remediationState: 'MITIGATED',
          },
          {
            ...base,
            advisoryId: 'A4',
            validationStatus: 'NOT_APPROVED',
            action: 'APPLY_MITIGATION',
            remediationState: 'PATCHED',
          },
          {
            ...base,
            advisoryId: 'A5',
            validationStatus: 'UNKNOWN',
            action: 'REQUEST_VALIDATION',
            remediationState: 'OPEN',
          },
        ],
        workOrders: [{ ...wo('2026-12-01T00:00:00Z'), cmmsRef: 'CHG0030009' }],
      }),
      10,
    );
    expect(result.rows.map((r) => [r.advisoryId, r.mitigation, r.workOrder?.cmmsRef])).toEqual([
      ['A2', 'in place', undefined],
      ['A1', 'ordered', 'CHG0030009'],
    ]);
    expect(result.devices).toBe(1);
  });
});
