import { expect } from 'chai'
import type { BaseContract } from 'ethers'
import { groth16 } from 'snarkjs'
import {
  computeBatchCommitment,
  createDeviceKey,
  generateProof,
  getCircuitManifest,
  listCircuits,
  parsePublicSignals,
  prepareBatch,
  sensorStatsParams,
  seriesIdOf,
  signBatch,
  verifyProof,
} from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import { iSensorStatsVerifierAbi, typedContract, type ISensorStatsVerifier } from '../../contracts/index.js'
import { encodeValue, inferEncoding } from '../../core/index.js'
import { readOccupancyColumn } from '../helpers/datasets.js'

interface HardhatEthers {
  deployContract(name: string): Promise<BaseContract>
}

// The circuits publishing uses, each proven once at full size over real readings and checked by
// the JS verifier and by its generated Solidity verifier on Hardhat's chain.
describe('production SensorStats circuits', function () {
  this.timeout(600_000)
  const production = listCircuits().filter(([, e]) => e.purpose === 'production' && e.template === 'SensorStatsV2')
  let ethers: HardhatEthers
  before(async () => {
    ethers = ((await import('hardhat')) as unknown as { default: { ethers: HardhatEthers } }).default.ethers
  })
  after(releaseProverThreads)

  it('are one per value width, each filling the 2^16 domain', () => {
    expect(production.map(([, e]) => e.params[1]).sort()).to.deep.equal([16, 24, 32])
    for (const [, e] of production) {
      expect(e.ptau.power).to.equal(16)
      expect(e.constraints + e.publicSignals).to.be.above(0.95 * 2 ** 16)
    }
  })

  for (const [id] of production) {
    it(`${id}: proves a full batch of occupancy temperatures; the JS and the Solidity verifier accept it`, async () => {
      const params = sensorStatsParams(id)
      const rows = readOccupancyColumn('Temperature', params.batchSize)
      const encoding = inferEncoding(
        rows.map((r) => r.text),
        { scale: 2 },
      )
      const batch = { values: rows.map((r) => encodeValue(r.text, encoding)), times: rows.map((r) => r.time) }
      const device = await createDeviceKey()
      const salt = 42n
      const commitment = await computeBatchCommitment(batch, salt, params)
      const lo = encodeValue('20', encoding)
      const hi = encodeValue('24', encoding)
      const meaning = { metric: 'Temperature', unit: '°C', scale: encoding.scale, offset: encoding.offset, nonce: 7n }
      const seriesId = await seriesIdOf(device.deviceId, meaning, { lo, hi })
      const signature = await signBatch(device, { commitment, seriesId, batchIndex: 0n, last: true })
      const prepared = await prepareBatch(batch, params, { lo, hi, meaning, batchIndex: 0n, last: true, salt, device, signature })
      const circuit = await loadCircuit(id)
      const { proof, publicSignals } = await generateProof(circuit, prepared.input)
      expect(await verifyProof(circuit.vkey, publicSignals, proof)).to.equal(true)
      expect(parsePublicSignals(publicSignals)).to.deep.include({
        count: BigInt(params.batchSize),
        commitment,
        deviceId: device.deviceId,
        seriesId,
        last: 1n,
      })

      const [a, b, c, inputs] = JSON.parse(`[${await groth16.exportSolidityCallData(proof, publicSignals)}]`) as [
        string[],
        string[][],
        string[],
        string[],
      ]
      const uints = (xs: readonly string[]): bigint[] => xs.map((x) => BigInt(x))
      // Each generated SensorStats verifier has the interface DatasetRegistry calls verifiers through.
      const deployed = await ethers.deployContract(getCircuitManifest(id).verifier)
      const verifier = typedContract<ISensorStatsVerifier>(await deployed.getAddress(), iSensorStatsVerifierAbi, deployed.runner)
      expect(await verifier.verifyProof(uints(a), b.map(uints), uints(c), uints(inputs))).to.equal(true)
      const tampered = uints(inputs).map((s, i) => (i === 4 ? s + 1n : s)) // sum + 1
      expect(await verifier.verifyProof(uints(a), b.map(uints), uints(c), tampered)).to.equal(false)
    })
  }
})
