// The storage conformance suite on SQLite: two connections to one file per test.
import { after } from 'node:test';
import { SqliteStorage } from '../../../server/storage/sqlite.js';
import { tempDir } from '../client.js';
import { storageConformance } from './conformance.js';

const tmp = tempDir();
after(() => tmp.cleanup());

storageConformance('sqlite', {
  fresh(name) {
    const file = `${tmp.dir}/${name}.db`;
    const a = new SqliteStorage(file);
    const b = new SqliteStorage(file, 'normal');
    return Promise.resolve({
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
      },
    });
  },
});
