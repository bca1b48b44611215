import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** A relative import that climbs out of lambda/ into a folder of tests, tools or local runs. */
const lambdaOnlyImportsProductionCode = {
  regex: '^(\\.\\./)+(local|test|bench|scripts)(/|$)',
  message:
    'lambda/ is what the functions deploy: it must not import local/, test/, bench/ or scripts/.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.local/', 'dist/', 'bench/.build/'] },
  // Type-checked by its own project against the built client (test/integration/client/package.test.ts).
  { ignores: ['test/integration/client/consumer/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Tests read response JSON whose shape the assertions check; jest spies take methods unbound.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // What the functions bundle is production code only: tests, the benchmark and fault
    // injection compose it from outside (local/faults/, bench/entry.ts), never the reverse.
    files: ['lambda/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [lambdaOnlyImportsProductionCode] }],
    },
  },
  {
    // Domain rules stay free of AWS: they are the part other runtimes could reuse. (This block
    // replaces the option of the one above for domain/, so it repeats its pattern.)
    files: ['lambda/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            lambdaOnlyImportsProductionCode,
            {
              group: ['@aws-sdk/*', '@aws-lambda-powertools/*', 'aws-cdk-lib', 'aws-cdk-lib/*'],
              message: 'domain/ must not depend on AWS.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly' },
    },
  },
  prettier,
);
