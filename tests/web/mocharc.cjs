// `npm run test:web`: only the browser tests (the root .mocharc.cjs runs them with everything
// else); the same loaders, see there.
module.exports = {
  'node-option': ['import=tsx'],
  require: ['./core/polyfill.ts'],
  spec: ['tests/web/**/*.test.ts'],
  timeout: 120_000,
  exit: true,
}
