// Lint: async correctness and type-import hygiene (CONVENTIONS.md), type-aware.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // flows/ holds the user's own flows (README, "Using Weft from your own project"), not Weft's code;
  // bin/ and scripts/ are plain JavaScript run by Node as they are (the launcher, the build's bundling step).
  { ignores: ['dist/**', 'node_modules/**', 'flows/**', 'coverage/**', 'bin/**', 'scripts/**', 'eslint.config.js', 'vitest.config.ts'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'off', '@typescript-eslint/require-await': 'off' },
  },
);
