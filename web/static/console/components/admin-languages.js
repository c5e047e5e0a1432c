// Admin → Languages: switch languages on and off. Only enabled ones can be chosen by
// operators, and visitors are matched to the closest enabled one.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { useStore } from '../store.js';
import { loadLanguages, setLanguageEnabled } from '../actions.js';
import { Alert, Spinner } from './common.js';

function LanguageRow({ lang, onError }) {
  const [busy, setBusy] = useState(false);
  async function toggle(e) {
    const enabled = e.currentTarget.checked;
    setBusy(true);
    onError('');
    try {
      await setLanguageEnabled(lang.code, enabled);
    } catch (err) {
      onError(err.message);
    } finally {
      setBusy(false);
    }
  }
  const id = `lang-${lang.code}`;
  return html`<tr data-testid="language-row" data-code=${lang.code} data-enabled=${lang.enabled ? 'true' : 'false'}>
    <td><label for=${id}>${lang.name}</label></td>
    <td><code>${lang.code}</code></td>
    <td class="cell-right">
      <span class="switch">
        <input id=${id} type="checkbox" role="switch" checked=${lang.enabled} disabled=${busy} onChange=${toggle}
          data-testid="language-toggle" />
        <span class="switch-track" aria-hidden="true"><span class="switch-thumb"></span></span>
        <span class="switch-label" aria-hidden="true">${lang.enabled ? 'Enabled' : 'Disabled'}</span>
      </span>
    </td>
  </tr>`;
}

export function AdminLanguages() {
  const languages = useStore((s) => s.languages);
  const [filter, setFilter] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    loadLanguages();
  }, []);

  const q = filter.trim().toLowerCase();
  const shown = (languages || []).filter((l) => !q || l.name.toLowerCase().includes(q) || l.code.toLowerCase().includes(q));
  const enabledCount = (languages || []).filter((l) => l.enabled).length;
  return html`<section class="card table-card" aria-labelledby="languages-title">
    <div class="card-title-row">
      <h2 id="languages-title">Languages <span class="muted small">${enabledCount} enabled</span></h2>
      <div class="field field-inline">
        <label for="language-filter" class="visually-hidden">Search languages</label>
        <input id="language-filter" type="search" placeholder="Search languages" value=${filter}
          onInput=${(e) => setFilter(e.currentTarget.value)} data-testid="language-filter" />
      </div>
    </div>
    <p class="muted small">Operators can choose only enabled languages; each visitor is matched to the closest enabled one.</p>
    <${Alert} testid="languages-error">${error}<//>
    ${languages === null
      ? html`<${Spinner} />`
      : html`<div class="table-wrap"><table class="table" data-testid="languages-table">
          <thead><tr><th scope="col">Language</th><th scope="col">Code</th><th scope="col" class="cell-right">Enabled</th></tr></thead>
          <tbody>${shown.map((l) => html`<${LanguageRow} key=${l.code} lang=${l} onError=${setError} />`)}</tbody>
        </table></div>`}
  </section>`;
}
