// One mocha run for everything: ESM TypeScript tests through tsx, Hardhat's CommonJS contract
// tests through hardhat/register. The polyfill is loaded with `require`, never `--import`
// (worker threads inherit --import and snarkjs's workers then hang).
const { readdirSync } = require('node:fs')
const { join } = require('node:path')

/** Every file under `dir` whose name ends with `suffix`, in name order. */
function testFiles(dir, suffix) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort()
}

// The longest files first (a CI run's own times, hooks included): files start in this order as
// workers free up, so a long file started last would be the run's tail on its own.
const LONGEST = [
  'tests/circuits/honk/stats-equivalence.test.ts',
  'tests/circuits/honk/ultrahonk-verifier.test.ts',
  'tests/web/web-app.test.ts',
  'tests/cli/setup-ceremony.test.ts',
  'tests/pipelines/publish/publish-crash.test.ts',
  'tests/cli/publish-reconnect.test.ts',
  'tests/circuits/sensor-stats.test.ts',
  'tests/cli/streams.test.ts',
  'tests/web/mirror.test.ts',
  'tests/circuits/honk/hint-mutants.test.ts',
  'tests/cli/assay-node.test.ts',
  'tests/pipelines/publish/publish-flow.test.ts',
  'tests/cli/publish-command.test.ts',
  'tests/pipelines/streams/stream-crash.test.ts',
  'tests/web/escrow-orders.test.ts',
  'tests/circuits/honk/write-bb-crs.test.ts',
  'tests/cli/remote-worker.test.ts',
  'tests/cli/mirror.test.ts',
  'tests/web/streams.test.ts',
  'tests/web/publications.test.ts',
  'tests/circuits/production.test.ts',
  'tests/cli/storage-deals.test.ts',
]
const all = [...testFiles('tests', '.test.ts'), ...testFiles(join('contracts', 'test'), '.test.cts')]

module.exports = {
  'node-option': ['import=tsx'],
  require: ['./core/polyfill.ts', 'hardhat/register'],
  spec: [...LONGEST.filter((f) => all.includes(f)), ...all.filter((f) => !LONGEST.includes(f))],
  timeout: 120_000,
  exit: true,
  // Three files at a time (ASSAY_TEST_JOBS to change): most of the slow tests wait on processes,
  // chains and restarts rather than compute, so even on 2 cores a third file shortens the run
  // (18 min with two on a slow day, against the 20-minute CI budget).
  // Files share nothing they write (each test starts its own services in its own folders).
  parallel: true,
  jobs: Number(process.env.ASSAY_TEST_JOBS ?? 3),
}
