// The storage conformance suite on PostgreSQL: a throwaway server for this
// file, a fresh database per test, two pools on it (as two DS processes).
// Without PostgreSQL on the machine the tests are skipped with the reason,
// except in CI, where they fail (see temp-postgres.ts).
import { after, before } from 'node:test';
import { PgStorage } from '../../../server/storage/pg.js';
import { postgresSkipReason, startTempPostgres, type TempPostgres } from '../temp-postgres.js';
import { storageConformance } from './conformance.js';

const skip = postgresSkipReason();
let pg: TempPostgres | undefined;

before(async () => {
  if (skip === false) pg = await startTempPostgres();
});
after(async () => {
  await pg?.stop();
});

storageConformance(
  'postgres',
  {
    async fresh(name) {
      const url = await pg!.createDatabase(name);
      const a = await PgStorage.open(url, { poolSize: 4, nodeId: 'test-a' });
      const b = await PgStorage.open(url, { poolSize: 4, nodeId: 'test-b' });
      return {
        a,
        b,
        close: async () => {
          await a.close();
          await b.close();
        },
      };
    },
  },
  skip,
);
