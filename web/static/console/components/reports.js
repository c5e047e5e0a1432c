// Reports (supervisors and admins): the figures of the conversations of a period, per
// day, operator or channel (GET /api/reports/conversations), drawn as charts by uPlot
// (vendored; loaded with this page only), listed in a table, and offered as a CSV file.
// Loaded with import() when the page is first opened.
import { html, useEffect, useMemo, useRef, useState } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { useStore } from '../store.js';
import { loadChannels } from '../actions.js';
import { PageHeader, Spinner, Alert } from './common.js';
import { WaitEstimates } from './waiting.js';

function stylesheet(rel) {
  return new Promise((resolve) => {
    const href = new URL(rel, import.meta.url).href;
    if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === href)) return resolve();
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.onload = link.onerror = () => resolve();
    document.head.append(link);
  });
}

// uPlot and the page's styles come before the page shows, so that nothing shows unstyled.
const [{ default: uPlot }] = await Promise.all([
  import('../../vendor/uPlot.esm.js'),
  stylesheet('../../vendor/uPlot.min.css'),
  stylesheet('../reports.css'),
]);

// The days are cut in the browser's time zone.
const TZ = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
})();

const pad = (n) => String(n).padStart(2, '0');
const ymd = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
function daysAgo(n) {
  const d = new Date();
  d.setDate(d.getDate() - n);
  return d;
}

const PERIODS = [
  ['7', 'Last 7 days'],
  ['30', 'Last 30 days'],
  ['90', 'Last 90 days'],
  ['365', 'Last 365 days'],
  ['month', 'This month'],
  ['last-month', 'Last month'],
  ['custom', 'Custom'],
];

// periodDates is the first and last day of a preset period, today included.
function periodDates(preset) {
  const today = new Date();
  if (preset === 'month') return [ymd(new Date(today.getFullYear(), today.getMonth(), 1)), ymd(today)];
  if (preset === 'last-month') {
    return [ymd(new Date(today.getFullYear(), today.getMonth() - 1, 1)), ymd(new Date(today.getFullYear(), today.getMonth(), 0))];
  }
  return [ymd(daysAgo(Number(preset) - 1)), ymd(today)];
}

const GROUPS = [
  ['day', 'Day'],
  ['operator', 'Operator'],
  ['channel', 'Channel'],
];

// duration writes seconds for people: "120 ms", "45 s", "3 min 5 s", "2 h 10 min"; — for none.
export function duration(s) {
  if (s === null || s === undefined) return '—';
  if (s > 0 && s < 0.95) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const total = Math.round(s);
  if (total < 3600) return `${Math.floor(total / 60)} min${total % 60 ? ` ${total % 60} s` : ''}`;
  const m = Math.round(total / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

const percent = (share) => (share === null || share === undefined ? '' : ` (${Math.round(share * 100)}%)`);

function reportURL(f, format) {
  const p = new URLSearchParams({ from: f.from, to: f.to, tz: TZ, group: f.group });
  if (f.channel) p.set('channel_id', f.channel);
  if (f.operator) p.set('operator_id', f.operator);
  if (format) p.set('format', format);
  return `/api/reports/conversations?${p}`;
}

// The charts: each series by its figure; in a chart of operators or channels, bars drawn
// over one another in this order, so that each later (smaller) one shows as a part of
// the one before (missed conversations within all of them, the median within the 90th
// percentile); ratings are stacked (good, then okay, then bad above them).
const CHARTS = [
  {
    id: 'conversations',
    title: 'Conversations',
    series: [
      { label: 'Conversations', color: '#714b67', value: (r) => r.conversations },
      { label: 'Missed', color: '#c0392b', value: (r) => r.missed },
    ],
    format: (v) => String(v),
  },
  {
    id: 'first-answer',
    title: 'Time to first answer',
    series: [
      { label: '90th percentile', color: '#b79bb0', value: (r) => r.first_answer_p90 },
      { label: 'Median', color: '#714b67', value: (r) => r.first_answer_median },
    ],
    format: duration,
  },
  {
    id: 'queue-wait',
    title: 'Time waiting in the queue',
    series: [
      { label: '90th percentile', color: '#f0c75e', value: (r) => r.queue_wait_p90 },
      { label: 'Median', color: '#8a5a00', value: (r) => r.queue_wait_median },
    ],
    format: duration,
  },
  {
    id: 'ratings',
    title: 'Ratings',
    stacked: true,
    series: [
      { label: 'Good', color: '#1e7b4f', value: (r) => r.good },
      { label: 'Okay', color: '#e2a203', value: (r) => r.okay },
      { label: 'Bad', color: '#c0392b', value: (r) => r.bad },
    ],
    format: (v) => String(v),
  },
];

// dayTime is a report's day (YYYY-MM-DD) as uPlot's time, seconds at its UTC midnight:
// the charts show days as the report names them, in UTC (tzDate below).
function dayTime(key) {
  const [y, m, d] = key.split('-').map(Number);
  return Date.UTC(y, m - 1, d) / 1000;
}

function Chart({ chart, report }) {
  const box = useRef(null);
  const byDay = report.group === 'day';
  const rows = report.rows;
  useEffect(() => {
    if (!box.current) return undefined;
    const labels = rows.map((r) => r.label);
    // Operators and channels, or a single day, are bars at 0, 1, 2...; days a line.
    const bars = !byDay || rows.length === 1;
    const x = bars ? rows.map((_, i) => i) : rows.map((r) => dayTime(r.key));
    let values = chart.series.map((s) => rows.map((r) => s.value(r)));
    if (chart.stacked) {
      // Each series drawn up to the sum of itself and those below it; the last first.
      values = values.map((_, i) => rows.map((__, j) => values.slice(0, i + 1).reduce((sum, v) => sum + (v[j] || 0), 0)));
    }
    const order = chart.stacked ? chart.series.map((_, i) => chart.series.length - 1 - i) : chart.series.map((_, i) => i);
    const opts = {
      width: Math.max(240, box.current.clientWidth),
      height: 220,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      scales: {
        x: bars ? { time: false, range: [-0.5, rows.length - 0.5] } : { time: true },
        y: { range: (u, min, max) => [0, Math.max(1, (max || 0) * 1.1)] },
      },
      axes: [
        bars ? { splits: () => x, values: (u, splits) => splits.map((i) => labels[i] ?? ''), gap: 4 } : {},
        { values: (u, splits) => splits.map((v) => chart.format(v)), size: 70 },
      ],
      series: [
        {},
        ...order.map((i) => ({
          label: chart.series[i].label,
          stroke: chart.series[i].color,
          fill: bars || chart.stacked ? chart.series[i].color : undefined,
          width: bars ? 0 : 2,
          points: { show: !bars && rows.length < 60 },
          paths: bars ? uPlot.paths.bars({ size: [0.6, 48], align: 0 }) : undefined,
          spanGaps: false,
        })),
      ],
    };
    const data = [x, ...order.map((i) => values[i])];
    const u = new uPlot(opts, data, box.current);
    const resize = new ResizeObserver(() => {
      if (box.current) u.setSize({ width: Math.max(240, box.current.clientWidth), height: 220 });
    });
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      u.destroy();
    };
  }, [report]);

  const summary = `${chart.title}, per ${report.group}: ` + chart.series.map((s) => `${s.label} ${chart.format(s.value(report.total))} in all`).join('; ');
  return html`<figure class="card report-chart" data-testid="reports-chart" data-chart=${chart.id}>
    <figcaption>${chart.title}</figcaption>
    <ul class="report-legend">
      ${chart.series.map((s) => html`<li key=${s.label}><span class="report-swatch" style=${{ background: s.color }} aria-hidden="true"></span>${s.label}</li>`)}
    </ul>
    <div class="report-canvas" ref=${box} role="img" aria-label=${summary}></div>
  </figure>`;
}

const COLUMNS = [
  ['Conversations', (r) => r.conversations],
  ['Answered', (r) => r.answered],
  ['First answer, median', (r) => duration(r.first_answer_median)],
  ['First answer, 90%', (r) => duration(r.first_answer_p90)],
  ['Queued', (r) => r.queued],
  ['Queue wait, median', (r) => duration(r.queue_wait_median)],
  ['Queue wait, 90%', (r) => duration(r.queue_wait_p90)],
  ['Duration, median', (r) => duration(r.duration_median)],
  ['Messages', (r) => r.messages],
  ['Good', (r) => `${r.good}${percent(r.good_share)}`],
  ['Okay', (r) => `${r.okay}${percent(r.okay_share)}`],
  ['Bad', (r) => `${r.bad}${percent(r.bad_share)}`],
  ['Missed', (r) => r.missed],
];

function ReportTable({ report }) {
  const head = GROUPS.find(([g]) => g === report.group)[1];
  const line = (r, total) => html`<tr key=${r.key} data-testid=${total ? 'reports-total' : 'reports-row'} data-key=${r.key}>
    <th scope="row">${r.label || 'No operator'}</th>
    ${COLUMNS.map(([name, cell]) => html`<td key=${name} data-column=${name}>${cell(r)}</td>`)}
  </tr>`;
  return html`<div class="card table-card">
    <div class="table-wrap" tabindex="0" role="region" aria-label="The figures in a table">
      <table class="table report-table" data-testid="reports-table">
        <caption class="visually-hidden">Figures per ${report.group}, and the total</caption>
        <thead><tr><th scope="col">${head}</th>${COLUMNS.map(([name]) => html`<th scope="col" key=${name}>${name}</th>`)}</tr></thead>
        <tbody>${report.rows.length ? report.rows.map((r) => line(r, false)) : html`<tr><td colspan=${COLUMNS.length + 1}>No conversations in this period.</td></tr>`}</tbody>
        <tfoot>${line(report.total, true)}</tfoot>
      </table>
    </div>
    <p class="report-note">Times run from the visitor's first message. A missed conversation ended with no operator answer.
      The days are those of ${TZ}.</p>
  </div>`;
}

export function ReportsPage({ me }) {
  const channels = useStore((s) => s.channels);
  const [preset, setPreset] = useState('30');
  const [filters, setFilters] = useState(() => {
    const [from, to] = periodDates('30');
    return { from, to, group: 'day', channel: '', operator: '' };
  });
  const [state, setState] = useState({ loading: true });
  const allowed = !!me && (me.role === 'admin' || me.role === 'supervisor');

  useEffect(() => {
    if (!channels) loadChannels().catch(() => {});
  }, []);

  useEffect(() => {
    if (!allowed || !filters.from || !filters.to) return undefined;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    request('GET', reportURL(filters)).then(
      (report) => live && setState({ report }),
      (e) => live && setState({ error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [filters.from, filters.to, filters.group, filters.channel, filters.operator]);

  const operators = useMemo(() => {
    const seen = new Map();
    for (const ch of channels || []) for (const op of ch.operators || []) seen.set(op.id, op.name || op.chat_name);
    return [...seen].sort((a, b) => a[1].localeCompare(b[1]));
  }, [channels]);

  if (!allowed) {
    return html`<main class="page"><div class="card empty-card" data-testid="reports-forbidden">Only supervisors and admins can see the reports.</div></main>`;
  }
  const set = (name) => (e) => setFilters({ ...filters, [name]: e.target.value });
  const choosePeriod = (e) => {
    const p = e.target.value;
    setPreset(p);
    if (p !== 'custom') {
      const [from, to] = periodDates(p);
      setFilters({ ...filters, from, to });
    }
  };
  const setDate = (name) => (e) => {
    setPreset('custom');
    setFilters({ ...filters, [name]: e.target.value });
  };
  const { report, error, loading } = state;
  return html`<main class="page page-wide" data-testid="reports-page">
    <${PageHeader} title="Reports">
      <a class="btn btn-secondary btn-sm" href=${reportURL(filters, 'csv')} download data-testid="reports-csv">Export CSV</a>
    <//>
    <form class="card report-filters" onSubmit=${(e) => e.preventDefault()} aria-label="Report filters" data-testid="reports-filters">
      <div class="field">
        <label for="report-period">Period</label>
        <select id="report-period" value=${preset} onChange=${choosePeriod} data-testid="reports-period">
          ${PERIODS.map(([v, label]) => html`<option key=${v} value=${v}>${label}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="report-from">From</label>
        <input id="report-from" type="date" value=${filters.from} max=${filters.to} onChange=${setDate("from")} data-testid="reports-from" />
      </div>
      <div class="field">
        <label for="report-to">To</label>
        <input id="report-to" type="date" value=${filters.to} min=${filters.from} onChange=${setDate("to")} data-testid="reports-to" />
      </div>
      <div class="field">
        <label for="report-group">One row per</label>
        <select id="report-group" value=${filters.group} onChange=${set('group')} data-testid="reports-group">
          ${GROUPS.map(([v, label]) => html`<option key=${v} value=${v}>${label}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="report-channel">Channel</label>
        <select id="report-channel" value=${filters.channel} onChange=${set('channel')} data-testid="reports-channel">
          <option value="">All channels</option>
          ${(channels || []).map((ch) => html`<option key=${ch.id} value=${String(ch.id)}>${ch.name}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="report-operator">Operator</label>
        <select id="report-operator" value=${filters.operator} onChange=${set('operator')} data-testid="reports-operator">
          <option value="">All operators</option>
          ${operators.map(([id, name]) => html`<option key=${id} value=${String(id)}>${name}</option>`)}
        </select>
      </div>
    </form>
    ${error ? html`<${Alert} testid="reports-error">${error}<//>` : null}
    ${!report
      ? loading ? html`<${Spinner} />` : null
      : html`<div class="report-body" aria-busy=${loading ? 'true' : 'false'} data-testid="reports-body" data-loading=${loading ? 'true' : 'false'}>
          <div class="report-totals" data-testid="reports-totals">
            <div class="report-total"><span>Conversations</span><strong data-testid="reports-total-conversations">${report.total.conversations}</strong></div>
            <div class="report-total"><span>First answer, median</span><strong>${duration(report.total.first_answer_median)}</strong></div>
            <div class="report-total"><span>Queue wait, median</span><strong>${duration(report.total.queue_wait_median)}</strong></div>
            <div class="report-total"><span>Good ratings</span><strong>${report.total.good_share === null ? '—' : `${Math.round(report.total.good_share * 100)}%`}</strong></div>
            <div class="report-total"><span>Missed</span><strong data-testid="reports-total-missed">${report.total.missed}</strong></div>
          </div>
          <div class="report-charts">
            ${CHARTS.map((c) => html`<${Chart} key=${c.id + report.group} chart=${c} report=${report} />`)}
          </div>
          <${ReportTable} report=${report} />
          <${WaitEstimates} from=${filters.from} to=${filters.to} tz=${TZ} channel=${filters.channel} />
        </div>`}
  </main>`;
}
