// The end-to-end harness: one real delivery service, one web host (a real core
// with its own data directory) per user, Debian's Chromium driven by
// playwright-core, an optional TCP proxy between a user's core and the DS (to
// cut that user's connection for real), axe-core runs, and screenshots in
// light and dark under test-output/screenshots/.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildApp } from '../../main/app/build.js';
import { startWebHost, type WebHost, type WebHostOptions } from '../../main/host/web-host.js';
import { startServer, type ServerProc } from '../server/client.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHROMIUM = process.env.ARBOR_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Core options for tests: quick reconnects and receipts, quiet logs. */
export const TEST_CORE: Partial<WebHostOptions> = {
  quiet: true,
  reconnectBaseMs: 100,
  reconnectCapMs: 1000,
  receiptDelayMs: 30,
  retryBaseMs: 100,
  retryCapMs: 1000,
};

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

const temps: string[] = [];
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}
export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Builds the renderer and the web bridge into a fresh directory (so parallel test files never share one). */
export async function buildUi(): Promise<string> {
  const out = tempDir('arbor-ui-');
  await buildApp(out, ['renderer', 'bridge']);
  return out;
}

export async function startDs(): Promise<ServerProc> {
  return startServer(join(tempDir('arbor-ds-'), 'ds.db'), ['--quiet']);
}

/** A TCP relay in front of the DS that a test can cut and restore (a real dropped connection, no test-only commands). */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  async start(port = 0): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  /** Drops every open connection and refuses new ones. */
  async cut(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    this.sockets.clear();
    if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    await this.start(this.port);
  }

  async close(): Promise<void> {
    await this.cut();
  }
}

export interface User {
  readonly name: string;
  readonly host: WebHost;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly proxy: TcpProxy | null;
  /** The DS address this user's core should be given at onboarding. */
  readonly serverUrl: string;
  readonly consoleErrors: string[];
}

export interface UserOptions {
  readonly ds: ServerProc;
  readonly ui: string;
  readonly viaProxy?: boolean;
  readonly core?: Partial<WebHostOptions>;
  readonly viewport?: { width: number; height: number };
}

export async function startUser(name: string, o: UserOptions): Promise<User> {
  const proxy = o.viaProxy === true ? new TcpProxy(o.ds.port) : null;
  const port = proxy === null ? o.ds.port : await proxy.start();
  const host = await startWebHost({
    ...TEST_CORE,
    ...o.core,
    dataDir: join(tempDir(`arbor-${name}-`), 'data'),
    rendererDir: join(o.ui, 'renderer'),
    bridgeFile: join(o.ui, 'host', 'web-bridge.js'),
  });
  const context = await chromium.launchPersistentContext(tempDir(`arbor-chromium-${name}-`), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: o.viewport ?? { width: 1100, height: 720 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  // Any CSP violation is a bug: record it where the test can see it.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(host.url);
  return { name, host, context, page, proxy, serverUrl: `ws://127.0.0.1:${port}`, consoleErrors };
}

export async function stopUser(u: User): Promise<void> {
  await u.context.close().catch(() => {});
  await u.host.close();
  await u.proxy?.close();
}

// ---------------------------------------------------------------- axe-core

const AXE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeFinding {
  readonly screen: string;
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: number;
  readonly targets: string[];
}

/** Runs axe-core in the page (through the DevTools protocol, so the page's CSP is untouched) and returns every violation. */
export async function axe(page: Page, screen: string): Promise<AxeFinding[]> {
  const loaded = await page.evaluate(() => typeof (window as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const a = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await a.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return violations.map((v) => ({ screen, ...v }));
}

export function serious(findings: readonly AxeFinding[]): AxeFinding[] {
  return findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
}

// ---------------------------------------------------------------- screenshots

/** Saves `name-light.png` and `name-dark.png` (the app follows the system theme) and runs axe in both. */
export async function screen(page: Page, name: string, findings: AxeFinding[]): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, scheme);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${scheme}.png`) });
    findings.push(...(await axe(page, `${name} (${scheme})`)));
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

export function writeReport(name: string, data: unknown): void {
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  writeFileSync(join(ROOT, 'test-output', name), `${JSON.stringify(data, null, 2)}\n`);
}

/** Saves every user's window when a step fails, to see what the test saw. */
export async function failureShots(step: string, users: readonly (User | undefined)[]): Promise<void> {
  const dir = join(ROOT, 'test-output', 'failures');
  mkdirSync(dir, { recursive: true });
  const slug = step.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);
  for (const u of users) if (u !== undefined) await u.page.screenshot({ path: join(dir, `${slug}-${u.name}.png`) }).catch(() => {});
}

// ---------------------------------------------------------------- a large conversation

/** Sends `count` texts into a conversation through a core's contract, a few hundred calls in flight at a time. */
export async function sendMany(api: WebHost['api'], conversationId: string, count: number, text: (i: number) => string): Promise<void> {
  const BATCH = 250;
  for (let i = 0; i < count; i += BATCH) {
    const calls: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(count, i + BATCH); j++) calls.push(api.invoke('messages.send', { conversationId, text: text(j) }));
    await Promise.all(calls);
  }
}

/** DOM figures of the open conversation: message rows in the DOM, all elements, rows known to the list. */
export async function domFigures(page: Page): Promise<{ rows: number; messages: number; elements: number; totalRows: number; scrollHeight: number }> {
  return page.evaluate(() => {
    const canvas = document.querySelector('[role="list"][aria-label="Messages"]');
    return {
      rows: document.querySelectorAll('[role="list"][aria-label="Messages"] > [role="listitem"]').length,
      messages: document.querySelectorAll('.msg').length,
      elements: document.getElementsByTagName('*').length,
      totalRows: Number(canvas?.getAttribute('data-total-rows') ?? 0),
      scrollHeight: document.querySelector('.scroller')?.scrollHeight ?? 0,
    };
  });
}

/** Scrolls the message list to its top again and again until the oldest message is on screen; calls `check` after each step. */
export async function scrollToOldest(page: Page, oldestText: string, check: (step: number) => Promise<void>, maxSteps = 1000): Promise<number> {
  const rowsNow = (): Promise<number> => page.evaluate(() => Number(document.querySelector('[role="list"][aria-label="Messages"]')?.getAttribute('data-total-rows') ?? 0));
  let steps = 0;
  for (;;) {
    if (steps >= maxSteps) throw new Error(`the oldest message did not appear after ${steps} scroll steps`);
    const before = await rowsNow();
    await page.evaluate(() => {
      const s = document.querySelector('.scroller');
      if (s !== null) s.scrollTop = 0;
    });
    steps++;
    // Either an older page arrives (more rows known to the list) or the oldest message is rendered at the top.
    try {
      await page.waitForFunction(
        ({ n, text }) =>
          Number(document.querySelector('[role="list"][aria-label="Messages"]')?.getAttribute('data-total-rows') ?? 0) > n ||
          [...document.querySelectorAll('.msg .text')].some((e) => e.textContent === text || (e.textContent ?? '').startsWith(`${text} `)),
        { n: before, text: oldestText },
        { timeout: 120_000 },
      );
    } catch (e) {
      const state = await page.evaluate(() => {
        const s = document.querySelector('.scroller');
        return { scrollTop: s?.scrollTop, scrollHeight: s?.scrollHeight, busy: s?.getAttribute('aria-busy'), error: document.querySelector('.conversation .error')?.textContent ?? null };
      });
      throw new Error(`no older page after scroll step ${steps} (${before} rows): ${JSON.stringify(state)}`, { cause: e });
    }
    await check(steps);
    if ((await rowsNow()) === before) return steps;
  }
}
