// bb's Solidity verifier on Hardhat's network, for the honk tests: compiled with solc, its linked
// libraries deployed first, and wrapped as a function saying whether it accepts a proof.
import { createRequire } from 'node:module'
import { ContractFactory, type Signer } from 'ethers'
import hardhat from 'hardhat'
import { deployLinked as deployContractLinked } from '../../../contracts/index.js'

interface CompiledContract {
  abi: unknown[]
  evm: { bytecode: { object: string; linkReferences: Record<string, Record<string, Array<{ start: number; length: number }>>> } }
}

/** Every contract of one Solidity source (bb's verifier holds libraries with external functions). */
export function compileSolidity(source: string): Record<string, CompiledContract> {
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string }
  const input = {
    language: 'Solidity',
    sources: { 'Verifier.sol': { content: source } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 1 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.bytecode.linkReferences'] } },
    },
  }
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: Array<{ severity: string; formattedMessage: string }>
    contracts: Record<string, Record<string, CompiledContract>>
  }
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  return out.contracts['Verifier.sol']!
}

/** A proof's bytes (or public inputs) as the 32-byte words the verifier takes. */
export const words = (b: Uint8Array): string[] =>
  Array.from({ length: b.length / 32 }, (_, i) => `0x${Buffer.from(b.subarray(32 * i, 32 * i + 32)).toString('hex')}`)

export type HonkVerify = (proof: Uint8Array, publicInputs: string[]) => Promise<boolean>

/** Deploys compiled contract `name` after the libraries it links to (each once, contracts' deployLinked); returns its address. */
export async function deployLinked(contracts: Record<string, CompiledContract>, name: string, signer: Signer): Promise<string> {
  const deployed = await deployContractLinked(
    name,
    (contract) => ({
      bytecode: contracts[contract]!.evm.bytecode.object,
      linkReferences: contracts[contract]!.evm.bytecode.linkReferences,
    }),
    async (contract, bytecode) => {
      const instance = await new ContractFactory(contracts[contract]!.abi as never, bytecode, signer).deploy()
      await instance.waitForDeployment()
      return instance.getAddress()
    },
  )
  return deployed.get(name)!
}

/** Deploys `source` (bb's verifier, its contract `name`: HonkVerifier, or the generated ones' prefixed name) and returns its verify, false where it reverts. */
export async function deployHonkVerifier(source: string, name = 'HonkVerifier'): Promise<HonkVerify> {
  const contracts = compileSolidity(source)
  const { ethers } = hardhat
  const [deployer] = await ethers.getSigners()
  // Hardhat's signer is an ethers v6 Signer from its own copy of ethers.
  const address = await deployLinked(contracts, name, deployer as unknown as Signer)
  const fn = new ethers.Contract(address, contracts[name]!.abi as never, deployer).getFunction('verify')
  // The verifier reverts with a named error on most failures rather than returning false.
  return async (p, i) => ((await fn(p, i, { gasLimit: 10_000_000 }).catch(() => false)) as boolean) === true
}
