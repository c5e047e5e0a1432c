// Honest waiting in the console: an admin's wait limits of a channel (Admin → Channels,
// PUT /api/channels/{id}/wait-limits), and on the Reports page how good the estimated
// waits given to queued visitors were (GET /api/reports/wait-estimates). Loaded with
// those pages, not with the console.
import { html, useEffect, useState } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { Alert } from './common.js';

// WaitLimits edits a channel's limit on waiting in its queue, past which the widget also
// offers the leave-a-message form.
export function WaitLimits({ channelId }) {
  const [form, setForm] = useState(null);
  const [note, setNote] = useState({});
  useEffect(() => {
    let live = true;
    setForm(null);
    setNote({});
    request('GET', `/api/channels/${channelId}/wait-limits`).then(
      (l) => live && setForm(l),
      (e) => live && setNote({ error: e.message }),
    );
    return () => { live = false; };
  }, [channelId]);
  const set = (field) => (e) => setForm({ ...form, [field]: e.currentTarget.value });
  async function submit(e) {
    e.preventDefault();
    setNote({});
    try {
      const body = { max_wait_minutes: Number(form.max_wait_minutes) || 0, max_place: Number(form.max_place) || 0 };
      setForm(await request('PUT', `/api/channels/${channelId}/wait-limits`, body));
      setNote({ saved: 'Wait limits saved.' });
    } catch (err) {
      setNote({ error: err.message });
    }
  }
  return html`<form class="card form-card" novalidate onSubmit=${submit} data-testid="wait-limits-form" aria-labelledby="wait-limits-title">
    <h2 id="wait-limits-title">Waiting in the queue</h2>
    <p class="hint" id="wait-limits-hint">Queued visitors see their place in line and an estimated wait. Past either limit, the widget also offers
      to leave a message; visitors who stay keep their place. 0 means no limit.</p>
    ${form
      ? html`<div class="field-row">
          <div class="field">
            <label for="wait-limit-minutes">Longest wait (minutes)</label>
            <input id="wait-limit-minutes" type="number" min="0" max="1440" step="1" value=${form.max_wait_minutes}
              onInput=${set('max_wait_minutes')} aria-describedby="wait-limits-hint" data-testid="wait-limit-minutes" />
          </div>
          <div class="field">
            <label for="wait-limit-place">Furthest place in line</label>
            <input id="wait-limit-place" type="number" min="0" max="1000" step="1" value=${form.max_place}
              onInput=${set('max_place')} aria-describedby="wait-limits-hint" data-testid="wait-limit-place" />
          </div>
        </div>
        <div class="form-actions"><button type="submit" class="btn btn-primary" data-testid="wait-limits-save">Save limits</button></div>`
      : null}
    <${Alert} testid="wait-limits-error">${note.error}<//>
    <${Alert} kind="success" testid="wait-limits-saved">${note.saved}<//>
  </form>`;
}

const minutes = (s) => (s === null || s === undefined ? '—' : s < 60 ? `${Math.round(s)} s` : `${Math.round(s / 6) / 10} min`);

// WaitEstimates shows, for the report's period and channel, the estimates given to
// queued visitors against the waits that followed.
export function WaitEstimates({ from, to, tz, channel }) {
  const [state, setState] = useState({});
  useEffect(() => {
    let live = true;
    const p = new URLSearchParams({ from, to, tz });
    if (channel) p.set('channel_id', channel);
    request('GET', `/api/reports/wait-estimates?${p}`).then(
      (a) => live && setState({ a }),
      (e) => live && setState({ error: e.message }),
    );
    return () => { live = false; };
  }, [from, to, tz, channel]);
  const { a, error } = state;
  return html`<section class="card" aria-labelledby="wait-estimates-title" data-testid="wait-estimates">
    <h2 id="wait-estimates-title">Estimated waits</h2>
    <${Alert}>${error}<//>
    ${a
      ? a.count === 0
        ? html`<p class="muted">No queued visitor given an estimate was assigned in this period.</p>`
        : html`<div class="report-totals">
            <div class="report-total"><span>Estimates</span><strong data-testid="wait-estimates-count">${a.count}</strong></div>
            <div class="report-total"><span>Estimate, median</span><strong>${minutes(a.median_estimate)}</strong></div>
            <div class="report-total"><span>Actual wait, median</span><strong>${minutes(a.median_actual)}</strong></div>
            <div class="report-total"><span>Error, median</span><strong data-testid="wait-estimates-error">${minutes(a.median_absolute_error)}</strong></div>
            <div class="report-total"><span>Within ±50%</span><strong data-testid="wait-estimates-within">${Math.round(a.within_half * 100)}%</strong></div>
          </div>`
      : null}
    <p class="report-note">Each queued visitor is told an estimate from the channel's recent pace: the latest ten assignments out of its queue within the
      last hour, one place per their average interval up to now. Here, the estimate given when they joined the line against their wait until assigned,
      for those assigned in the period.</p>
  </section>`;
}
