// Canned responses, managed: an operator's own in My Profile → Preferences, the shared
// ones in Admin → Canned Responses. Loaded with import() when one of those pages opens.
// Each lists its responses (most used first) and has one form, to add a response or to
// edit the one chosen in the list; deleting asks first.
import { html, useState, useRef } from '../../vendor/preact-htm.js';
import { useCanned, createCanned, updateCanned, deleteCanned } from '../canned.js';
import { Alert, Spinner } from './common.js';
import { Confirm } from './admin-users.js';

const empty = { shortcut: '', body: '' };

function CannedForm({ scope, editing, onDone, onCancel, fieldRef }) {
  const [form, setForm] = useState(editing ? { shortcut: editing.shortcut, body: editing.body } : empty);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const set = (field) => (e) => setForm({ ...form, [field]: e.currentTarget.value });
  const id = (field) => `canned-${scope}-${field}`;

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const fields = { shortcut: form.shortcut.trim(), body: form.body };
      const c = editing ? await updateCanned(editing.id, fields) : await createCanned({ ...fields, shared: scope === 'shared' });
      setForm(empty);
      onDone(editing ? `Canned response :${c.shortcut} saved.` : `Canned response :${c.shortcut} added.`);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="canned-form" novalidate onSubmit=${submit} aria-labelledby=${id('form-title')} data-testid="canned-form">
    <h3 id=${id('form-title')}>${editing ? `Edit :${editing.shortcut}` : 'Add a canned response'}</h3>
    <div class="field">
      <label for=${id('shortcut')}>Shortcut</label>
      <span class="canned-shortcut-field">
        <span aria-hidden="true">:</span>
        <input id=${id('shortcut')} ref=${fieldRef} value=${form.shortcut} onInput=${set('shortcut')} maxlength="33" required
          autocomplete="off" autocapitalize="none" spellcheck="false" placeholder="hello" aria-describedby=${id('shortcut-hint')}
          data-testid="canned-form-shortcut" />
      </span>
      <p class="hint" id=${id('shortcut-hint')}>Up to 32 letters, digits, - or _. Type it after a colon in a conversation, e.g. :hello.</p>
    </div>
    <div class="field">
      <label for=${id('body')}>Text</label>
      <textarea id=${id('body')} rows="3" value=${form.body} onInput=${set('body')} maxlength="4000" required
        placeholder="Hello, how can I help you?" data-testid="canned-form-body"></textarea>
    </div>
    <${Alert} testid="canned-form-error">${error}<//>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="canned-form-save">
        ${busy ? 'Saving…' : editing ? 'Save' : 'Add'}
      </button>
      ${editing ? html`<button type="button" class="btn btn-secondary" onClick=${onCancel} data-testid="canned-form-cancel">Cancel</button>` : null}
    </div>
  </form>`;
}

function CannedRow({ c, selected, onEdit, onDelete }) {
  return html`<tr class=${selected ? 'selected' : undefined} data-testid="canned-row" data-shortcut=${c.shortcut}>
    <td><code class="canned-code">:${c.shortcut}</code></td>
    <td class="canned-text" title=${c.body}>${c.body}</td>
    <td class="cell-right" data-testid="canned-uses">${c.uses}</td>
    <td class="cell-right canned-actions">
      <button type="button" class="btn btn-secondary btn-sm" onClick=${() => onEdit(c)} aria-label=${`Edit :${c.shortcut}`}
        data-testid="canned-edit">Edit</button>
      <button type="button" class="btn btn-danger-outline btn-sm" onClick=${(e) => onDelete(c, e.currentTarget)}
        aria-label=${`Delete :${c.shortcut}`} data-testid="canned-delete">Delete</button>
    </td>
  </tr>`;
}

// CannedResponses manages the shared responses (shared, for admins) or the user's own.
export function CannedResponses({ shared }) {
  const scope = shared ? 'shared' : 'personal';
  const { list, error } = useCanned();
  const [editing, setEditing] = useState(null);
  const [asking, setAsking] = useState(null); // the response whose deletion is being confirmed
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState('');
  const field = useRef(null);
  const heading = useRef(null);
  const back = useRef(null); // the Delete button to return to when the deletion is cancelled

  const mine = list ? list.filter((c) => c.shared === !!shared) : null;
  const others = list ? list.length - mine.length : 0;
  const focusField = () => setTimeout(() => field.current && field.current.focus(), 0);

  function edit(c) {
    setEditing(c);
    setStatus('');
    setFailure('');
    focusField();
  }

  function done(message) {
    setEditing(null);
    setStatus(message);
    focusField();
  }

  async function confirmDelete() {
    const c = asking;
    setBusy(true);
    setFailure('');
    try {
      await deleteCanned(c.id);
      if (editing && editing.id === c.id) setEditing(null);
      setStatus(`Canned response :${c.shortcut} deleted.`);
      setTimeout(() => heading.current && heading.current.focus(), 0);
    } catch (err) {
      setFailure(err.message);
    } finally {
      setAsking(null);
      setBusy(false);
    }
  }

  function cancelDelete() {
    setAsking(null);
    setTimeout(() => back.current && back.current.isConnected && back.current.focus(), 0);
  }

  const title = `canned-${scope}-title`;
  return html`<section class=${shared ? 'card table-card canned-section' : 'canned-section'} aria-labelledby=${title}
    data-testid="canned-section" data-scope=${scope}>
    <h2 id=${title} ref=${heading} tabindex="-1">${shared ? 'Shared canned responses' : 'Canned Responses'}</h2>
    <p class="hint">${shared
      ? 'Every operator can use these. Type : and the shortcut in a conversation to insert the text.'
      : `Your own shortcuts for texts you send often. Type : and the shortcut in a conversation to insert the text.${others ? ` You can also use ${others} shared one${others === 1 ? '' : 's'}, which admins manage.` : ''}`}</p>
    <${Alert} testid="canned-error">${failure || (list ? '' : error)}<//>
    ${status ? html`<p class="saved-status canned-status" role="status" data-testid="canned-saved">${status}</p>` : null}
    ${asking
      ? html`<${Confirm} id=${`canned-${scope}-confirm`} title=${`Delete :${asking.shortcut}?`} label="Delete" busy=${busy}
          onConfirm=${confirmDelete} onCancel=${cancelDelete}>
          ${shared ? 'No operator will be able to use it any more.' : 'You will not be able to use it any more.'} This cannot be undone.
        <//>`
      : null}
    ${mine === null
      ? error
        ? null
        : html`<${Spinner} />`
      : mine.length === 0
        ? html`<p class="muted" data-testid="canned-empty">${shared ? 'No shared canned response yet.' : 'You have no canned response of your own yet.'}</p>`
        : html`<div class="table-wrap"><table class="table canned-table" data-testid="canned-table">
            <caption class="visually-hidden">${shared ? 'Shared canned responses' : 'Your canned responses'}, most used first</caption>
            <thead><tr><th scope="col">Shortcut</th><th scope="col">Text</th><th scope="col" class="cell-right">Uses</th>
              <th scope="col" class="cell-right"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>${mine.map(
              (c) => html`<${CannedRow} key=${c.id} c=${c} selected=${editing && editing.id === c.id}
                onEdit=${edit} onDelete=${(r, button) => {
                  back.current = button;
                  setStatus('');
                  setAsking(r);
                }} />`,
            )}</tbody>
          </table></div>`}
    <${CannedForm} key=${editing ? editing.id : 'new'} scope=${scope} editing=${editing} onDone=${done}
      onCancel=${() => done('')} fieldRef=${field} />
  </section>`;
}
