// Web permission requests (camera, notifications, geolocation, clipboard
// reads, ...) are all refused: Arbor's renderer needs none of them. Desktop
// notifications come from the main process, not from the page.

export function denyPermissionRequest(_webContents: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

export function denyPermissionCheck(): boolean {
  return false;
}
