// `npm run vectors -- FILE...`: runs official MLS test-vector files
// (mlswg/mls-implementations format), recognizing each file's kind by its name.
// Prints `<file>: N passed, M failed` per file and a total line. Exits non-zero
// on any failed case, and on any file named on the command line it cannot run.
// With no FILE, runs every file of ../shared/mls-test-vectors/, listing files
// whose layer is not built yet as `not run`.

import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getProvider } from '../main/mls/crypto/index.js';
import { SkipCase, type VectorKind } from './vectors/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_DIR = resolve(here, '../../shared/mls-test-vectors');

/** File name (without .json) → kind module under tools/vectors/. */
const KINDS: Record<string, string> = {
  'tree-math': 'tree-math',
  deserialization: 'deserialization',
  'crypto-basics': 'crypto-basics',
  'key-schedule': 'key-schedule',
  psk_secret: 'psk-secret',
  'secret-tree': 'secret-tree',
  'transcript-hashes': 'transcript-hashes',
  'message-protection': 'message-protection',
  'tree-validation': 'tree-validation',
  'tree-operations': 'tree-operations',
  treekem: 'treekem',
  messages: 'messages',
  welcome: 'welcome',
};

function kindOf(file: string): string | undefined {
  const name = basename(file).replace(/\.json$/, '');
  if (name.startsWith('passive-client')) return 'passive-client';
  return KINDS[name];
}

async function loadKind(kind: string): Promise<VectorKind | undefined> {
  const path = join(here, 'vectors', `${kind}.ts`);
  if (!existsSync(path)) return undefined;
  return (await import(pathToFileURL(path).href)) as VectorKind;
}

interface FileResult {
  file: string;
  status: 'ran' | 'not run' | 'error';
  passed: number;
  failed: number;
  skipped: number;
  reason?: string;
}

async function runFile(file: string): Promise<FileResult> {
  const label = basename(file);
  const kind = kindOf(file);
  if (kind === undefined) return { file: label, status: 'error', passed: 0, failed: 0, skipped: 0, reason: 'unknown vector file kind' };
  const mod = await loadKind(kind);
  if (mod === undefined) return { file: label, status: 'not run', passed: 0, failed: 0, skipped: 0, reason: `layer '${kind}' not built yet` };
  let cases: unknown;
  try {
    cases = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { file: label, status: 'error', passed: 0, failed: 0, skipped: 0, reason: `cannot read: ${(e as Error).message}` };
  }
  if (!Array.isArray(cases)) return { file: label, status: 'error', passed: 0, failed: 0, skipped: 0, reason: 'not a JSON array of cases' };
  const provider = getProvider();
  const r: FileResult = { file: label, status: 'ran', passed: 0, failed: 0, skipped: 0 };
  const verbose = process.env.VECTORS_VERBOSE === '1';
  cases.forEach((c, i) => {
    try {
      mod.runCase(c, provider);
      r.passed++;
    } catch (e) {
      if (e instanceof SkipCase) {
        r.skipped++;
        if (verbose) console.error(`  ${label}[${i}] skipped: ${e.message}`);
        return;
      }
      r.failed++;
      if (verbose || r.failed <= 3) console.error(`  ${label}[${i}] failed: ${(e as Error).stack ?? String(e)}`);
    }
  });
  return r;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const explicit = args.length > 0;
  const files = explicit
    ? args.map((a) => resolve(a))
    : readdirSync(DEFAULT_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(DEFAULT_DIR, f));
  let passed = 0;
  let failed = 0;
  let bad = false;
  console.log(`crypto provider: ${getProvider().name}`);
  for (const f of files) {
    const r = await runFile(f);
    if (r.status === 'ran') {
      passed += r.passed;
      failed += r.failed;
      const skip = r.skipped > 0 ? `, ${r.skipped} skipped` : '';
      console.log(`${r.file}: ${r.passed} passed, ${r.failed} failed${skip}`);
    } else if (r.status === 'not run') {
      console.log(`${r.file}: not run (${r.reason})`);
      if (explicit) bad = true;
    } else {
      console.log(`${r.file}: error (${r.reason})`);
      bad = true;
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || bad ? 1 : 0;
}

process.exitCode = await main();
