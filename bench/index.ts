// `npm run bench [-- SECTION...]`: runs benchmark sections. A section is a file
// bench/<name>.ts exporting `title` and `run()`, listed in SECTIONS below (other
// files of bench/, such as the standalone server load test, are not sections).
// With no argument every listed section whose file exists runs, in list order;
// `npm run bench -- crypto` runs one.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Section {
  title: string;
  run(): void | Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** Benchmark sections, in run order. Add a name here when adding bench/<name>.ts. */
const SECTIONS = ['crypto', 'tree', 'group'];

function available(): string[] {
  return SECTIONS.filter((n) => existsSync(join(here, `${n}.ts`)));
}

async function main(): Promise<number> {
  const all = available();
  const asked = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = asked.filter((a) => !all.includes(a));
  if (unknown.length > 0) {
    console.error(`unknown bench section(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
    return 2;
  }
  for (const name of asked.length > 0 ? asked : all) {
    const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as Section;
    console.log(`\n== ${name}: ${mod.title}`);
    await mod.run();
  }
  return 0;
}

process.exitCode = await main();
