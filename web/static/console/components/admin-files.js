// Admin › Files: the largest file a visitor or an operator may send, and the types
// allowed (detected from the content). Loaded when the tab is first opened.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { notify } from '../store.js';

export function AdminFiles() {
  const [form, setForm] = useState(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const show = (fs) => setForm({ size: String(fs.max_size / 1048576), types: fs.allowed_types.join('\n') });
  useEffect(() => {
    request('GET', '/api/settings/files').then(show, (e) => setError(e.message));
  }, []);

  // The fields are read as they stand when the form is sent.
  async function save(e) {
    e.preventDefault();
    const { size, types } = e.currentTarget.elements;
    setBusy(true);
    setError('');
    try {
      const body = { max_size: Math.round(Number(size.value) * 1048576), allowed_types: types.value.split(/[\s,]+/).filter(Boolean) };
      show(await request('PATCH', '/api/settings/files', body));
      notify('The limits on files are saved.');
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  if (!form) return error ? html`<div class="card" role="alert">${error}</div>` : null;
  return html`<form class="card form-card" novalidate onSubmit=${save} data-testid="admin-files" aria-labelledby="files-title">
    <h2 id="files-title">Files</h2>
    <p class="hint">Visitors and operators can send files up to this size, of the types listed (as detected from each file's content). Web pages, SVG images and scripts are never accepted.</p>
    <div class="field">
      <label for="files-max-size">Largest file (MiB)</label>
      <input id="files-max-size" name="size" type="number" min="0.001" max="100" step="any" required value=${form.size}
        data-testid="files-max-size" />
    </div>
    <div class="field">
      <label for="files-types">Allowed types, one per line</label>
      <textarea id="files-types" name="types" rows="10" class="code" value=${form.types} data-testid="files-types"></textarea>
    </div>
    ${error ? html`<div class="alert alert-error" role="alert" data-testid="files-error">${error}</div>` : null}
    <div class="form-actions"><button type="submit" class="btn btn-primary" disabled=${busy} data-testid="files-save">Save</button></div>
  </form>`;
}
