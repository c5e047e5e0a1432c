// A confirmation step before an action that cannot be undone (ending a conversation), as
// a modal dialog: the browser's <dialog>, which keeps the focus inside, cancels on Escape
// and gives the focus back where it was. Cancel has the focus first, the safe choice.
// Loaded when first needed, not with the console.

// The dialog's frame; its content looks like the confirmations of Admin → Users (.confirm).
const STYLE = `dialog.confirm-dialog { border: 0; padding: 0; border-radius: 10px; max-width: min(420px, calc(100vw - 32px));
  box-shadow: 0 16px 48px rgba(15, 15, 30, .25); }
dialog.confirm-dialog .confirm { border: 0; padding: 16px 18px; }
dialog.confirm-dialog::backdrop { background: rgba(15, 15, 30, .35); }`;

let styled = false;

function el(tag, props, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

// confirmEnd asks before the operator ends the conversation with the visitor named.
export function confirmEnd(name) {
  return confirmStep({
    title: `End the conversation with ${name}?`,
    text: 'The visitor sees that it has ended, and neither of you can write in it again.',
    label: 'End',
    testid: 'end-dialog',
  });
}

// confirmStep asks; it resolves true when the operator confirms, false when they cancel.
function confirmStep({ title, text, label, testid }) {
  if (!styled) {
    document.head.append(el('style', { textContent: STYLE }));
    styled = true;
  }
  return new Promise((resolve) => {
    const ok = el('button', { type: 'button', className: 'btn btn-danger' }, label);
    const cancel = el('button', { type: 'button', className: 'btn btn-secondary' }, 'Cancel');
    ok.dataset.testid = 'confirm-ok';
    cancel.dataset.testid = 'confirm-cancel';
    const box = el(
      'div',
      { className: 'confirm' },
      el('p', { className: 'confirm-title', id: 'confirm-step-title' }, title),
      el('p', { className: 'confirm-text', id: 'confirm-step-text' }, text),
      el('div', { className: 'form-actions' }, ok, cancel),
    );
    const dialog = el('dialog', { className: 'confirm-dialog' }, box);
    dialog.setAttribute('role', 'alertdialog');
    dialog.setAttribute('aria-labelledby', 'confirm-step-title');
    dialog.setAttribute('aria-describedby', 'confirm-step-text');
    dialog.dataset.testid = testid;
    ok.onclick = () => dialog.close('ok');
    cancel.onclick = () => dialog.close('cancel');
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
