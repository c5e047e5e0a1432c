// Admin → Channels: a channel's rules per page (the seed's Channel Rules: URL pattern,
// Live Chat Button Show / Open automatically / Hide, Open automatically timer) and its
// business hours (time zone, weekly openings, holidays). Loaded with the channel form
// (admin-channels.js) when a saved channel is edited, not with the console.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { useStore } from '../store.js';
import { Alert, Spinner } from './common.js';

const ACTIONS = [
  ['show', 'Show'],
  ['auto_open', 'Open automatically'],
  ['hide', 'Hide'],
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ZONES = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();
const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
// <input type=time> has no 24:00: a range to 00:00 runs to midnight, as 24:00 does.
const timeValue = (t) => (t === '24:00' ? '00:00' : t);

function Rules({ channel, initial }) {
  const [rules, setRules] = useState(initial);
  const languages = (useStore((s) => s.languages) || []).filter((l) => l.enabled && l.code !== 'en');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState('');
  const update = (i, field, value) => setRules(rules.map((r, j) => (j === i ? { ...r, [field]: value } : r)));
  const move = (i, d) => {
    const next = rules.slice();
    [next[i], next[i + d]] = [next[i + d], next[i]];
    setRules(next);
  };

  async function save(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    setSaved('');
    try {
      const body = rules.map((r) => ({ ...r, delay: Number(r.delay) || 0 }));
      const out = await request('PUT', `/api/channels/${channel.id}/rules`, { rules: body });
      setRules(out.rules);
      setSaved('Channel rules saved.');
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="card form-card" novalidate onSubmit=${save} data-testid="channel-rules" aria-labelledby="channel-rules-title">
    <h2 id="channel-rules-title">Channel Rules</h2>
    <p class="hint">The first rule whose URL pattern matches the visitor's page decides; on other pages the button shows.
      <code>*</code> is any text: <code>/pricing*</code> matches the pages whose path starts with /pricing,
      <code>https://shop.example.com/*</code> every page of that website. The query (after <code>?</code>) counts only when the pattern has one.</p>
    <p class="hint" id="rule-translation-hint">Visitors whose language has its own invitation read it; the others read the invitation message.</p>
    ${rules.length === 0 ? html`<p class="muted" data-testid="channel-rules-empty">No rule: the button shows on every page.</p>` : null}
    <ol class="rule-list">
      ${rules.map(
        (r, i) => html`<li key=${i} class="rule-row" data-testid="channel-rule">
          <div class="field-row">
            <div class="field">
              <label for=${`rule-pattern-${i}`}>URL pattern</label>
              <input id=${`rule-pattern-${i}`} class="code" value=${r.pattern} maxlength="500" placeholder="/pricing*"
                onInput=${(e) => update(i, 'pattern', e.currentTarget.value)} data-testid="channel-rule-pattern" />
            </div>
            <div class="field">
              <label for=${`rule-action-${i}`}>Live Chat Button</label>
              <select id=${`rule-action-${i}`} value=${r.action} onChange=${(e) => update(i, 'action', e.currentTarget.value)}
                data-testid="channel-rule-action">
                ${ACTIONS.map(([v, label]) => html`<option key=${v} value=${v}>${label}</option>`)}
              </select>
            </div>
            ${r.action === 'auto_open'
              ? html`<div class="field">
                  <label for=${`rule-delay-${i}`}>Open automatically timer (seconds)</label>
                  <input id=${`rule-delay-${i}`} type="number" min="0" max="3600" value=${r.delay}
                    onInput=${(e) => update(i, 'delay', e.currentTarget.value)} data-testid="channel-rule-delay" />
                </div>`
              : null}
          </div>
          ${r.action === 'auto_open'
            ? html`<div class="field">
                <label for=${`rule-message-${i}`}>Invitation message</label>
                <textarea id=${`rule-message-${i}`} rows="2" value=${r.message || ''} placeholder="Hello! Any question about our prices?"
                  onInput=${(e) => update(i, 'message', e.currentTarget.value)} data-testid="channel-rule-message"></textarea>
              </div>
              ${languages.map((l) => html`<div class="field" key=${l.code}>
                <label for=${`rule-message-${i}-${l.code}`}>Invitation message in ${l.name}</label>
                <textarea id=${`rule-message-${i}-${l.code}`} rows="2" value=${(r.translations || {})[l.code] || ''}
                  aria-describedby="rule-translation-hint" data-testid="channel-rule-translation" data-language=${l.code}
                  onInput=${(e) => update(i, 'translations', { ...(r.translations || {}), [l.code]: e.currentTarget.value })}></textarea>
              </div>`)}`
            : null}
          <div class="form-actions">
            <button type="button" class="btn btn-secondary btn-sm" disabled=${i === 0} onClick=${() => move(i, -1)}
              aria-label=${`Move rule ${i + 1} up`}>Up</button>
            <button type="button" class="btn btn-secondary btn-sm" disabled=${i === rules.length - 1} onClick=${() => move(i, 1)}
              aria-label=${`Move rule ${i + 1} down`}>Down</button>
            <button type="button" class="btn btn-secondary btn-sm" onClick=${() => setRules(rules.filter((_, j) => j !== i))}
              aria-label=${`Remove rule ${i + 1}`} data-testid="channel-rule-remove">Remove</button>
          </div>
        </li>`,
      )}
    </ol>
    <${Alert} testid="channel-rules-error">${error}<//>
    <${Alert} kind="success" testid="channel-rules-saved">${saved}<//>
    <div class="form-actions">
      <button type="button" class="btn btn-secondary" data-testid="channel-rule-add"
        onClick=${() => setRules([...rules, { pattern: '', action: 'show', delay: 0, message: '' }])}>Add a rule</button>
      <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="channel-rules-save">${busy ? 'Saving…' : 'Save rules'}</button>
    </div>
  </form>`;
}

function Hours({ channel, initial }) {
  const [hours, setHours] = useState({ ...initial, time_zone: initial.enabled ? initial.time_zone : localZone() });
  const [holidays, setHolidays] = useState((initial.holidays || []).join('\n'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState('');
  const week = hours.week || [];
  const setRange = (i, field, value) => setHours({ ...hours, week: week.map((r, j) => (j === i ? { ...r, [field]: value } : r)) });

  async function save(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    setSaved('');
    try {
      const body = { ...hours, week: week.map((r) => ({ ...r, day: Number(r.day) })), holidays: holidays.split(/[\s,]+/).filter(Boolean) };
      const out = await request('PUT', `/api/channels/${channel.id}/hours`, body);
      setHours(out.hours);
      setHolidays(out.hours.holidays.join('\n'));
      setSaved('Business hours saved.');
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="card form-card" novalidate onSubmit=${save} data-testid="channel-hours" aria-labelledby="channel-hours-title">
    <h2 id="channel-hours-title">Business hours</h2>
    <p class="hint">Outside these hours the widget offers visitors to leave a message instead of starting a chat.</p>
    <div class="field">
      <label class="checkbox"><input type="checkbox" checked=${hours.enabled} data-testid="channel-hours-enabled"
        onChange=${(e) => setHours({ ...hours, enabled: e.currentTarget.checked })} /> Open only during business hours</label>
    </div>
    <div class="field">
      <label for="hours-zone">Time zone</label>
      ${ZONES.length
        ? html`<select id="hours-zone" value=${hours.time_zone} onChange=${(e) => setHours({ ...hours, time_zone: e.currentTarget.value })}
            data-testid="channel-hours-zone">
            ${(ZONES.includes(hours.time_zone) ? ZONES : [hours.time_zone, ...ZONES]).map((z) => html`<option key=${z} value=${z}>${z}</option>`)}
          </select>`
        : html`<input id="hours-zone" value=${hours.time_zone} onInput=${(e) => setHours({ ...hours, time_zone: e.currentTarget.value })}
            data-testid="channel-hours-zone" />`}
    </div>
    <fieldset class="form-group">
      <legend>Opening hours</legend>
      <p class="hint">A range that ends at or before it starts runs past midnight; one that ends at 00:00 runs to midnight.</p>
      ${week.map(
        (r, i) => html`<div key=${i} class="field-row" data-testid="channel-hours-range">
          <div class="field">
            <label for=${`hours-day-${i}`}>Day</label>
            <select id=${`hours-day-${i}`} value=${String(r.day)} onChange=${(e) => setRange(i, 'day', Number(e.currentTarget.value))}>
              ${DAYS.map((d, n) => html`<option key=${n} value=${String(n)}>${d}</option>`)}
            </select>
          </div>
          <div class="field">
            <label for=${`hours-from-${i}`}>From</label>
            <input id=${`hours-from-${i}`} type="time" value=${timeValue(r.from)} onInput=${(e) => setRange(i, 'from', e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for=${`hours-to-${i}`}>To</label>
            <input id=${`hours-to-${i}`} type="time" value=${timeValue(r.to)} onInput=${(e) => setRange(i, 'to', e.currentTarget.value)} />
          </div>
          <div class="field">
            <button type="button" class="btn btn-secondary btn-sm" aria-label=${`Remove the range of ${DAYS[r.day]}`}
              onClick=${() => setHours({ ...hours, week: week.filter((_, j) => j !== i) })}>Remove</button>
          </div>
        </div>`,
      )}
      <button type="button" class="btn btn-secondary btn-sm" data-testid="channel-hours-add"
        onClick=${() => setHours({ ...hours, week: [...week, { day: 1, from: '09:00', to: '17:00' }] })}>Add opening hours</button>
    </fieldset>
    <div class="field">
      <label for="hours-holidays">Holidays</label>
      <textarea id="hours-holidays" rows="3" class="code" value=${holidays} onInput=${(e) => setHolidays(e.currentTarget.value)}
        placeholder="2026-12-25" aria-describedby="hours-holidays-hint" data-testid="channel-hours-holidays"></textarea>
      <p class="hint" id="hours-holidays-hint">One date per line (YYYY-MM-DD): closed all day.</p>
    </div>
    <${Alert} testid="channel-hours-error">${error}<//>
    <${Alert} kind="success" testid="channel-hours-saved">${saved}<//>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="channel-hours-save">${busy ? 'Saving…' : 'Save business hours'}</button>
    </div>
  </form>`;
}

export function ChannelRules({ channel }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    setData(null);
    request('GET', `/api/channels/${channel.id}/rules`).then(
      (d) => live && setData(d),
      (err) => live && setError(err.message),
    );
    return () => { live = false; };
  }, [channel.id]);
  if (error) return html`<${Alert}>${error}<//>`;
  if (!data) return html`<${Spinner} />`;
  return html`<div key=${channel.id}>
    <${Rules} channel=${channel} initial=${data.rules} />
    <${Hours} channel=${channel} initial=${data.hours} />
  </div>`;
}
