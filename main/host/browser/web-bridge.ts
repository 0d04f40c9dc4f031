// Served by the web host before the renderer's own script: defines
// window.arbor = { invoke, on } over a WebSocket to the host, with the same
// contract client the rest of the project uses. The token comes from the
// address's fragment (never sent in HTTP requests), is kept for this tab's
// reloads in sessionStorage and removed from the address bar.

import { ContractError, createContractClient, type ArborApi, type CallMessage } from '../../contract/index.js';

const KEY = 'arbor.token';

function takeToken(): string {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m !== null) {
    sessionStorage.setItem(KEY, m[1]!);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY) ?? '';
}

const queue: string[] = [];
const ws = new WebSocket(`ws://${location.host}/contract?token=${encodeURIComponent(takeToken())}`);
const client = createContractClient({
  send(m: CallMessage) {
    const frame = JSON.stringify(m);
    if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    else if (ws.readyState === WebSocket.CONNECTING) queue.push(frame);
    else throw new ContractError('unavailable', 'The connection to the Arbor host is closed. Restart `npm run web` and open its address again.');
  },
});
ws.addEventListener('open', () => {
  for (const f of queue.splice(0)) ws.send(f);
});
ws.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (typeof e.data !== 'string') return;
  try {
    client.receive(JSON.parse(e.data));
  } catch {
    // Not JSON: ignore it; the host never sends such a frame.
  }
});
ws.addEventListener('close', () => client.close('The connection to the Arbor host closed. Restart `npm run web` and open its address again.'));

const api: ArborApi = Object.freeze({ invoke: client.invoke, on: client.on });
Object.defineProperty(window, 'arbor', { value: api, writable: false, configurable: false, enumerable: true });
