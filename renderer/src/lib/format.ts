// Dates and times as a messenger shows them, in the reader's locale.

const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const shortWeekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const date = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const longDate = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const fullDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

const DAY = 24 * 60 * 60 * 1000;

function midnight(t: number): number {
  const d = new Date(t);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

export function formatTime(t: number): string {
  return time.format(t);
}

export function formatFull(t: number): string {
  return fullDateTime.format(t);
}

/** For the conversation list: time today, weekday this week, else a short date. */
export function formatListTime(t: number, now = Date.now()): string {
  if (t <= 0) return '';
  const days = Math.round((midnight(now) - midnight(t)) / DAY);
  if (days <= 0) return time.format(t);
  if (days === 1) return 'Yesterday';
  if (days < 7) return shortWeekday.format(t);
  return date.format(t);
}

/** For day dividers in a conversation. */
export function formatDay(day: number, now = Date.now()): string {
  const days = Math.round((midnight(now) - day) / DAY);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekday.format(day);
  return longDate.format(day);
}

/** "in 12 s", "in 3 min" for a retry time. */
export function formatIn(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.ceil((at - now) / 1000));
  if (s < 60) return `${s} s`;
  return `${Math.ceil(s / 60)} min`;
}

/** The safety code as rows of groups for reading aloud: "12345 67890 ..." → [["12345", "67890", ...], ...]. */
export function codeRows(code: string, perRow = 4): string[][] {
  const groups = code.split(/\s+/).filter((g) => g !== '');
  const rows: string[][] = [];
  for (let i = 0; i < groups.length; i += perRow) rows.push(groups.slice(i, i + perRow));
  return rows;
}

/** One letter (or two) for an avatar. */
export function initials(name: string): string {
  const parts = name.trim().split(/[\s._@-]+/).filter((p) => p !== '');
  if (parts.length === 0) return '#';
  const first = [...parts[0]!][0] ?? '#';
  const second = parts.length > 1 ? ([...parts[1]!][0] ?? '') : '';
  return (first + second).toUpperCase();
}

/** A stable hue for a name (avatars, sender names). */
export function hueOf(name: string): number {
  let h = 0;
  for (const c of name) h = (h * 31 + c.codePointAt(0)!) % 360;
  return h;
}
