// Lint rules for a long-running service: each rule says why it is here.
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'fixtures/generated/**',
      'streamqc-data/**',
      'test-artifacts/**',
      'eslint.config.js',
      'scripts/*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its error: in a 24/7 monitor that is a silent failure.
      // node:test's describe/it return promises the runner itself tracks.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test'], package: 'node:test' },
          ],
        },
      ],
      // Passing an async function where a sync callback is expected drops its rejection.
      '@typescript-eslint/no-misused-promises': 'error',
      // A switch over a union must handle every member, so adding a kind is caught at compile time.
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // Unused names are usually a half-finished change.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The dashboard's browser modules are plain JavaScript served as they are (no build step), so there are no
    // types to lint with; what stays is the syntax-level set, plus undefined names checked against the browser.
    files: ['src/web/static/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: globals.browser,
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      // A misspelt name in a browser script fails only when that line runs, in front of an operator.
      'no-undef': 'error',
    },
  },
);
