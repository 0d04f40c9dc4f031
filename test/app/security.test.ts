// The Electron security functions, under Node: window options, CSP, URL
// checks, navigation and window-open policy, permissions, the sender-frame check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, securityHeaders } from '../../main/app/csp.js';
import { decideNavigation, decideWindowOpen } from '../../main/app/navigation.js';
import { denyPermissionCheck, denyPermissionRequest } from '../../main/app/permissions.js';
import { isTrustedFrame, type FrameLike } from '../../main/app/sender.js';
import { APP_INDEX_URL, isAppUrl, safeExternalUrl } from '../../main/app/urls.js';
import { mainWindowOptions, secureWebPreferences, webPreferencesProblems } from '../../main/app/window-options.js';

test('the main window is isolated, sandboxed, without Node and without experimental features', () => {
  const o = mainWindowOptions({ preloadPath: '/app/out/preload/preload.cjs', dark: false, devTools: false });
  const p = o.webPreferences!;
  assert.equal(p.contextIsolation, true);
  assert.equal(p.sandbox, true);
  assert.equal(p.nodeIntegration, false);
  assert.equal(p.nodeIntegrationInWorker, false);
  assert.equal(p.nodeIntegrationInSubFrames, false);
  assert.equal(p.webSecurity, true);
  assert.equal(p.allowRunningInsecureContent, false);
  assert.equal(p.experimentalFeatures, false);
  assert.equal(p.enableBlinkFeatures, undefined);
  assert.equal(p.webviewTag, false);
  assert.equal(p.devTools, false);
  assert.equal(p.preload, '/app/out/preload/preload.cjs');
  assert.equal(o.show, false, 'shown on ready-to-show, so no white flash');
  assert.deepEqual(webPreferencesProblems(p), []);
  assert.equal(mainWindowOptions({ preloadPath: 'x', dark: true, devTools: true }).webPreferences!.devTools, true);
});

test('every unsafe web preference is named', () => {
  const safe = secureWebPreferences('/p.cjs', false);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ contextIsolation: false }, /contextIsolation/],
    [{ sandbox: false }, /sandbox/],
    [{ nodeIntegration: true }, /nodeIntegration must be false/],
    [{ nodeIntegrationInWorker: true }, /InWorker/],
    [{ nodeIntegrationInSubFrames: true }, /InSubFrames/],
    [{ webSecurity: false }, /webSecurity/],
    [{ allowRunningInsecureContent: true }, /allowRunningInsecureContent/],
    [{ experimentalFeatures: true }, /experimentalFeatures/],
    [{ enableBlinkFeatures: 'CSSPaintAPI' }, /enableBlinkFeatures/],
    [{ webviewTag: true }, /webviewTag/],
  ];
  for (const [change, re] of cases) {
    const problems = webPreferencesProblems({ ...safe, ...change });
    assert.equal(problems.length, 1, JSON.stringify(change));
    assert.match(problems[0]!, re);
  }
  // Electron's defaults are not trusted: sandbox and isolation must be said explicitly.
  assert.ok(webPreferencesProblems({}).length >= 3);
});

test('the CSP allows only the app itself: no inline script, no eval, no frames, no objects', () => {
  const csp = contentSecurityPolicy();
  const d = new Map(csp.split('; ').map((x) => [x.split(' ')[0]!, x.split(' ').slice(1)]));
  assert.deepEqual(d.get('default-src'), ["'none'"]);
  assert.deepEqual(d.get('script-src'), ["'self'"]);
  assert.deepEqual(d.get('style-src'), ["'self'"]);
  assert.deepEqual(d.get('connect-src'), ["'self'"]);
  assert.deepEqual(d.get('object-src'), ["'none'"]);
  assert.deepEqual(d.get('frame-src'), ["'none'"]);
  assert.deepEqual(d.get('base-uri'), ["'none'"]);
  assert.deepEqual(d.get('form-action'), ["'none'"]);
  assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|data:|blob:/);
  assert.match(contentSecurityPolicy({ connect: ['ws://127.0.0.1:5173'] }), /connect-src 'self' ws:\/\/127\.0\.0\.1:5173;/);
  for (const bad of ["'unsafe-inline'", '*', 'ws://x; script-src *', 'data:']) assert.throws(() => contentSecurityPolicy({ connect: [bad] }), /not a CSP source/);
  const h = securityHeaders(csp);
  assert.equal(h['Content-Security-Policy'], csp);
  assert.equal(h['X-Content-Type-Options'], 'nosniff');
});

test('external links: a real parse and http(s) only', () => {
  assert.equal(safeExternalUrl('https://example.org/a?b#c'), 'https://example.org/a?b#c');
  assert.equal(safeExternalUrl('http://example.org'), 'http://example.org/');
  assert.equal(safeExternalUrl('HTTPS://EXAMPLE.org/'), 'https://example.org/');
  for (const bad of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:x',
    'smb://host/share',
    'ms-msdt:/id',
    'app://arbor/index.html',
    'https://user:pass@example.org/',
    'https://user@example.org/',
    '//example.org',
    'example.org',
    '',
    'https://',
    'x'.repeat(5000),
    42,
    null,
    undefined,
    { href: 'https://example.org' },
  ]) {
    assert.equal(safeExternalUrl(bad), null, String(bad).slice(0, 60));
  }
});

test('the app origin is recognized exactly', () => {
  assert.equal(isAppUrl(APP_INDEX_URL), true);
  assert.equal(isAppUrl('app://arbor/assets/x.js'), true);
  for (const bad of ['app://arbor.evil/index.html', 'app://evil/index.html', 'app://user@arbor/', 'https://arbor/', 'file:///index.html', 'app:arbor', '', null]) {
    assert.equal(isAppUrl(bad), false, String(bad));
  }
});

test('navigation and new windows are always denied; only safe links leave, to the system browser', () => {
  assert.deepEqual(decideNavigation('https://example.org/'), { allow: false, openExternally: 'https://example.org/' });
  assert.deepEqual(decideNavigation('app://arbor/other.html'), { allow: false, openExternally: null });
  assert.deepEqual(decideNavigation('file:///etc/passwd'), { allow: false, openExternally: null });
  assert.deepEqual(decideWindowOpen('https://example.org/x'), { action: 'deny', openExternally: 'https://example.org/x' });
  assert.deepEqual(decideWindowOpen('javascript:alert(1)'), { action: 'deny', openExternally: null });
  assert.deepEqual(decideWindowOpen('about:blank'), { action: 'deny', openExternally: null });
});

test('permission requests and checks are denied', () => {
  for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'unknown']) {
    let granted: boolean | undefined;
    denyPermissionRequest(null, permission, (g) => (granted = g));
    assert.equal(granted, false, permission);
  }
  assert.equal(denyPermissionCheck(), false);
});

test('only the main frame of the app origin may call the contract', () => {
  const main: FrameLike = { url: 'app://arbor/index.html', parent: null };
  assert.equal(isTrustedFrame(main), true);
  assert.equal(isTrustedFrame({ url: 'app://arbor/index.html#/c/ab', parent: null }), true);
  assert.equal(isTrustedFrame({ url: 'app://arbor/index.html', parent: main }), false, 'a subframe');
  assert.equal(isTrustedFrame({ url: 'https://evil.example/', parent: null }), false);
  assert.equal(isTrustedFrame({ url: 'file:///tmp/x.html', parent: null }), false);
  assert.equal(isTrustedFrame({ url: 'app://evil/index.html', parent: null }), false);
  assert.equal(isTrustedFrame({ url: '', parent: null }), false);
  assert.equal(isTrustedFrame(null), false, 'a destroyed or navigated frame');
  assert.equal(isTrustedFrame(undefined), false);
});
