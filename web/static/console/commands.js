// Console commands. A line typed in a composer (chat window or Discuss) that starts with
// "/" runs a command instead of being sent to the visitor; "//" sends the line with one
// slash less. Each command answers the operator alone, with notes in the thread that are
// neither stored nor sent. Loaded with import() when the first command is typed.
//
// A command is added with registerCommand below; what it needs beyond this module is
// imported when it runs (as /history loads the visitor panel's module).
import { getState, setState } from './store.js';
import { endConversation } from './actions.js';
import { findTarget, leaveConversation, transferConversation } from './transfer.js';

const registry = new Map(); // name (lower case) -> {name, usage, help, run}

// registerCommand adds /name: usage is how it is typed ("/transfer NAME"), help says in a
// line what it does, and run({id, conv, args, note}) does it for conversation id (conv as
// the console holds it, args the text after the name); note(text) answers the operator.
// run may be async; an error it throws is shown as a note.
export function registerCommand(name, { usage, help, run }) {
  registry.set(name.toLowerCase(), { name, usage: usage || `/${name}`, help: help || '', run });
}

// commands lists the registered commands by name.
export function commands() {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}

let notes = 0;

// addNote shows text in conversation id's thread, after its last message, to this
// operator only. kind is 'command' (the line typed), 'info' or 'error'.
export function addNote(id, text, kind = 'info') {
  const m = getState().messages[id];
  const after = m && m.list.length ? m.list[m.list.length - 1].seq : 0;
  const note = { n: ++notes, after, text, kind };
  setState((s) => ({ notes: { ...s.notes, [id]: [...((s.notes || {})[id] || []), note] } }));
}

// runCommand runs the command line typed in conversation id's composer.
export async function runCommand(id, line) {
  const text = line.trim();
  const name = text.slice(1).split(/\s/, 1)[0];
  const args = text.slice(1 + name.length).trim();
  const note = (t, kind) => addNote(id, t, kind);
  note(text, 'command');
  const cmd = registry.get(name.toLowerCase());
  if (!cmd) {
    note(`Unknown command /${name}. Type /help for the list.`, 'error');
    return;
  }
  try {
    await cmd.run({ id, conv: getState().conversations[id], args, note });
  } catch (e) {
    note(e.message || String(e), 'error');
  }
}

// needsActive refuses a command on a conversation that is not active.
function needsActive(conv) {
  if (!conv || conv.status !== 'active') throw new Error('This conversation is not active.');
}

registerCommand('help', {
  help: 'Lists the commands.',
  run: ({ note }) =>
    note(
      [
        'Commands (only you see them and their answers):',
        ...commands().map((c) => `${c.usage} — ${c.help}`),
        'To send a message that starts with /, type // instead.',
      ].join('\n'),
    ),
});

registerCommand('transfer', {
  usage: '/transfer NAME or /transfer CHANNEL',
  help: 'Hands the conversation to an operator of its channel (by chat name or name), or to a channel.',
  run: async ({ id, conv, args, note }) => {
    needsActive(conv);
    if (!args) throw new Error('Usage: /transfer NAME or /transfer CHANNEL.');
    const { target, label } = await findTarget(conv, args);
    const c = await transferConversation(id, target);
    if (c.status === 'queued') note(`Transferred: the conversation waits for an operator of ${label.replace(/ \(.*$/, '')}.`);
    else note(`Transferred to ${c.operator ? c.operator.chat_name : label}.`);
  },
});

registerCommand('leave', {
  help: 'Leaves the conversation: another operator of its channel gets it, or it waits in the queue.',
  run: async ({ id, conv }) => {
    needsActive(conv);
    await leaveConversation(id);
  },
});

registerCommand('end', {
  help: 'Ends the conversation, as the End button does.',
  run: async ({ id, conv, note }) => {
    needsActive(conv);
    await endConversation(id);
    note('You ended the conversation.');
  },
});

registerCommand('history', {
  help: 'Lists the last pages the visitor viewed, newest first.',
  run: async ({ id, note }) => {
    const { historyText } = await import('./components/visitor.js');
    note((await historyText(id)).join('\n'));
  },
});
