// TLS: with --cert and --key the server speaks wss:// (https.createServer + ws).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, it } from 'node:test';
import { Client, newDeviceKey, startServer, tempDir, type ServerProc } from './client.js';

const tmp = tempDir();
let server: ServerProc | undefined;
let client: Client | undefined;

after(async () => {
  client?.ws.terminate();
  await server?.kill('SIGKILL');
  tmp.cleanup();
});

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

void it('serves wss:// with a certificate and key', { skip: !haveOpenssl() && 'openssl not installed' }, async () => {
  const cert = `${tmp.dir}/cert.pem`;
  const key = `${tmp.dir}/key.pem`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  server = await startServer(`${tmp.dir}/ds.db`, ['--quiet', '--cert', cert, '--key', key]);
  assert.match(server.url, /^wss:\/\/127\.0\.0\.1:\d+$/);
  client = await Client.connect(server.url, { ca: readFileSync(cert) });
  assert.equal((await client.register('tls-user', 'd1', newDeviceKey())).ok, true);
  assert.equal((await client.ok('ping')).ok, true);
  // Plain ws:// to a TLS port does not get through.
  await assert.rejects(Client.connect(server.url.replace('wss:', 'ws:')));
});
