// `npm run bench [-- SECTION...]`: runs benchmark sections. A section is a file
// bench/<name>.ts exporting `title` and `run()`, listed in SECTIONS below (other
// files of bench/, such as the standalone server load test, are not sections).
// With no argument every listed section whose file exists runs, in list order;
// `npm run bench -- crypto` runs one. Options (`--sizes 8,128`, `--json`) are
// passed to every section that runs: `npm run bench -- group --sizes 8,128 --json`.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Section {
  title: string;
  run(args: string[]): void | Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** Benchmark sections, in run order. Add a name here when adding bench/<name>.ts. */
const SECTIONS = ['crypto', 'tree', 'group', 'vs-ts-mls', 'large', 'public', 'core', 'ui'];

function available(): string[] {
  return SECTIONS.filter((n) => existsSync(join(here, `${n}.ts`)));
}

async function main(): Promise<number> {
  const all = available();
  const argv = process.argv.slice(2).filter((a) => a !== '--');
  // Section names are the leading bare words; everything from the first option on is the sections' arguments.
  const firstOption = argv.findIndex((a) => a.startsWith('--'));
  const asked = firstOption === -1 ? argv : argv.slice(0, firstOption);
  const args = firstOption === -1 ? [] : argv.slice(firstOption);
  const unknown = asked.filter((a) => !all.includes(a));
  if (unknown.length > 0) {
    console.error(`unknown bench section(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
    return 2;
  }
  for (const name of asked.length > 0 ? asked : all) {
    const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as Section;
    console.log(`\n== ${name}: ${mod.title}`);
    await mod.run(args);
  }
  return 0;
}

process.exitCode = await main();
