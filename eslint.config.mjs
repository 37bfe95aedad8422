// Lint for the library, the testing kit, the example shop, tests and benchmarks. Formatting is Prettier's job
// (eslint-config-prettier turns off the rules that would fight it); `npm run lint` runs both.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Nest modules are classes with only decorators and static members.
      '@typescript-eslint/no-extraneous-class': 'off',
      // Declaration merging is how a host app adds its own gateway's options (see docs/adding-a-gateway.md).
      '@typescript-eslint/no-namespace': 'off',
      // Input validation rejects control characters on purpose (DTO free text, gateway byte-limited fields).
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Tests read gateway and simulator bodies whose shape is the point of the assertion.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The demo, the CLI-style scripts and the benchmarks print to the terminal on purpose.
    files: ['src/demo/**', 'src/main.ts', 'bench/**', 'libs/testing/src/postgres/with-database.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
