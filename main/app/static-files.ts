// Serving the built renderer: one function maps a request path to a file under
// the renderer's directory, or to a refusal. Shared by the app:// protocol
// (Electron) and the web host (Node http), so both serve exactly the same
// files with the same headers. No path traversal (encoded or not), no
// dotfiles, no directories, no symlinks out of the root, known types only.

import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { APP_HOST, APP_SCHEME } from './urls.js';
import { securityHeaders } from './csp.js';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeType(path: string): string | undefined {
  return MIME[extname(path).toLowerCase()];
}

export type StaticTarget = { readonly ok: true; readonly segments: readonly string[]; readonly contentType: string } | { readonly ok: false; readonly status: 400 | 404 };

/** Checks a URL path (still percent-encoded, as in a request line) and names the file it may serve. */
export function staticTarget(pathname: string): StaticTarget {
  if (!pathname.startsWith('/')) return { ok: false, status: 400 };
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (decoded === '/') decoded = '/index.html';
  // Backslashes, NULs and control characters never name a built file.
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return { ok: false, status: 400 };
  }
  const segments = decoded.slice(1).split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') return { ok: false, status: 400 };
    if (s.startsWith('.')) return { ok: false, status: 404 };
  }
  const contentType = mimeType(segments[segments.length - 1]!);
  if (contentType === undefined) return { ok: false, status: 404 };
  return { ok: true, segments, contentType };
}

export interface StaticFile {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer | null;
}

/** Reads the file a path names under `root`, or says why not (status 400/404/405). */
export async function readStatic(root: string, method: string, pathname: string, csp: string): Promise<StaticFile> {
  const base = { ...securityHeaders(csp) };
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { ...base, Allow: 'GET, HEAD' }, body: null };
  const t = staticTarget(pathname);
  if (!t.ok) return { status: t.status, headers: base, body: null };
  try {
    const realRoot = await realpath(root);
    const real = await realpath(join(realRoot, ...t.segments));
    if (!real.startsWith(realRoot + sep)) return { status: 404, headers: base, body: null };
    if (!(await stat(real)).isFile()) return { status: 404, headers: base, body: null };
    const body = await readFile(real);
    return { status: 200, headers: { ...base, 'Content-Type': t.contentType, 'Content-Length': String(body.length) }, body: method === 'HEAD' ? null : body };
  } catch {
    return { status: 404, headers: base, body: null };
  }
}

/** The app:// protocol handler's answer to one request (a web Response, as protocol.handle wants). */
export async function appProtocolResponse(root: string, request: { readonly url: string; readonly method: string }, csp: string): Promise<Response> {
  let u: URL;
  try {
    u = new URL(request.url);
  } catch {
    return new Response(null, { status: 400, headers: securityHeaders(csp) });
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return new Response(null, { status: 404, headers: securityHeaders(csp) });
  const f = await readStatic(root, request.method, u.pathname, csp);
  return new Response(f.body === null ? null : new Uint8Array(f.body), { status: f.status, headers: f.headers });
}
