// The renderer's Content-Security-Policy: only the app's own scripts, styles and
// images; no inline script, no eval, no frames, no plugins, no forms, no base
// tag. Sent as a response header by the app:// protocol and by the web host.

export interface CspOptions {
  /** Extra connect-src sources (the web host's WebSocket address); Electron needs none. */
  readonly connect?: readonly string[];
}

const SOURCE = /^(?:'self'|'none'|[a-z][a-z0-9+.-]*:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?)$/;

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const connect = opts.connect ?? [];
  for (const s of connect) if (!SOURCE.test(s)) throw new Error(`not a CSP source: ${JSON.stringify(s)}`);
  const directives: [string, string[]][] = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'"]],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'", ...connect]],
    ['media-src', ["'none'"]],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['child-src', ["'none'"]],
    ['worker-src', ["'none'"]],
    ['manifest-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
  return directives.map(([k, v]) => `${k} ${v.join(' ')}`).join('; ');
}

/** Headers every renderer response carries, beside its Content-Type. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=()',
    'Cache-Control': 'no-store',
  };
}
