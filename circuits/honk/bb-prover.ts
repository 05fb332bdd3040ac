// Proving and verifying UltraHonk proofs with the native `bb` (a child process per command). The
// reference string is always ours (`crsDir`, see writeBbCrs): bb downloads Aztec's whenever the
// folder lacks the points it needs, so the prover checks the size first and never lets it.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BbCommandError } from './bb-command-error.js'
import { CrsError } from './crs-error.js'
import type { NoirProgram } from './compile-noir.js'

/** What bb's proofs are shaped for: `evm` (keccak transcript, the Solidity verifier) or `noir-recursive` (poseidon2). */
export type HonkTarget = 'evm' | 'noir-recursive'

export interface HonkProof {
  proof: Uint8Array
  /** 32 bytes per public input, big-endian. */
  publicInputs: Uint8Array
  /** The verification key bb wrote with the proof. */
  vk: Uint8Array
  target: HonkTarget
}

/** What the build already knows of a circuit: its verification key and bb's circuit size. */
export interface KnownCircuit {
  vk: Uint8Array
  gates: number
}

/** Runs bb with arguments and environment; resolves with its exit code and output (never rejects on a non-zero exit). */
export type RunBb = (bb: string, args: string[], env: NodeJS.ProcessEnv) => Promise<{ code: number; stdout: string; stderr: string }>

export interface BbProverOptions {
  /** The native bb (findBbBinary()). */
  bb: string
  /** Folder holding bn254_g1.dat and bn254_g2.dat (writeBbCrs). */
  crsDir: string
  /** G1 points in crsDir (writeBbCrs's `points`). */
  crsPoints: number
  /** Default: a child process per command. */
  run?: RunBb
  /** Where working files go (default the OS temp folder); each command's folder is removed after. */
  tmp?: string
}

export interface BbProver {
  /** bb's circuit size for a program (gates after expanding black boxes). */
  gates(program: NoirProgram): Promise<number>
  /**
   * Proves a solved witness (executeNoir) with UltraHonk. With `known`, the verification key and
   * circuit size the build recorded are used instead of being recomputed for every proof.
   */
  prove(program: NoirProgram, witness: Uint8Array, target?: HonkTarget, known?: KnownCircuit): Promise<HonkProof>
  /** bb's verification key of a program for `target` (`bb write_vk`). */
  verificationKey(program: NoirProgram, target?: HonkTarget): Promise<Uint8Array>
  /** Runs `bb verify`: true when the proof verifies, false when bb rejects it. */
  verify(proof: HonkProof): Promise<boolean>
  /** The Solidity verifier bb generates for a verification key of target `evm`. */
  solidityVerifier(vk: Uint8Array): Promise<string>
}

/** A prover over the native bb, with our CRS and no network. */
export function createBbProver(options: BbProverOptions): BbProver {
  const run = options.run ?? runBb
  const base = options.tmp ?? tmpdir()
  // CRS_PATH and -c point at our CRS; HOME is left as it is (bb falls back to ~/.bb-crs only without -c).
  const env = { ...process.env, CRS_PATH: options.crsDir }
  const crs = ['-c', options.crsDir]

  async function inTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(base, 'assay-bb-'))
    try {
      return await fn(dir)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  async function bb(command: string, args: string[]): Promise<string> {
    const { code, stderr } = await run(options.bb, [command, ...args], env)
    if (code !== 0) throw new BbCommandError(command, `exit code ${code}`, tail(stderr))
    return stderr
  }

  async function gates(program: NoirProgram): Promise<number> {
    return inTemp(async (dir) => {
      const bytecode = join(dir, 'program.gz')
      await writeFile(bytecode, Buffer.from(program.bytecode, 'base64'))
      const { code, stdout, stderr } = await run(options.bb, ['gates', '-b', bytecode], env)
      if (code !== 0) throw new BbCommandError('gates', `exit code ${code}`, tail(stderr))
      const size = /"circuit_size":\s*(\d+)/.exec(stdout)?.[1]
      if (size === undefined) throw new BbCommandError('gates', 'no circuit_size in its output', tail(stdout))
      return Number(size)
    })
  }

  // bb fetches the missing points from Aztec's servers otherwise.
  function assertFits(size: number): void {
    const needed = 2 ** Math.ceil(Math.log2(size))
    if (needed > options.crsPoints) {
      throw new CrsError(`circuit size ${size} needs ${needed} CRS points; ${options.crsDir} holds ${options.crsPoints}`)
    }
  }

  return {
    gates,
    async prove(program, witness, target = 'noir-recursive', known) {
      assertFits(known?.gates ?? (await gates(program)))
      return inTemp(async (dir) => {
        const bytecode = join(dir, 'program.gz')
        const witnessPath = join(dir, 'witness.gz')
        await writeFile(bytecode, Buffer.from(program.bytecode, 'base64'))
        await writeFile(witnessPath, witness)
        const out = join(dir, 'out')
        const vkArgs = known !== undefined ? ['-k', join(dir, 'vk')] : ['--write_vk']
        if (known !== undefined) await writeFile(join(dir, 'vk'), known.vk)
        await bb('prove', ['-b', bytecode, '-w', witnessPath, '-o', out, '-t', target, ...vkArgs, '-v', ...crs])
        const [proof, publicInputs] = await Promise.all(['proof', 'public_inputs'].map((f) => readFile(join(out, f))))
        const vk = known?.vk ?? (await readFile(join(out, 'vk')))
        return { proof: proof as Buffer, publicInputs: publicInputs as Buffer, vk, target }
      })
    },
    async verificationKey(program, target = 'noir-recursive') {
      assertFits(await gates(program))
      return inTemp(async (dir) => {
        const bytecode = join(dir, 'program.gz')
        await writeFile(bytecode, Buffer.from(program.bytecode, 'base64'))
        await bb('write_vk', ['-b', bytecode, '-o', join(dir, 'out'), '-t', target, '-v', ...crs])
        return readFile(join(dir, 'out', 'vk'))
      })
    },
    async verify(proof) {
      return inTemp(async (dir) => {
        const files = { proof: proof.proof, public_inputs: proof.publicInputs, vk: proof.vk }
        for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes)
        const args = [
          'verify',
          '-p',
          join(dir, 'proof'),
          '-i',
          join(dir, 'public_inputs'),
          '-k',
          join(dir, 'vk'),
          '-t',
          proof.target,
          '-v',
          ...crs,
        ]
        const { code, stderr } = await run(options.bb, args, env)
        if (code === 0) return true
        // bb exits 1 both for a proof that does not verify and for a failure; only the first is `false`.
        if (/verification failed|verified: 0/i.test(stderr)) return false
        throw new BbCommandError('verify', `exit code ${code}`, tail(stderr))
      })
    },
    async solidityVerifier(vk) {
      return inTemp(async (dir) => {
        await writeFile(join(dir, 'vk'), vk)
        await bb('write_solidity_verifier', ['-k', join(dir, 'vk'), '-t', 'evm', '-o', join(dir, 'Verifier.sol'), ...crs])
        return readFile(join(dir, 'Verifier.sol'), 'utf8')
      })
    },
  }
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-8).join('\n')
}

/** The default RunBb: a child process, output collected. */
export function runBb(bb: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bb, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, stdout, stderr })
    })
  })
}
