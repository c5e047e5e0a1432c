// Sending files from the console, loaded the first time an operator sends one: the
// admin's limits are checked here first (a file past them is not sent at all), then the
// file goes up with its progress shown, and the message that carries it joins the thread.
import { request } from './api.js';
import { applyMessage } from './actions.js';

let limits = null;

const mb = (n) => (n % 1048576 ? `${Math.round(n / 1024)} KiB` : `${n / 1048576} MiB`);

// sendFiles sends the files one at a time, telling status what it is doing and fail
// what went wrong (with the server's reason).
export async function sendFiles(id, files, status, fail) {
  for (const f of files) {
    fail('');
    status(`Sending ${f.name}… 0%`);
    try {
      await uploadFile(id, f, (pct) => status(`Sending ${f.name}… ${pct}%`));
    } catch (e) {
      fail(`${f.name}: ${e.message}`);
    }
  }
  status('');
}

// uploadFile sends a file to conversation id; onProgress gets whole percentages.
export async function uploadFile(id, file, onProgress) {
  limits = limits || (await request('GET', '/api/settings/files'));
  if (file.size > limits.max_size) throw new Error(`The file is larger than the limit of ${mb(limits.max_size)}.`);
  const form = new FormData();
  form.append('client_id', Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));
  // A pasted screenshot has a name such as "image.png"; keep it.
  form.append('file', file, file.name || 'pasted-image.png');
  const m = await new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/conversations/${id}/files`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.floor((100 * e.loaded) / e.total));
    xhr.onload = () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        // handled below
      }
      if (xhr.status >= 200 && xhr.status < 300 && data) resolve(data);
      else reject(new Error((data && data.error && data.error.message) || `The server answered ${xhr.status}.`));
    };
    xhr.onerror = () => reject(new Error('Parley cannot be reached. Check your connection and try again.'));
    xhr.send(form);
  });
  applyMessage(id, m);
  return m;
}
