// Lint the whole tree with type-aware rules where they catch real bugs (floating promises).
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'release/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The renderer's components: TypeScript in <script lang="ts">, type-aware through renderer/tsconfig.json.
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, projectService: true, extraFileExtensions: ['.svelte'], tsconfigRootDir: import.meta.dirname },
      globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', matchMedia: 'readonly', setTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', queueMicrotask: 'readonly', ResizeObserver: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Snippet-based forms bind different variables per branch; plain {#each} keys are set where order matters.
      'svelte/require-each-key': 'error',
      'svelte/no-at-html-tags': 'error',
    },
  },
  {
    // The UI bench drives Chromium with the e2e harness: it is type-checked with test/e2e/tsconfig.json (DOM types for page code).
    files: ['bench/ui.ts'],
    languageOptions: { parserOptions: { projectService: false, project: './test/e2e/tsconfig.json', tsconfigRootDir: import.meta.dirname } },
  },
  {
    // node:test's test() returns a promise the runner itself awaits.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
