// The core's worker thread: opens the store, runs the messenger and serves the
// contract over the parent port. It is the only place where the contract meets
// the messenger.

import { appendFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { asCall, createDispatcher } from '../contract/index.js';
import { Messenger } from './messenger.js';
import type { WorkerData } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('core/worker.ts must run in a worker thread');
const data = workerData as WorkerData;

// ARBOR_CORE_LOG=FILE appends every core's log lines to FILE (also when quiet), for debugging.
const logFile = process.env.ARBOR_CORE_LOG;

function log(line: string): void {
  const text = `${new Date().toISOString()} [core ${data.dataDir}] ${line}\n`;
  if (logFile !== undefined && logFile !== '') appendFileSync(logFile, text);
  if (data.options.quiet !== true) process.stderr.write(text);
}

let messenger: Messenger;
try {
  messenger = Messenger.open({ dataDir: data.dataDir, databaseKey: data.databaseKey, options: data.options, log });
} catch (e) {
  port.postMessage({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}

const dispatch = createDispatcher(messenger.handlers(), (command, e) => log(`${command} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
messenger.onEvent((event, payload) => port.postMessage({ type: 'event', event, payload }));

port.on('message', (m: unknown) => {
  if ((m as { type?: unknown } | null)?.type === 'shutdown') {
    void messenger.close().finally(() => process.exit(0));
    return;
  }
  const call = asCall(m);
  if (call === undefined) return;
  void dispatch(call.command, call.args).then((r) => port.postMessage({ type: 'reply', id: call.id, ...r }));
});

messenger.start();
port.postMessage({ type: 'ready' });
