/**
 * The report's own browser code: reads the JSON data block and draws the charts with the inlined ECharts
 * bundle. Plain ES5-style JavaScript kept as a string (it runs in the page, not in Node); its SHA-256 goes into
 * the report's Content-Security-Policy. The browser test (test/browser/report.test.ts) runs it in Chromium.
 */
export const CHARTS_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var charts = [];
  var font = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  var axisText = { color: '#475467', fontFamily: font, fontSize: 12 };
  function mount(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    option.animation = false;
    option.textStyle = { fontFamily: font };
    chart.setOption(option);
    charts.push(chart);
  }
  function label(code) { return data.labels[code] || code; }

  var d = data.decisionChart;
  mount('chart-decisions', {
    grid: { left: 8, right: 24, top: 12, bottom: 64, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: {
      bottom: 0, itemWidth: 12, itemHeight: 12, textStyle: axisText,
      data: d.statuses.map(label)
    },
    xAxis: { type: 'value', minInterval: 1, axisLabel: axisText, splitLine: { lineStyle: { color: '#eaecf0' } } },
    yAxis: {
      type: 'category', inverse: true, data: d.decisions.map(label),
      axisLabel: { color: '#101828', fontWeight: 600, fontFamily: font }, axisTick: { show: false },
      axisLine: { lineStyle: { color: '#d0d5dd' } }
    },
    series: d.statuses.map(function (status) {
      return {
        name: label(status), type: 'bar', stack: 'findings', barMaxWidth: 38,
        barCategoryGap: '28%',
        itemStyle: { color: data.colors[status] || '#98a2b3', borderColor: '#fff', borderWidth: 1 },
        emphasis: { focus: 'series' },
        data: d.decisions.map(function (decision) { return (d.counts[decision] || {})[status] || 0; })
      };
    }).concat([{
      name: 'Total', type: 'bar', stack: 'findings', silent: true, tooltip: { show: false },
      itemStyle: { color: 'transparent' },
      label: {
        show: true, position: 'right', color: '#101828', fontWeight: 600, fontFamily: font,
        formatter: function (p) { return String(d.totals[p.dataIndex] || 0); }
      },
      data: d.decisions.map(function () { return 0; })
    }])
  });

  var w = data.waiting;
  mount('chart-waiting', {
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { bottom: 0, itemWidth: 12, itemHeight: 12, textStyle: axisText },
    title: {
      text: w.total === 0 ? '0%' : Math.round((100 * w.waiting) / w.total) + '%',
      subtext: 'waiting on\\nmanufacturers',
      left: 'center', top: '33%',
      textStyle: { fontSize: 28, fontWeight: 700, color: '#101828', fontFamily: font },
      subtextStyle: { fontSize: 12, color: '#475467', fontFamily: font, lineHeight: 15 }
    },
    series: [{
      type: 'pie', radius: ['52%', '74%'], center: ['50%', '44%'], avoidLabelOverlap: true,
      label: { show: false }, itemStyle: { borderColor: '#fff', borderWidth: 2 },
      data: w.groups.map(function (g) { return { name: g.name, value: g.value, itemStyle: { color: g.color } }; })
    }]
  });

  var b = data.burnDown;
  var current = b.weeks.indexOf(b.currentWeek);
  var series = [{
    name: 'Overdue', type: 'bar', stack: 'due', barMaxWidth: 28,
    itemStyle: { color: data.colors.OVERDUE },
    data: b.overdue,
    markArea: current > 0 ? {
      silent: true, itemStyle: { color: 'rgba(180, 35, 24, 0.07)' },
      label: { show: true, position: 'insideTop', color: '#b42318', fontWeight: 600, fontFamily: font },
      data: [[{ name: 'Overdue', xAxis: b.weeks[0] }, { xAxis: b.weeks[current - 1] }]]
    } : undefined,
    markLine: current >= 0 ? {
      silent: true, symbol: 'none', lineStyle: { color: '#344054', type: 'dashed' },
      label: { formatter: 'This week', position: 'end', distance: 4, color: '#344054', fontFamily: font },
      data: [{ xAxis: b.weeks[current] }]
    } : undefined
  }];
  data.decisionOrder.forEach(function (decision) {
    if (!b.dueByDecision[decision]) return;
    series.push({
      name: 'Due: ' + label(decision), type: 'bar', stack: 'due', barMaxWidth: 28,
      itemStyle: { color: data.colors[decision] }, data: b.dueByDecision[decision]
    });
  });
  series.push({
    name: 'Still open if closed on time', type: 'line', yAxisIndex: 1, step: 'end', symbol: 'none',
    lineStyle: { color: '#101828', width: 2 }, itemStyle: { color: '#101828' },
    areaStyle: { color: 'rgba(16, 24, 40, 0.05)' }, data: b.remaining
  });
  mount('chart-burndown', {
    grid: { left: 16, right: 16, top: 56, bottom: 64, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { bottom: 0, itemWidth: 12, itemHeight: 12, textStyle: axisText },
    xAxis: {
      type: 'category', data: b.weeks,
      axisLabel: {
        color: '#475467', fontFamily: font,
        formatter: function (v) { var p = v.split('-'); return p[2] + ' ' + data.months[Number(p[1]) - 1]; }
      },
      axisLine: { lineStyle: { color: '#d0d5dd' } }, axisTick: { alignWithLabel: true }
    },
    yAxis: [
      { type: 'value', name: 'Due that week', minInterval: 1, axisLabel: axisText,
        nameGap: 26, nameTextStyle: { color: '#475467', fontFamily: font, align: 'left' },
        splitLine: { lineStyle: { color: '#eaecf0' } } },
      { type: 'value', name: 'Still open', minInterval: 1, axisLabel: axisText,
        nameGap: 26, nameTextStyle: { color: '#475467', fontFamily: font, align: 'right' },
        splitLine: { show: false } }
    ],
    series: series
  });

  function resize() { charts.forEach(function (c) { c.resize(); }); }
  window.addEventListener('resize', resize);
  window.addEventListener('beforeprint', resize);
  window.__medpatchReport = { charts: charts, chartIds: charts.map(function (c) { return c.getDom().id; }) };
})();
`;
