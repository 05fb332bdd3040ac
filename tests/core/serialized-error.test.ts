import { readdirSync, readFileSync } from 'node:fs'
import { expect } from 'chai'
import { BatchInputError, BatchRangeMismatchError, BundleVerificationError, WitnessError } from '../../circuits/index.js'
import { ContractError } from '../../contracts/index.js'
import {
  AssayError,
  ConfigError,
  deserializeError,
  errorClassNamed,
  ManifestValidationError,
  RemoteError,
  serializeError,
  ServiceError,
  type SerializedError,
} from '../../core/index.js'
import { NoReadingsError, PublishError, StreamBatchError } from '../../pipelines/index.js'
import { VerificationError } from '../../sdk/index.js'
import { ContentNotFoundError } from '../../storage/index.js'

/** Through JSON text, as IPC and a queue's job data carry it. */
const roundTrip = (err: unknown): Error => deserializeError(JSON.parse(JSON.stringify(serializeError(err))) as SerializedError)

describe('errors across a process boundary', () => {
  it('re-creates a registered class with its message, category and fields', () => {
    const back = roundTrip(new WitnessError('sensor-stats-b16-v2', 'constraint 12 fails'))
    expect(back).to.be.instanceOf(WitnessError).and.instanceOf(AssayError)
    expect(back).to.include({ name: 'WitnessError', message: 'sensor-stats-b16-v2: constraint 12 fails', circuitId: 'sensor-stats-b16-v2' })
    expect((back as WitnessError).category).to.equal('internal')
    expect(roundTrip(new BatchInputError('time goes backwards', 3)))
      .to.be.instanceOf(BatchInputError)
      .and.include({ slot: 3 })
    expect(roundTrip(new ConfigError('PORT', 'not a number')))
      .to.be.instanceOf(ConfigError)
      .and.include({ variable: 'PORT', retryable: false })
    expect(roundTrip(new ServiceError('redis', 'unreachable'))).to.include({ service: 'redis', retryable: true })
  })

  it("re-creates an SDK error, as the web app's verifier worker sends one (a failed check stays tampered, naming it)", () => {
    const back = roundTrip(new VerificationError('root', 'differs from the anchored root'))
    expect(back)
      .to.be.instanceOf(VerificationError)
      .and.include({ check: 'root', category: 'tampered', message: 'root: differs from the anchored root' })
  })

  it('keeps bigints, arrays and nested objects of fields (bigints marked in the JSON)', () => {
    const range = new BatchRangeMismatchError(1, { lo: 1n, hi: 2n }, { lo: 0n, hi: 2n })
    const json = serializeError(range)
    expect(JSON.stringify(json)).to.include('{"$bigint":"1"}')
    expect(roundTrip(range)).to.deep.include({ batchIndex: 1, band: { lo: 1n, hi: 2n }, firstBand: { lo: 0n, hi: 2n } })
    expect(roundTrip(range)).not.to.have.property('series')
    const reverted = roundTrip(new ContractError('anchor', 'DeviceNotAuthorised', [1n, '0xpub']))
    expect(reverted)
      .to.be.instanceOf(ContractError)
      .and.deep.include({ errorName: 'DeviceNotAuthorised', args: [1n, '0xpub'] })
    const issues = [{ path: 'title', message: 'required' }]
    expect(roundTrip(new ManifestValidationError(issues))).to.deep.include({ issues })
    const problems = [{ batch: { series: 0, index: 1 }, problem: 'proof does not verify' }]
    expect(roundTrip(new BundleVerificationError(problems))).to.deep.include({ problems })
  })

  it('keeps the cause chain, each cause as its own class, and a wrapper its category', () => {
    expect(roundTrip(new PublishError('ingest', { cause: new NoReadingsError('a.csv', 'every value is empty') }))).to.include({
      stage: 'ingest',
      category: 'bad-input',
    })
    const err = new PublishError('anchor', { cause: new ServiceError('anvil', 'down', { cause: new TypeError('boom') }) })
    const back = roundTrip(err)
    expect(back).to.be.instanceOf(PublishError).and.include({ stage: 'anchor', category: 'unavailable', message: err.message })
    expect(back.cause).to.be.instanceOf(ServiceError).and.include({ service: 'anvil', message: 'anvil: down' })
    // A built-in error is not registered: it comes back as a RemoteError of its name.
    const inner = (back.cause as Error).cause
    expect(inner).to.be.instanceOf(RemoteError).and.include({ name: 'TypeError', message: 'boom', category: 'internal' })
  })

  it('bounds the cause chain (a cycle ends)', () => {
    const a = new ServiceError('a', 'x')
    const b = new ServiceError('b', 'y', { cause: a })
    Object.defineProperty(a, 'cause', { value: b })
    let depth = 0
    for (let s: SerializedError | undefined = serializeError(a); s !== undefined; s = s.cause) depth++
    expect(depth).to.be.within(2, 9)
  })

  it('makes an unknown class a RemoteError with the same name, message, category and fields', () => {
    const s: SerializedError = {
      name: 'FutureError',
      message: 'from a newer node',
      category: 'conflict',
      fields: { id: { $bigint: '7' }, tag: 'x' },
    }
    const back = deserializeError(s)
    expect(back).to.be.instanceOf(RemoteError).and.instanceOf(AssayError)
    expect(back).to.deep.include({ name: 'FutureError', message: 'from a newer node', category: 'conflict', id: 7n, tag: 'x' })
    expect((back as RemoteError).retryable).to.equal(false)
    // A category this process does not know is internal, as categoryOf would say.
    expect(deserializeError({ ...s, category: 'no-such' as never })).to.include({ category: 'internal' })
  })

  it('drops what JSON cannot carry and what is no data (functions, class instances), and serializes thrown non-errors', () => {
    const err = Object.assign(new StreamBatchError('malformed', 'not JSON'), { at: () => 1, buffer: new Uint8Array(2), when: undefined })
    const s = serializeError(err)
    expect(s.fields).to.deep.equal({ reason: 'malformed' })
    expect(serializeError('a string')).to.deep.equal({ name: 'Error', message: 'a string', category: 'internal' })
    expect(roundTrip(new ContentNotFoundError('bafy', 'not held'))).to.include({ cid: 'bafy', category: 'not-found' })
  })

  it('registers every error class of core, circuits, contracts, storage, pipelines and sdk (their index does)', () => {
    const declared = ['core', 'circuits', 'contracts', 'storage', 'pipelines', 'sdk'].flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .flatMap((f) => [...readFileSync(`${dir}/${f}`, 'utf8').matchAll(/^export class (\w+) extends AssayError\b/gm)].map((m) => m[1]!)),
    )
    expect(declared.filter((name) => name !== 'RemoteError' && errorClassNamed(name) === undefined)).to.deep.equal([])
    expect(errorClassNamed('RemoteError')).to.equal(undefined)
  })
})
