// The application menu: the usual items and shortcuts through Electron's
// roles (quit, undo/redo, cut/copy/paste, select all, zoom, full screen,
// minimize, close). Arbor's own shortcuts (Ctrl/Cmd+N, Ctrl/Cmd+K, Alt+Up/Down,
// Esc) are handled by the page, so they are not menu accelerators here.

import type { MenuItemConstructorOptions } from 'electron';

export function menuTemplate(platform: NodeJS.Platform, opts: { readonly devTools: boolean; readonly appName: string }): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (opts.devTools) view.push({ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' });
  const menu: MenuItemConstructorOptions[] = [];
  if (mac) {
    menu.push({
      label: opts.appName,
      submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'services' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
    });
  }
  menu.push(
    { label: '&File', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    {
      label: '&Edit',
      submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'pasteAndMatchStyle' }, { role: 'delete' }, { role: 'selectAll' }],
    },
    { label: '&View', submenu: view },
    { role: 'windowMenu' },
  );
  return menu;
}
