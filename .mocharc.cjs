// One mocha run for everything: ESM TypeScript tests through tsx, Hardhat's CommonJS contract
// tests through hardhat/register. The polyfill is loaded with `require`, never `--import`
// (worker threads inherit --import and snarkjs's workers then hang).
module.exports = {
  'node-option': ['import=tsx'],
  require: ['./core/polyfill.ts', 'hardhat/register'],
  spec: ['tests/**/*.test.ts', 'contracts/test/**/*.test.cts'],
  timeout: 120_000,
  exit: true,
  // Three files at a time (ASSAY_TEST_JOBS to change): most of the slow tests wait on processes,
  // chains and restarts rather than compute, so even on 2 cores a third file shortens the run
  // (18 min with two on a slow day, against the 20-minute CI budget).
  // Files share nothing they write (each test starts its own services in its own folders).
  parallel: true,
  jobs: Number(process.env.ASSAY_TEST_JOBS ?? 3),
}
