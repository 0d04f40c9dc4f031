// The app:// protocol handler (and the web host's file server): only files of
// the built renderer, with their MIME types and the security headers; no path
// traversal, encoded or not, no dotfiles, no symlink out of the root.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { contentSecurityPolicy } from '../../main/app/csp.js';
import { appProtocolResponse, mimeType, readStatic, staticTarget } from '../../main/app/static-files.js';

const base = mkdtempSync(join(tmpdir(), 'arbor-static-'));
const root = join(base, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>Arbor</title>');
writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}');
writeFileSync(join(root, 'assets', 'logo.svg'), '<svg/>');
writeFileSync(join(root, 'assets', 'notes.bin'), 'x');
writeFileSync(join(root, '.env'), 'SECRET=1');
writeFileSync(join(base, 'secret.txt'), 'outside the root');
symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'escape.txt'));
after(() => rmSync(base, { recursive: true, force: true }));
const CSP = contentSecurityPolicy();

test('MIME types of the built files', () => {
  assert.equal(mimeType('a/index.html'), 'text/html; charset=utf-8');
  assert.equal(mimeType('x.js'), 'text/javascript; charset=utf-8');
  assert.equal(mimeType('x.CSS'), 'text/css; charset=utf-8');
  assert.equal(mimeType('x.svg'), 'image/svg+xml');
  assert.equal(mimeType('x.woff2'), 'font/woff2');
  assert.equal(mimeType('x.exe'), undefined);
  assert.equal(mimeType('Makefile'), undefined);
});

test('request paths: traversal, encoded traversal, backslashes, NULs and dotfiles are refused', () => {
  assert.deepEqual(staticTarget('/'), { ok: true, segments: ['index.html'], contentType: 'text/html; charset=utf-8' });
  assert.equal(staticTarget('/assets/index-abc.js').ok, true);
  assert.equal(staticTarget('/assets/a%20b.js').ok, true);
  for (const [p, status] of [
    ['/../secret.txt', 400],
    ['/assets/../../secret.txt', 400],
    ['/%2e%2e/secret.txt', 400],
    ['/%2E%2E%2Fsecret.txt', 400],
    ['/assets/%2e%2e%2f%2e%2e%2fsecret.txt', 400],
    ['/..%5csecret.txt', 400],
    ['/assets\\..\\..\\secret.txt', 400],
    ['/index.html%00.js', 400],
    ['/%ff', 400],
    ['//etc/passwd', 400],
    ['/assets/', 400],
    ['relative.js', 400],
    ['/.env', 404],
    ['/assets/.hidden.js', 404],
    ['/assets/notes.bin', 404],
  ] as const) {
    assert.deepEqual(staticTarget(p), { ok: false, status }, p);
  }
});

test('files are read from the root only, with type and security headers', async () => {
  const ok = await readStatic(root, 'GET', '/', CSP);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['Content-Type'], 'text/html; charset=utf-8');
  assert.equal(ok.headers['Content-Security-Policy'], CSP);
  assert.equal(ok.headers['X-Content-Type-Options'], 'nosniff');
  assert.equal(ok.body?.toString(), '<!doctype html><title>Arbor</title>');
  const js = await readStatic(root, 'GET', '/assets/index-abc.js', CSP);
  assert.equal(js.headers['Content-Type'], 'text/javascript; charset=utf-8');
  const head = await readStatic(root, 'HEAD', '/assets/index-abc.css', CSP);
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  assert.equal((await readStatic(root, 'GET', '/assets/missing.js', CSP)).status, 404);
  assert.equal((await readStatic(root, 'GET', '/assets/escape.txt', CSP)).status, 404, 'a symlink out of the root');
  assert.equal((await readStatic(root, 'GET', '/assets', CSP)).status, 404, 'a directory');
  assert.equal((await readStatic(root, 'POST', '/index.html', CSP)).status, 405);
  assert.equal((await readStatic(join(base, 'nope'), 'GET', '/index.html', CSP)).status, 404);
});

test('the app:// protocol answers only app://arbor, as a web Response', async () => {
  const r = await appProtocolResponse(root, { url: 'app://arbor/index.html', method: 'GET' }, CSP);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(r.headers.get('content-security-policy'), CSP);
  assert.equal(await r.text(), '<!doctype html><title>Arbor</title>');
  assert.equal((await appProtocolResponse(root, { url: 'app://arbor/assets/logo.svg', method: 'GET' }, CSP)).headers.get('content-type'), 'image/svg+xml');
  assert.equal((await appProtocolResponse(root, { url: 'app://arbor/assets/%2e%2e%2f%2e%2e%2fsecret.txt', method: 'GET' }, CSP)).status, 400);
  // URL parsing folds these to /secret.txt, which is not in the root.
  assert.equal((await appProtocolResponse(root, { url: 'app://arbor/%2e%2e/secret.txt', method: 'GET' }, CSP)).status, 404);
  assert.equal((await appProtocolResponse(root, { url: 'app://arbor/../secret.txt', method: 'GET' }, CSP)).status, 404);
  assert.equal((await appProtocolResponse(root, { url: 'app://other/index.html', method: 'GET' }, CSP)).status, 404);
  assert.equal((await appProtocolResponse(root, { url: 'https://arbor/index.html', method: 'GET' }, CSP)).status, 404);
  assert.equal((await appProtocolResponse(root, { url: 'not a url', method: 'GET' }, CSP)).status, 400);
});
