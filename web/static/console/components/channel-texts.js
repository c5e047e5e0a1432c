// Admin → Channels: the channel's button text and welcome message per enabled language.
// A visitor matched to one of these languages sees its texts; an empty field leaves the
// channel's own. Loaded with the channel form (admin-channels.js), not with the console.
import { html, useState } from '../../vendor/preact-htm.js';
import { useStore } from '../store.js';

const given = (t) => !!(t && (t.button_text || t.welcome_message));

// ChannelTexts edits form.texts, which the form sends when set: the texts of the enabled
// languages, starting from the channel's (those of a language disabled since stay as
// they are, not the form's to send). Where a language gives none, the channel's own
// texts in the form show.
export function ChannelTexts({ channel, form, setForm }) {
  const languages = useStore((s) => s.languages);
  const enabled = (languages || []).filter((l) => l.enabled);
  const [picked, setPicked] = useState('');
  const code = enabled.some((l) => l.code === picked) ? picked : (enabled.find((l) => l.code !== 'en') || enabled[0] || {}).code;
  if (!code) return null;
  const value = form.texts || (channel && channel.texts) || {};
  const name = enabled.find((l) => l.code === code).name;
  const t = value[code] || { button_text: '', welcome_message: '' };
  const set = (field) => (e) => {
    const texts = {};
    for (const l of enabled) if (value[l.code]) texts[l.code] = value[l.code];
    texts[code] = { ...t, [field]: e.currentTarget.value };
    setForm({ ...form, texts });
  };

  return html`<fieldset class="form-group" data-testid="channel-texts">
    <legend>Texts per language</legend>
    <p class="hint" id="channel-texts-hint">Visitors whose language is ${name} see these texts; where one is empty, they see the channel's own text above.
      ${enabled.length < 2 ? ' Enable more languages under Languages to give texts in them.' : ''}</p>
    <div class="field">
      <label for="channel-texts-language">Language</label>
      <select id="channel-texts-language" value=${code} onChange=${(e) => setPicked(e.currentTarget.value)} data-testid="channel-texts-language">
        ${enabled.map((l) => html`<option key=${l.code} value=${l.code}>${l.name}${given(value[l.code]) ? ' (translated)' : ''}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="channel-texts-button">Button text in ${name}</label>
      <input id="channel-texts-button" value=${t.button_text} onInput=${set('button_text')} maxlength="100"
        placeholder=${form.button_text} aria-describedby="channel-texts-hint" data-testid="channel-texts-button-text" />
    </div>
    <div class="field">
      <label for="channel-texts-welcome">Welcome message in ${name}</label>
      <textarea id="channel-texts-welcome" rows="3" value=${t.welcome_message} onInput=${set('welcome_message')} maxlength="1000"
        placeholder=${form.welcome_message} aria-describedby="channel-texts-hint" data-testid="channel-texts-welcome"></textarea>
    </div>
  </fieldset>`;
}
