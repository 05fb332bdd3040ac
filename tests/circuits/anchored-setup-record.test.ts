import { expect } from 'chai'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import {
  buildSetupRecord,
  DEVELOPMENT_SETUP_WARNING,
  encodeSetupRecord,
  readAnchoredSetupRecord,
  setupOfRecord,
  setupRecordCid,
  setupRecordDigest,
  type AnchoredSetupRecord,
} from '../../circuits/index.js'
import { committedSetupRecords, type SetupRecord } from '../../circuits/node.js'
import { caught } from '../helpers/errors.js'

const CIRCUIT = 'sensor-stats-b16-v2'

describe('setup records anchored with the verifiers', () => {
  it('gives every committed circuit a record whose digest is the CID of its bytes as one raw block', async () => {
    const records = await committedSetupRecords()
    expect(Object.keys(records)).to.include.members([CIRCUIT, 'sensor-stats-16bit-b400-v2', 'sensor-stats-b16-v1'])
    for (const [circuitId, { record, bytes, digest }] of Object.entries(records)) {
      expect(record.circuitId).to.equal(circuitId)
      const cid = CID.createV1(raw.code, await sha256.digest(bytes))
      expect(setupRecordCid(digest).equals(cid)).to.equal(true)
      expect(await readAnchoredSetupRecord(bytes, digest, circuitId)).to.deep.equal(record)
      // The committed keys are all from the development seed: the warning comes from the record.
      expect(setupOfRecord(record).warning).to.equal(DEVELOPMENT_SETUP_WARNING)
    }
  })

  it('rejects bytes that are not the anchored record, a record of another circuit, and bytes that are no record, by name', async () => {
    const { bytes, digest } = (await committedSetupRecords())[CIRCUIT]!
    const tampered = encodeSetupRecord({ ...(JSON.parse(new TextDecoder().decode(bytes)) as AnchoredSetupRecord), constraints: 1 })
    const notAnchored = await caught(() => readAnchoredSetupRecord(tampered, digest, CIRCUIT))
    expect([notAnchored.name, notAnchored.message]).to.include.members(['SetupRecordMismatchError'])
    expect(notAnchored.message).to.contain(`but the chain anchors ${digest}`)
    const other = await caught(() => readAnchoredSetupRecord(bytes, digest, 'sensor-stats-16bit-b400-v2'))
    expect([other.name, (other as { field?: string }).field]).to.deep.equal(['SetupRecordMismatchError', 'circuitId'])
    const junk = new TextEncoder().encode('{"format":"assay.setup-record/v1"}')
    const notRecord = await caught(async () => readAnchoredSetupRecord(junk, await setupRecordDigest(junk), CIRCUIT))
    expect(notRecord.name).to.equal('SetupRecordFormatError')
    expect((await caught(() => Promise.resolve(setupRecordCid('0x1234')))).name).to.equal('SetupRecordFormatError')
  })

  it('calls a setup a ceremony only with a ceremony ptau, a ceremony phase 2 and a contribution besides the beacon', async () => {
    const { record } = (await committedSetupRecords())[CIRCUIT]!
    const ceremony: AnchoredSetupRecord = {
      ...record,
      ptau: { source: 'ceremony', power: 14, ceremony: 'Hermez', sha256: 'ab'.repeat(32) },
      phase2: {
        setup: 'ceremony',
        contributions: [{ name: 'alice', contributionHash: 'cd'.repeat(32) }],
        beacon: { hash: 'ef'.repeat(32), iterationsExp: 10, contributionHash: '01'.repeat(32) },
      },
    }
    expect(setupOfRecord(ceremony)).to.include({ kind: 'ceremony' })
    expect(setupOfRecord(ceremony).warning).to.equal(undefined)
    expect(setupOfRecord({ ...ceremony, phase2: { ...ceremony.phase2, contributions: [] } }).warning).to.equal(DEVELOPMENT_SETUP_WARNING)
    expect(setupOfRecord({ ...ceremony, ptau: { source: 'dev-seed', power: 14 } }).kind).to.equal('development')
  })

  it('refuses to build a record from a ceremony of another circuit or constraint system', async () => {
    const { record } = (await committedSetupRecords())[CIRCUIT]!
    const finalized = {
      format: 'assay-setup-record-v1',
      circuitId: 'sensor-stats-16bit-b400-v2',
      r1csSha256: record.files.r1cs,
      ptau: { ceremony: 'unknown ceremony', sha256: '00'.repeat(32), blake2b512: '00'.repeat(64), power: 14 },
      contributions: [{ name: 'alice', contributionHash: 'cd'.repeat(32) }],
      beacon: { hash: 'ef'.repeat(32), iterationsExp: 10, contributionHash: '01'.repeat(32) },
      finalZkeySha256: record.files.zkey,
      vkeySha256: record.files.vkey,
      verifier: { file: 'V.sol', sha256: '00'.repeat(32) },
      createdAt: '2026-12-03T00:00:00.000Z',
    } satisfies SetupRecord
    expect((await caught(() => Promise.resolve(buildSetupRecord(CIRCUIT, record.vkey, finalized)))).name).to.equal(
      'SetupRecordMismatchError',
    )
    const otherR1cs = { ...finalized, circuitId: CIRCUIT, r1csSha256: 'ff'.repeat(32) }
    const err = await caught(() => Promise.resolve(buildSetupRecord(CIRCUIT, record.vkey, otherR1cs)))
    expect([err.name, (err as { field?: string }).field]).to.deep.equal(['SetupRecordMismatchError', 'r1cs'])
  })
})
