// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Syntax the whole house avoids. */
const HOUSE_SYNTAX = [
  { selector: 'TSEnumDeclaration', message: 'Use an `as const` object instead of an enum.' },
  { selector: 'ExportAllDeclaration', message: 'List exported names explicitly.' },
];

/** Pure code (the contract, the deciders) takes time and ids as arguments: no clock, no dice. */
const PURE_SYNTAX = [
  {
    selector: "MemberExpression[object.name='Date'][property.name='now']",
    message: 'Pure code takes the time as an argument.',
  },
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: 'Pure code takes the time as an argument.',
  },
  {
    selector: "MemberExpression[object.name='performance'][property.name='now']",
    message: 'Pure code takes the time as an argument.',
  },
  {
    selector: "MemberExpression[object.name='Math'][property.name='random']",
    message: 'Pure code takes ids and chances as arguments.',
  },
  {
    selector: 'CallExpression[callee.name=/^(setTimeout|setInterval|setImmediate)$/]',
    message: 'Pure code schedules nothing: the shell does.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'schemas/', '.fleet/', 'coverage/', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // bin/fleet.mjs and scripts/build.mjs are plain JavaScript outside tsconfig.json: linted
        // with the default project.
        projectService: { allowDefaultProject: ['bin/*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // An unawaited promise in an actor is a lost message.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // State keeps id-keyed records (immer drafts them without enableMapSet); deleting keys is how they shrink.
      '@typescript-eslint/no-dynamic-delete': 'off',
      'no-restricted-syntax': ['error', ...HOUSE_SYNTAX],
    },
  },
  {
    // The HUD page's scripts run in the browser as they are, outside the TypeScript project:
    // hud/page/tsconfig.json type-checks them, names across files included, so no-undef,
    // which cannot see the other files of their shared scope, is left to it.
    files: ['hud/page/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'script',
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'no-undef': 'off' },
  },
  {
    // The Kubernetes and AWS clients' models are classes of public fields that their own
    // examples build as object literals (the clients serialize them field by field).
    files: ['runtimes/{kubernetes,lambda}/**/*.ts', 'test/support/fake-{kubernetes,lambda}.ts'],
    rules: { '@typescript-eslint/no-unsafe-class-instance-assignment': 'off' },
  },
  {
    // The walls test (test/walls.unit.test.ts) keeps these folders free of the NATS client; this
    // keeps them free of the clock and of randomness.
    files: [
      'events/**/*.ts',
      'domain/**/*.ts',
      'actors/registrar/{decide,evolve,state,fold-reject-reason,registrar-logic,enroll-command}.ts',
    ],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', ...HOUSE_SYNTAX, ...PURE_SYNTAX] },
  },
);
