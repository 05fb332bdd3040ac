// One mocha run for everything: ESM TypeScript tests through tsx, Hardhat's CommonJS contract
// tests through hardhat/register. The polyfill is loaded with `require`, never `--import`
// (worker threads inherit --import and snarkjs's workers then hang).
module.exports = {
  'node-option': ['import=tsx'],
  require: ['./core/polyfill.ts', 'hardhat/register'],
  spec: ['tests/**/*.test.ts', 'contracts/test/**/*.test.cts'],
  timeout: 120_000,
  exit: true,
}
