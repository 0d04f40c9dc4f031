// A delivery service in the middle: a WebSocket server that relays every frame
// to the real one, and lets a test rewrite the messages the server hands out
// (pushes and group.fetch pages) — garbage, replays, reordering, dropping a
// commit, another group's messages — then step aside ("a correct DS is back").

import { WebSocket, WebSocketServer } from 'ws';

export interface StoredMsg {
  groupId: string;
  seq: number;
  epoch: string;
  kind: string;
  sender: { userId: string; deviceId: string };
  message: string;
  ts: number;
}

/** Returns the messages to hand out instead (empty: hide it). */
export type Rewrite = (m: StoredMsg) => StoredMsg[];

export interface Mitm {
  readonly url: string;
  rewrite: Rewrite | undefined;
  close(): Promise<void>;
}

export async function startMitm(targetUrl: string): Promise<Mitm> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const state: Mitm = {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    rewrite: undefined,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
  const apply = (msgs: StoredMsg[]): StoredMsg[] => (state.rewrite === undefined ? msgs : msgs.flatMap((m) => state.rewrite!(m)));
  wss.on('connection', (client) => {
    const upstream = new WebSocket(targetUrl);
    const early: string[] = [];
    upstream.on('open', () => {
      for (const f of early.splice(0)) upstream.send(f);
    });
    client.on('message', (data) => {
      const f = data.toString();
      if (upstream.readyState === WebSocket.OPEN) upstream.send(f);
      else early.push(f);
    });
    upstream.on('message', (data) => {
      let text = data.toString();
      try {
        const o = JSON.parse(text) as Record<string, unknown>;
        if (o.push === 'message') {
          const out = apply([o as unknown as StoredMsg]);
          for (const m of out) client.send(JSON.stringify({ ...(m as unknown as Record<string, unknown>), v: 1, push: 'message' }));
          return;
        }
        if (o.ok === true && Array.isArray(o.messages)) {
          text = JSON.stringify({ ...o, messages: apply(o.messages as StoredMsg[]) });
        }
      } catch {
        // not JSON: relay as it is
      }
      client.send(text);
    });
    const close = (): void => {
      client.terminate();
      upstream.terminate();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  return state;
}
