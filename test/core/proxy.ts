// A TCP proxy between a core and the delivery service, to make a device's
// connection drop for real (cut) and come back (restore), and optionally to
// rewrite what the server says (a hostile or broken server in the middle).

import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Proxy {
  readonly url: string;
  /** Drops every connection and refuses new ones until restore(). */
  cut(): void;
  /** Keeps connections open but swallows everything the server says (requests still arrive). */
  muteServer(): void;
  /** Swallows the server's text frames for which `drop` says true (until restore()). */
  dropServerFrames(drop: (text: string) => boolean): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startProxy(targetUrl: string): Promise<Proxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let down = false;
  let muted = false;
  let dropFrame: ((text: string) => boolean) | undefined;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    // Server → client: the HTTP upgrade answer, then unmasked WebSocket frames (RFC 6455 §5.2).
    let buf = Buffer.alloc(0);
    let upgraded = false;
    upstream.on('data', (b: Buffer) => {
      if (muted) return;
      buf = Buffer.concat([buf, b]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        client.write(buf.subarray(0, end + 4));
        buf = buf.subarray(end + 4);
        upgraded = true;
      }
      for (;;) {
        if (buf.length < 2) return;
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const frame = buf.subarray(0, off + len);
        const text = (buf[0]! & 0x0f) === 1 ? buf.subarray(off, off + len).toString('utf8') : '';
        buf = buf.subarray(off + len);
        if (dropFrame !== undefined && text !== '' && dropFrame(text)) continue;
        client.write(frame);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    muteServer() {
      muted = true;
    },
    dropServerFrames(drop) {
      dropFrame = drop;
    },
    restore() {
      down = false;
      muted = false;
      dropFrame = undefined;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
