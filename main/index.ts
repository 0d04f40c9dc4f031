// Electron entry (bundled to out/main/index.js by main/app/build.ts). Starts the
// core's worker, binds the contract to IPC, and opens one hardened window that
// loads the renderer from app://arbor. Everything security-relevant is a small
// pure module under main/app/, tested under Node; this file only wires them.

import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, Notification, protocol, safeStorage, session, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Attention } from './app/attention.js';
import { contentSecurityPolicy } from './app/csp.js';
import { bindContract, forwardEvents } from './app/ipc.js';
import { menuTemplate } from './app/menu.js';
import { decideNavigation, decideWindowOpen } from './app/navigation.js';
import { denyPermissionCheck, denyPermissionRequest } from './app/permissions.js';
import { SafeStorageKeyVault } from './app/safe-storage-vault.js';
import { isTrustedFrame } from './app/sender.js';
import { appProtocolResponse } from './app/static-files.js';
import { APP_INDEX_URL, APP_SCHEME } from './app/urls.js';
import { mainWindowOptions, webPreferencesProblems } from './app/window-options.js';
import { startCore, type CoreHandle } from './core/start.js';

const APP_NAME = 'Arbor';
const here = fileURLToPath(new URL('.', import.meta.url));
const RENDERER_DIR = join(here, '../renderer');
const PRELOAD = join(here, '../preload/preload.cjs');
const CSP = contentSecurityPolicy();
const DEV_TOOLS = !app.isPackaged;

function log(line: string): void {
  process.stderr.write(`[arbor] ${line}\n`);
}

app.setName(APP_NAME);
// Every renderer is sandboxed, whatever its own options say.
app.enableSandbox();
// app:// must be registered before 'ready'; standard + secure gives it a real origin and a secure context.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let win: BrowserWindow | null = null;
let core: CoreHandle | null = null;
let attention: Attention | null = null;
let quitting = false;

function showWindow(): void {
  if (win === null) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/** Guards for every web contents the app ever creates (the window, and anything that slips past). */
function guard(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    const d = decideNavigation(url);
    if (d.openExternally !== null) void shell.openExternal(d.openExternally);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const d = decideWindowOpen(url);
    if (d.openExternally !== null) void shell.openExternal(d.openExternally);
    return { action: d.action };
  });
}

function createWindow(): void {
  const options = mainWindowOptions({ preloadPath: PRELOAD, dark: nativeTheme.shouldUseDarkColors, devTools: DEV_TOOLS });
  const problems = webPreferencesProblems(options.webPreferences ?? {});
  if (problems.length > 0) throw new Error(`unsafe window options: ${problems.join('; ')}`);
  win = new BrowserWindow(options);
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = null));
  void win.loadURL(APP_INDEX_URL);
}

async function start(): Promise<void> {
  await app.whenReady();
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler(denyPermissionRequest);
  ses.setPermissionCheckHandler(denyPermissionCheck);
  protocol.handle(APP_SCHEME, (request) => appProtocolResponse(RENDERER_DIR, request, CSP));
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, { devTools: DEV_TOOLS, appName: APP_NAME })));

  const dataDir = process.env.ARBOR_DATA_DIR ?? join(app.getPath('userData'), 'data');
  try {
    core = await startCore({ dataDir, keyVault: new SafeStorageKeyVault(dataDir, safeStorage, { onWarning: log }), workerUrl: new URL('./worker.js', import.meta.url) });
  } catch (e) {
    dialog.showErrorBox('Arbor could not start', e instanceof Error ? e.message : String(e));
    app.exit(1);
    return;
  }
  const api = core.api;
  void core.exited.then((code) => {
    if (!quitting) {
      dialog.showErrorBox('Arbor stopped', `The messenger core stopped unexpectedly (exit code ${code}). Your messages are safe on disk; start Arbor again.`);
      app.exit(1);
    }
  });

  bindContract(ipcMain, api, {
    // Only our window's main frame, loaded from app://arbor, may call the core.
    isAllowed: (event) => win !== null && !win.isDestroyed() && event.sender?.id === win.webContents.id && isTrustedFrame(event.senderFrame),
    onRefused: (command, code) => log(`refused ${command}: ${code}`),
  });
  forwardEvents(api, (channel, name, payload) => {
    if (win !== null && !win.isDestroyed()) win.webContents.send(channel, name, payload);
  });

  createWindow();

  attention = new Attention(api, {
    isWindowFocused: () => win !== null && !win.isDestroyed() && win.isFocused(),
    notify: (n) => {
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title: n.title, body: n.body });
      notification.on('click', showWindow);
      notification.show();
    },
    // macOS dock and Linux (Unity-compatible launchers); Windows has no numeric badge.
    setBadge: (count) => void app.setBadgeCount(count),
    log,
  });
  await attention.start();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', showWindow);
  app.on('web-contents-created', (_event, contents) => guard(contents));
  app.on('activate', () => {
    if (win === null && core !== null) createWindow();
    else showWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', (event) => {
    if (quitting || core === null) return;
    // Let the core finish its transaction and close the database before the process ends.
    event.preventDefault();
    quitting = true;
    attention?.stop();
    void core.close().finally(() => app.quit());
  });
  start().catch((e: unknown) => {
    log(`start failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    app.exit(1);
  });
}
