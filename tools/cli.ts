// `npm run cli -- --data DIR COMMAND [JSON]`: one call of the API contract on
// the core of a data directory, printed as JSON; `watch` prints the core's
// events until Ctrl-C (the core stays connected meanwhile). For poking at a
// core by hand:
//   npm run cli -- --data /tmp/a account.create '{"userId":"alice","deviceName":"cli","serverUrl":"ws://127.0.0.1:7443"}'
//   npm run cli -- --data /tmp/a conversations.list
//   npm run cli -- --data /tmp/a watch

import { parseArgs } from 'node:util';
import { COMMAND_NAMES, EVENT_NAMES, isCommandName, type ArborApi } from '../main/contract/index.js';
import { startCore } from '../main/core/start.js';

const USAGE = `usage: npm run cli -- --data DIR COMMAND [JSON-ARGUMENT]
       npm run cli -- --data DIR watch
commands: ${COMMAND_NAMES.join(', ')}`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { data: { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true });
  const [command, json] = positionals;
  if (values.help === true || values.data === undefined || command === undefined) {
    console.log(USAGE);
    return values.help === true ? 0 : 2;
  }
  if (command !== 'watch' && !isCommandName(command)) {
    console.error(`unknown command ${command}\n${USAGE}`);
    return 2;
  }
  let args: unknown;
  try {
    args = json === undefined ? undefined : JSON.parse(json);
  } catch (e) {
    console.error(`the argument is not JSON: ${(e as Error).message}`);
    return 2;
  }
  const core = await startCore({ dataDir: values.data, quiet: true });
  const api: ArborApi = core.api;
  try {
    if (command === 'watch') {
      for (const e of EVENT_NAMES) api.on(e, (p) => console.log(JSON.stringify({ event: e, payload: p })));
      console.log(JSON.stringify(await api.invoke('connection.status')));
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      return 0;
    }
    const result = await (api.invoke as (c: string, a: unknown) => Promise<unknown>)(command, args);
    console.log(JSON.stringify(result, null, 2));
    return 0;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    console.error(`${err.code ?? 'error'}: ${err.message ?? String(e)}`);
    return 1;
  } finally {
    await core.close();
  }
}

process.exit(await main());
