// lazy stands for a component whose module is loaded when it is first shown, so that the
// console's first load (the login page) carries only what signing in and chatting need.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { Alert, Spinner } from './components/common.js';

export function lazy(load, name) {
  let loaded = null;
  let pending = null;
  return function Lazy(props) {
    const [, setState] = useState(null);
    useEffect(() => {
      if (loaded) return;
      pending ||= load().then((m) => { loaded = m[name]; });
      let live = true;
      pending.then(
        () => live && setState({}),
        (err) => { pending = null; if (live) setState({ err }); },
      );
      return () => { live = false; };
    }, []);
    if (loaded) return html`<${loaded} ...${props} />`;
    return pending ? html`<${Spinner} />` : html`<${Alert}>This page could not be loaded. Check your connection and reload.<//>`;
  };
}
