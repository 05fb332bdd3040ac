// Hardhat 2 in an ESM package: the config must be CommonJS TypeScript (.cts).
import { subtask } from 'hardhat/config'
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from 'hardhat/builtin-tasks/task-names'
import type { HardhatUserConfig } from 'hardhat/types'
import '@nomicfoundation/hardhat-ethers'
import '@nomicfoundation/hardhat-chai-matchers'

const SOLC_VERSION = '0.8.30'

// Compile with the pinned npm `solc` (soljson) instead of downloading a compiler: the machines
// have no internet beyond the npm registry.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return (await runSuper()) as unknown
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { version(): string }
  return {
    compilerPath: require.resolve('solc/soljson.js'),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  }
})

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun', // OpenZeppelin >= 5.5 uses mcopy
    },
  },
  paths: {
    sources: './contracts/src',
    tests: './contracts/test',
    cache: './build/hardhat/cache',
    artifacts: './build/hardhat/artifacts',
  },
  mocha: { timeout: 120_000 },
}

export default config
