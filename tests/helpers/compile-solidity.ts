import { createRequire } from 'node:module'
import type { CompiledContract } from '../../contracts/index.js'

interface SolcOutput {
  contracts?: Record<string, Record<string, { abi: CompiledContract['abi']; evm: { bytecode: { object: string } } }>>
  errors?: { severity: string; formattedMessage: string }[]
}

/**
 * Compiles one Solidity source with the pinned npm solc and Hardhat's settings (a ceremony's
 * exported verifier, which the build has not compiled).
 */
export function compileSolidity(source: string, contract: string): CompiledContract {
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string }
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'Source.sol': { content: source } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: 'cancun',
          outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
        },
      }),
    ),
  ) as SolcOutput
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const compiled = output.contracts?.['Source.sol']?.[contract]
  if (compiled === undefined) throw new Error(`the source holds no contract ${contract}`)
  return { abi: compiled.abi, bytecode: `0x${compiled.evm.bytecode.object}` }
}
