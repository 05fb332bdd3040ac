// bench:verify's UltraHonk step: one real batch of the production 16-bit statement proved with its
// Noir port (native bb), then verified by eth_call of the verifier installed in its registry slot
// on a local anvil — how the node's catalog, `assay verify`, the SDK and the browser check Honk
// proofs — one at a time and four at a time (verifyProofBundle's concurrency). The same proof is
// verified every time: an EVM run of the verifier does the same work whatever the proof holds.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HDNodeWallet, Interface, JsonRpcProvider, NonceManager } from 'ethers'
import { honkProofBytes, sensorStatsParams, type DeviceKey, type HonkBundleProof, type SeriesMeaning } from '../circuits/index.js'
import { committedSetupRecordDigests, createBatchProver } from '../circuits/node.js'
import { DEV_MNEMONIC } from '../core/index.js'
import { createChainClient, verifierSlotOf } from '../contracts/index.js'
import { ensureDeployment, startAnvil } from '../contracts/node.js'
import { signedBatchInput } from '../tests/helpers/proven-dataset.js'

export interface HonkVerifyFigures {
  circuit: string
  proof_bytes: number
  prove_s: number
  verify_gas: number
  sequential_ms_per_proof: number
  concurrent4_ms_per_proof: number
  /** At the concurrent rate: what verifying `readings` readings' Honk proofs would take. */
  estimated_s: number
}

export async function measureHonkVerification(o: {
  circuit: string
  batch: { values: bigint[]; times: bigint[] }
  device: DeviceKey
  meaning: SeriesMeaning
  band: { lo: bigint; hi: bigint }
  readings: number
  calls: number
  log: (msg: string) => void
}): Promise<HonkVerifyFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'assay-bench-honk-'))
  const anvil = await startAnvil({ dataDir: dir })
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 100 })
  try {
    const params = sensorStatsParams(o.circuit)
    const { input } = await signedBatchInput(params, o.batch, {
      device: o.device,
      meaning: o.meaning,
      band: o.band,
      salt: 12345n,
      batchIndex: 0n,
      last: true,
    })
    const t0 = performance.now()
    const { proof, publicSignals } = await createBatchProver()(o.circuit, input)
    const proveS = (performance.now() - t0) / 1000
    const bytes = honkProofBytes(proof as HonkBundleProof)
    o.log(`[bench] ${o.circuit}: proved one batch with UltraHonk in ${proveS.toFixed(1)} s (${bytes.length} bytes)`)

    const deployer = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").connect(provider)
    const { deployment } = await ensureDeployment(join(dir, 'deployment.json'), new NonceManager(deployer), {
      setupRecords: await committedSetupRecordDigests(),
    })
    const chain = createChainClient(provider, deployment)
    const slot = verifierSlotOf(o.circuit)
    if (!(await chain.honkVerify(slot, bytes, publicSignals))) throw new Error('the installed verifier refuses an honest Honk proof')
    const verifier = deployment.verifiers[o.circuit]?.address
    if (verifier === undefined) throw new Error(`the deployment installed no verifier for ${o.circuit}`)
    const gas = Number(
      await provider.estimateGas({
        to: verifier,
        data: new Interface(['function verify(bytes,bytes32[]) view returns (bool)']).encodeFunctionData('verify', [
          bytes,
          publicSignals.map((s) => `0x${BigInt(s).toString(16).padStart(64, '0')}`),
        ]),
      }),
    )

    let start = performance.now()
    for (let i = 0; i < o.calls; i++) await chain.honkVerify(slot, bytes, publicSignals)
    const sequential = (performance.now() - start) / o.calls
    start = performance.now()
    let next = 0
    const worker = async (): Promise<void> => {
      while (next++ < o.calls) await chain.honkVerify(slot, bytes, publicSignals)
    }
    await Promise.all([worker(), worker(), worker(), worker()])
    const concurrent = (performance.now() - start) / o.calls
    const proofs = Math.ceil(o.readings / params.batchSize)
    o.log(
      `[bench] UltraHonk eth_call verification: ${sequential.toFixed(1)} ms/proof one at a time, ${concurrent.toFixed(1)} ms/proof four at a time; ` +
        `${gas} gas; ${proofs} proofs ≈ ${((concurrent * proofs) / 1000).toFixed(0)} s`,
    )
    const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d
    return {
      circuit: o.circuit,
      proof_bytes: bytes.length,
      prove_s: round(proveS),
      verify_gas: gas,
      sequential_ms_per_proof: round(sequential, 1),
      concurrent4_ms_per_proof: round(concurrent, 1),
      estimated_s: round((concurrent * proofs) / 1000, 1),
    }
  } finally {
    provider.destroy()
    await anvil.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
