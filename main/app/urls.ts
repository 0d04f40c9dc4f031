// URL checks: which links may leave the app (to the system browser), and
// which addresses are the app itself. Always a real WHATWG parse, never a
// string prefix test (`https://evil` vs `https:evil`, `javascript:`, userinfo).

export const APP_SCHEME = 'app';
export const APP_HOST = 'arbor';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

const EXTERNAL_PROTOCOLS = new Set(['https:', 'http:']);

function parse(raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 4096) return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/**
 * The normalized address to hand to the system browser, or null when the link
 * must not be opened: anything but http(s), credentials in the URL, no host.
 */
export function safeExternalUrl(raw: unknown): string | null {
  const u = parse(raw);
  if (u === null || !EXTERNAL_PROTOCOLS.has(u.protocol)) return null;
  if (u.username !== '' || u.password !== '' || u.hostname === '') return null;
  return u.href;
}

/** Whether an address belongs to the app's own origin (app://arbor/...). */
export function isAppUrl(raw: unknown): boolean {
  const u = parse(raw);
  // URL.origin is "null" for non-special schemes under WHATWG, so compare the parts.
  return u !== null && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
}
