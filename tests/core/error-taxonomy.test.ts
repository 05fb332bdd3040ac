import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Queue, QueueEvents, Worker, type Job } from 'bullmq'
import type { AddressInfo } from 'node:net'
import { expect } from 'chai'
import express from 'express'
import { BatchOrderError, BatchRangeMismatchError } from '../../circuits/dataset-stats.js'
import { SetupRecordFormatError } from '../../circuits/anchored-setup-record.js'
import { InvalidDeviceKeyError } from '../../circuits/babyjub.js'
import { CeremonyStateError } from '../../circuits/ceremony-state-error.js'
import { CeremonyVerificationError } from '../../circuits/ceremony-verification-error.js'
import { BatchSequenceError } from '../../circuits/check-batch-sequence.js'
import { DeviceKeyFileError } from '../../circuits/device-key-file.js'
import { WitnessError } from '../../circuits/generate-proof.js'
import { InvalidKeyError } from '../../circuits/key-commitment.js'
import { KeyTransferError } from '../../circuits/key-transfer-error.js'
import { InvalidBuyerKeyError } from '../../circuits/buyer-key.js'
import { ManifestProofMismatchError } from '../../circuits/manifest-proof-mismatch-error.js'
import { BundleVerificationError, ProofBundleError } from '../../circuits/proof-bundle.js'
import { PublicSignalsError } from '../../circuits/public-signals.js'
import { BatchInputError } from '../../circuits/batch-input-error.js'
import { BbCommandError, BbNotFoundError, CrsError, NoirCompileError, NoirWitnessError } from '../../circuits/honk/node.js'
import { UltraHonkVerifyError } from '../../circuits/ultrahonk/index.js'
import { SetupRecordMismatchError } from '../../circuits/setup-record-mismatch-error.js'
import { SetupRecordMissingError } from '../../circuits/setup-record-missing-error.js'
import { CircuitBuildError } from '../../cli/circuit-builder.js'
import { cliFailure } from '../../cli/cli-failure.js'
import { FollowTimeoutError } from '../../cli/follow-progress.js'
import { PublishCommandError } from '../../cli/publish-command-error.js'
import { StreamPushError } from '../../cli/stream-commands.js'
import { ContractError } from '../../contracts/contract-error.js'
import { MalformedProofError } from '../../contracts/proof-to-calldata.js'
import { VerifierCodeMismatchError } from '../../contracts/honk-verifier-fingerprint.js'
import { EscrowCodeMismatchError } from '../../contracts/escrow-fingerprint.js'
import { VerifierUnavailableError } from '../../contracts/verifier-unavailable-error.js'
import { DeploymentError } from '../../contracts/deployment.js'
import {
  ArtifactError,
  AssayError,
  categoryOf,
  ConfigError,
  ERROR_CATEGORIES,
  ServiceError,
  type ErrorCategory,
} from '../../core/errors.js'
import { InvalidNumberError, ValueOutOfRangeError } from '../../core/fixed-point-codec.js'
import { MappingError } from '../../core/import-mapping.js'
import { ManifestValidationError } from '../../core/manifest.js'
import { SignedBatchError } from '../../core/signed-batch.js'
import { SiweError } from '../../core/siwe-message.js'
import {
  DevelopmentSetupError,
  DeviceNotRegisteredError,
  ProverCrashedError,
  PublicationBusyError,
  PublicationNotFailedError,
  PublishError,
  SignedForOtherSystemError,
  WindowAttachedError,
} from '../../pipelines/publish/index.js'
import { BatchVerifierError, IngestBusyError, StreamBatchError, UnknownStreamError } from '../../pipelines/streams/index.js'
import { ImportRowError, MissingColumnError, NoReadingsError, SimulationError, SourceFormatError } from '../../pipelines/import/index.js'
import { ShutdownTimeoutError, startRedis } from '../../pipelines/services/index.js'
import {
  DataKeyUnavailableError,
  KeyCommitmentMismatchError,
  SettlementFailedError,
  SettlementTooLateError,
  SettlementUnprofitableError,
} from '../../pipelines/escrow/index.js'
import { stageFailure } from '../../pipelines/publish/stage-failure.js'
import {
  AnchorMismatchError,
  DatasetNotAnchoredError,
  DeclaredSizeMismatchError,
  IncompleteCarError,
  MirrorSourceError,
  MirrorTooLargeError,
} from '../../pipelines/mirror/index.js'
import { AssayApiError } from '../../sdk/assay-api-error.js'
import { BuyerKeyMismatchError } from '../../sdk/buyer-key-mismatch-error.js'
import { KeyDeliveryTimeoutError } from '../../sdk/key-delivery-timeout-error.js'
import { OrderNotFoundError } from '../../sdk/order-not-found-error.js'
import { OrderRefundedError } from '../../sdk/order-refunded-error.js'
import { ProvidersFailedError } from '../../sdk/providers-failed-error.js'
import { UnsafeEscrowSetupError } from '../../sdk/unsafe-escrow-setup-error.js'
import { NodeUnreachableError } from '../../sdk/node-unreachable-error.js'
import { TarFormatError } from '../../sdk/read-tar.js'
import { VerificationError } from '../../sdk/verification-error.js'
import { ManifestMismatchError } from '../../server/catalog-indexer.js'
import { ResponseContractError } from '../../server/contract-route.js'
import { TooManyConnectionsError } from '../../server/connection-limit.js'
import { DeviceOwnedError } from '../../server/device-routes.js'
import { SettlementNotFailedError } from '../../server/escrow-routes.js'
import { GatewayRequestError } from '../../server/gateway-request-error.js'
import { createErrorHandler } from '../../server/http-errors.js'
import {
  KeyNotHeldError,
  KeyRequestError,
  KeyRequestExpiredError,
  KeyRequestSignatureError,
  NoAccessError,
  NonceReusedError,
} from '../../server/key-release.js'
import { NotFoundError } from '../../server/not-found-error.js'
import { ForeignRequestError, OperatorAuthError } from '../../server/operator-auth.js'
import { RateLimitedError } from '../../server/rate-limit.js'
import { UploadTooLargeError } from '../../server/receive-upload.js'
import { SetupRecordStoreError } from '../../server/setup-records.js'
import { ValidationError } from '../../server/validation-error.js'
import { ContentTooLargeError } from '../../storage/content-too-large-error.js'
import { InvalidDataKeyError } from '../../storage/data-key.js'
import { DagWalkLimitError } from '../../storage/dag-walk-limit-error.js'
import { UndecodableBlockError } from '../../storage/undecodable-block-error.js'
import {
  ContentCorruptedError,
  ContentNotFoundError,
  EnvelopeFormatError,
  EnvelopeTamperedError,
  InvalidPublicKeyError,
  KeystoreError,
  KeyUnwrapError,
  TruncatedEnvelopeError,
  WrongKeyError,
} from '../../storage/errors.js'
import {
  PinningServiceAuthError,
  PinningServiceRequestError,
  PinningServiceResponseError,
  PinningServiceUnavailableError,
} from '../../storage/pinning-service-error.js'

const unreachable = new NodeUnreachableError('http://127.0.0.1:1', 'connection refused')
const encoding = { scale: 2, offset: 0 }

/** One instance of every categorised error class, with the category it declares. */
const ERRORS: [AssayError, ErrorCategory][] = [
  // core
  [new ConfigError('PORT', 'not a number'), 'bad-input'],
  [new ArtifactError('build/x.zkey', 'missing'), 'internal'],
  [new ServiceError('redis', 'unreachable'), 'unavailable'],
  [new ValueOutOfRangeError('1e99', encoding), 'bad-input'],
  [new InvalidNumberError('abc'), 'bad-input'],
  [new MappingError('invalid mapping: time: required'), 'bad-input'],
  [new ManifestValidationError([{ path: 'title', message: 'required' }]), 'bad-input'],
  [new SignedBatchError('bad signature', { file: 'feed.jsonl', line: 3 }), 'bad-input'],
  [new SiweError('signature', 'not signed by the address'), 'unauthorised'],
  // server
  [new ValidationError('title: required'), 'bad-input'],
  [new ResponseContractError('GET /health', 'ok: expected boolean'), 'internal'],
  [new UploadTooLargeError(1024), 'too-large'],
  [new TooManyConnectionsError('16 event streams already'), 'rate-limited'],
  [new RateLimitedError(7), 'rate-limited'],
  [new SetupRecordStoreError('CID differs from the anchored digest'), 'internal'],
  [new ManifestMismatchError(3n, 'root'), 'tampered'],
  [new DeviceOwnedError(5n, '0xabc'), 'conflict'],
  [new KeyRequestError('names another dataset'), 'bad-input'],
  [new KeyRequestExpiredError(10n, 20), 'bad-input'],
  [new KeyRequestSignatureError('not the buyer'), 'unauthorised'],
  [new NonceReusedError('0x01'), 'conflict'],
  [new NoAccessError('0xbuyer', 1n), 'forbidden'],
  [new KeyNotHeldError(1n, 'held by another node'), 'not-found'],
  [new SettlementNotFailedError(4n), 'conflict'],
  [new KeyDeliveryTimeoutError(1n, 2n, 1000), 'unavailable'],
  [new OrderRefundedError(1n), 'conflict'],
  [new UnsafeEscrowSetupError('key-transfer-v1', 1), 'conflict'],
  [new OrderNotFoundError(1n), 'not-found'],
  [new BuyerKeyMismatchError(1n, 2n, 3n), 'bad-input'],
  [new NotFoundError('no dataset 9'), 'not-found'],
  [new GatewayRequestError('dag-scope', '"most" is not block, entity or all'), 'bad-input'],
  [new OperatorAuthError('no operator token'), 'unauthorised'],
  [new ForeignRequestError('another origin'), 'forbidden'],
  // pipelines
  [new SourceFormatError('a.csv', 2, 'bad quoting'), 'bad-input'],
  [new ImportRowError({ file: 'a.csv', line: 4, column: 'time', message: 'not a time' }), 'bad-input'],
  [new NoReadingsError('a.csv', 'every value is empty'), 'bad-input'],
  [new MissingColumnError('a.csv', ['temp'], ['time']), 'bad-input'],
  [new ShutdownTimeoutError('closing a worker', 100), 'internal'],
  [new PublicationNotFailedError('pub-1', 'running'), 'conflict'],
  [new PublicationBusyError('pub-1'), 'conflict'],
  [new SignedForOtherSystemError('sensor-stats-b16-v2', 'groth16', 'ultrahonk'), 'bad-input'],
  [new WindowAttachedError(1n, 2n, 3n), 'conflict'],
  [new SettlementTooLateError(4n, 1000n, 300), 'conflict'],
  [new SettlementUnprofitableError(4n, 2n, 10n), 'unavailable'],
  [new SettlementFailedError(4n, { cause: new Error('reverted') }), 'unavailable'],
  [new KeyCommitmentMismatchError(2n), 'tampered'],
  [new DataKeyUnavailableError(2n), 'not-found'],
  [new ProverCrashedError('the prover exited with 137'), 'unavailable'],
  [new BatchVerifierError('the verifier stopped'), 'unavailable'],
  [new DeviceNotRegisteredError('123456789012345', 'kitchen', '0xowner'), 'forbidden'],
  // A wrapper: its cause's category.
  [new PublishError('ingest', { cause: new NoReadingsError('a.csv', 'no values') }), 'bad-input'],
  [new DevelopmentSetupError('sensor-stats-b16', 1), 'conflict'],
  [new StreamBatchError('malformed', 'not JSON'), 'bad-input'],
  [new IngestBusyError('2048 batches in flight'), 'unavailable'],
  [new UnknownStreamError('7'), 'not-found'],
  [new SimulationError('unknown metric'), 'bad-input'],
  [new DatasetNotAnchoredError(9n), 'not-found'],
  [new AnchorMismatchError(3n, 'anchor', 'manifest bafy does not hash to the anchor on chain'), 'tampered'],
  [new MirrorSourceError('http://a:7420', 'bafy', 'connection refused'), 'unavailable'],
  [new IncompleteCarError('bafy', '1 block(s) missing'), 'unavailable'],
  [new MirrorTooLargeError('bafy', 1000), 'too-large'],
  [new DeclaredSizeMismatchError('bafy', 100n, 16_000_000n), 'tampered'],
  // storage
  [new InvalidDataKeyError(16), 'bad-input'],
  [new EnvelopeFormatError('not an envelope'), 'bad-input'],
  [new WrongKeyError(), 'forbidden'],
  [new EnvelopeTamperedError(2, 'authentication failed'), 'tampered'],
  [new TruncatedEnvelopeError('no final chunk'), 'tampered'],
  [new KeyUnwrapError('wrong recipient key'), 'forbidden'],
  [new KeystoreError('k1', 'wrong master key'), 'internal'],
  [new ContentNotFoundError('bafy', 'not available'), 'not-found'],
  [new InvalidPublicKeyError('not on secp256k1'), 'bad-input'],
  [new ContentCorruptedError('bafy', 'bytes do not hash to the CID'), 'tampered'],
  [new ContentTooLargeError('bafy', 2 * 1024 * 1024, 'the provider sent more than a block may have'), 'too-large'],
  [new DagWalkLimitError('bafy', 10_000, 'the walk visited 10000 blocks that added nothing'), 'too-large'],
  [new UndecodableBlockError('bafy', 'dag-json', 'unexpected end of data'), 'bad-input'],
  [new PinningServiceAuthError({ status: 401, reason: 'UNAUTHORIZED' }), 'unauthorised'],
  [new PinningServiceUnavailableError('cannot reach the pinning service'), 'unavailable'],
  [new PinningServiceRequestError('pin bafy', { status: 409, reason: 'INSUFFICIENT_FUNDS' }), 'conflict'],
  [new PinningServiceResponseError('not the spec’s answer'), 'internal'],
  // circuits
  [new BatchOrderError(1, 'starts before batch 0 ends'), 'bad-input'],
  [new BatchRangeMismatchError(1, { lo: 1n, hi: 2n }, { lo: 0n, hi: 2n }), 'bad-input'],
  [new WitnessError('sensor-stats-b16', 'constraint 12 fails'), 'internal'],
  [new SetupRecordMissingError(0), 'not-found'],
  [new InvalidDeviceKeyError([1n, 2n], 'not-on-curve'), 'bad-input'],
  [new CeremonyStateError('finalize before the beacon'), 'conflict'],
  [new SetupRecordMismatchError('vkeyHash', '0x01', '0x02'), 'tampered'],
  [new SetupRecordFormatError('not a setup record'), 'bad-input'],
  [new DeviceKeyFileError('public key does not match'), 'bad-input'],
  [new ManifestProofMismatchError({ series: 0, batch: 1, field: 'count', stated: '5', proven: '4' }, 'count differs'), 'tampered'],
  [new PublicSignalsError('wrong length'), 'tampered'],
  [new BatchInputError('time goes backwards', 3), 'bad-input'],
  [new InvalidKeyError('31 bytes'), 'bad-input'],
  [new KeyTransferError('commitment-mismatch', 'the ciphertext does not open to the committed key'), 'bad-input'],
  [new InvalidBuyerKeyError('small-order', { publicKey: 1n }), 'bad-input'],
  [new ProofBundleError('no batches'), 'tampered'],
  [new BundleVerificationError([{ batch: { series: 0, index: 1 }, problem: 'proof does not verify' }]), 'tampered'],
  [new BatchSequenceError(0, 2, 'batch 2 is missing'), 'tampered'],
  [new CeremonyVerificationError('contribution 2 does not follow', { file: 'c2.zkey' }), 'tampered'],
  [new CrsError('the circuit needs 8192 points; the CRS holds 4096'), 'bad-input'],
  [new NoirWitnessError('assertion failed: reading out of range'), 'bad-input'],
  [new NoirCompileError('sum-range: parse error'), 'internal'],
  [new BbCommandError('bb prove', 'exited 1', 'out of memory'), 'internal'],
  [new BbNotFoundError('no bb in @aztec/bb.js'), 'internal'],
  [new UltraHonkVerifyError('proof', '8736 bytes, 8768 expected'), 'tampered'],
  // contracts
  [new DeploymentError('invalid deployment: chainId'), 'internal'],
  [new ContractError('anchor', 'DeviceNotAuthorised', [1n, '0xpub']), 'conflict'],
  [new MalformedProofError('a flat Groth16 proof has 8 words, not 7'), 'bad-input'],
  [new VerifierCodeMismatchError('SensorStats16BitV3HonkVerifier', '0x01', 'its code differs'), 'tampered'],
  [new EscrowCodeMismatchError('0x01', 'its code differs'), 'tampered'],
  [new VerifierUnavailableError(9, { cause: new Error('timeout') }), 'unavailable'],
  // sdk
  [new VerificationError('root', 'differs from the anchored root'), 'tampered'],
  [new AssayApiError(403, 'NoAccessError', 'no access token'), 'forbidden'],
  [new TarFormatError('no end marker'), 'tampered'],
  [unreachable, 'unavailable'],
  [new ProvidersFailedError('bafy', [{ provider: 'http://127.0.0.1:1', error: unreachable }]), 'unavailable'],
  // cli
  [new PublishCommandError('publication pub-1 failed'), 'internal'],
  [new StreamPushError('2 of 5 batches were refused'), 'bad-input'],
  [new FollowTimeoutError('pub-1', unreachable), 'unavailable'],
  [new CircuitBuildError('sensor-stats-b16', 'circom failed'), 'internal'],
]

/** The status and body the node's error handler answers when a route throws `err`. */
async function served(err: unknown): Promise<{ status: number; body: { error: Record<string, unknown> } }> {
  const app = express()
  app.get('/', () => {
    throw err
  })
  app.use(createErrorHandler(() => {}))
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    return { status: res.status, body: (await res.json()) as { error: Record<string, unknown> } }
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

/** Each error thrown by a publication stage on a real BullMQ queue (Redis): how many attempts it got and why it failed. */
async function throughBullMq(): Promise<Map<number, { attemptsMade: number; failedReason: string }>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'assay-taxonomy-'))
  const redis = await startRedis({ dataDir })
  const connection = { url: redis.url, maxRetriesPerRequest: null }
  const name = `taxonomy-${randomUUID()}`
  const queue = new Queue<{ i: number }>(name, { connection })
  const events = new QueueEvents(name, { connection })
  // The stage worker's own decision (stageFailure), as it throws it from a stage.
  const worker = new Worker<{ i: number }>(
    name,
    (job: Job<{ i: number }>) => {
      throw stageFailure('ingest', ERRORS[job.data.i]![0]).thrown
    },
    { connection, concurrency: 8 },
  )
  try {
    await events.waitUntilReady()
    const failed = new Map<number, { attemptsMade: number; failedReason: string }>()
    const done = new Promise<void>((resolve) =>
      events.on('failed', ({ jobId }) => {
        void queue.getJob(jobId).then((job) => {
          failed.set(job!.data.i, { attemptsMade: job!.attemptsMade, failedReason: job!.failedReason })
          if (failed.size === ERRORS.length) resolve()
        })
      }),
    )
    await queue.addBulk(
      ERRORS.map((_, i) => ({ name: 'ingest', data: { i }, opts: { attempts: 2, backoff: { type: 'fixed', delay: 10 } } })),
    )
    await done
    return failed
  } finally {
    await worker.close()
    await events.close()
    await queue.obliterate({ force: true })
    await queue.close()
    await redis.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

describe('error taxonomy', () => {
  let bullmq: Map<number, { attemptsMade: number; failedReason: string }>
  before(async function () {
    this.timeout(120_000)
    bullmq = await throughBullMq()
  })

  ERRORS.forEach(([err, category], i) => {
    const className = err.constructor.name
    describe(className, () => {
      it(`is named ${className} and declares category ${category}`, () => {
        expect(err.name).to.equal(className)
        expect(err.category).to.equal(category)
        expect(categoryOf(err)).to.equal(category)
        expect(err.retryable).to.equal(ERROR_CATEGORIES[category].retryable)
      })

      it(`is answered over HTTP with status ${ERROR_CATEGORIES[category].status}`, async () => {
        const { status, body } = await served(err)
        expect(status).to.equal(ERROR_CATEGORIES[category].status)
        const { retryable } = ERROR_CATEGORIES[category]
        expect(body).to.deep.equal(
          category === 'internal'
            ? { error: { name: 'InternalError', message: 'internal error', category, retryable } }
            : { error: { name: className, message: err.message, category, retryable } },
        )
      })

      const { jobRetries, exitCode } = ERROR_CATEGORIES[category]
      it(`is ${jobRetries ? 'tried again' : 'failed at once, without another attempt,'} by the publication's BullMQ queue`, () => {
        const { attemptsMade, failedReason } = bullmq.get(i)!
        expect(attemptsMade).to.equal(jobRetries ? 2 : 1)
        expect(failedReason).to.equal(jobRetries ? err.message : `ingest: ${className}: ${err.message}`)
      })

      it(`makes assay print its name and message and exit ${exitCode}`, () => {
        expect(cliFailure(err)).to.deep.equal({ message: `${className}: ${err.message}`, exitCode })
      })
    })
  })

  it('lists every error class of the node, SDK and CLI (web has its own)', () => {
    const declared = ['core', 'server', 'pipelines', 'storage', 'circuits', 'contracts', 'sdk', 'cli'].flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .flatMap((f) => [...readFileSync(`${dir}/${f}`, 'utf8').matchAll(/^export class (\w+) extends AssayError\b/gm)].map((m) => m[1]!)),
    )
    // RemoteError takes its name and category from the process that sent it (serialized-error.test.ts).
    expect(ERRORS.map(([err]) => err.constructor.name).sort()).to.deep.equal(declared.filter((c) => c !== 'RemoteError').sort())
  })

  it('covers every category of the table', () => {
    expect(new Set(ERRORS.map(([, category]) => category))).to.deep.equal(new Set(Object.keys(ERROR_CATEGORIES)))
  })

  it('makes a class that declares no category internal: a 500 that says nothing', async () => {
    class UndeclaredError extends AssayError {
      constructor() {
        super('secret path /home/op/.keys')
        this.name = 'UndeclaredError'
      }
    }
    const err = new UndeclaredError()
    expect(err.category).to.equal('internal')
    expect(err.retryable).to.equal(false)
    expect(await served(err)).to.deep.equal({
      status: 500,
      body: { error: { name: 'InternalError', message: 'internal error', category: 'internal', retryable: false } },
    })
  })

  it('takes what is not an AssayError as internal, even with a category-like field', () => {
    expect(categoryOf(Object.assign(new Error('x'), { category: 'bad-input' }))).to.equal('internal')
    expect(categoryOf('a string')).to.equal('internal')
    expect(categoryOf(undefined)).to.equal('internal')
  })

  it("gives a wrapper the category of what it wraps (PublishError) or of the node's answer (AssayApiError, PublishCommandError)", () => {
    expect(new PublishError('ingest', { cause: new MissingColumnError('a.csv', ['t'], []) }).category).to.equal('bad-input')
    expect(new PublishError('anchor', { cause: new Error('socket hang up') }).category).to.equal('internal')
    expect(new AssayApiError(400, 'ContentCorruptedError', 'x', { category: 'tampered' }).category).to.equal('tampered')
    expect(new AssayApiError(418, 'HttpError', 'x').category).to.equal('internal')
    expect(new AssayApiError(400, 'X', 'x', { category: 'no-such-category' }).category).to.equal('bad-input')
    expect(new PublishCommandError('publication pub-1 failed: ingest: …', { category: 'bad-input' }).category).to.equal('bad-input')
  })

  it("gives a mirror source's refusal and a failed provider list the category of what happened", () => {
    expect(new MirrorSourceError('http://a', 'bafy', 'it answered 404', { status: 404 }).category).to.equal('not-found')
    expect(new MirrorSourceError('http://a', 'bafy', 'it answered 502', { status: 502 }).category).to.equal('unavailable')
    const missing = new AssayApiError(404, 'ContentUnavailable', 'not served')
    const forged = new VerificationError('block', 'bytes do not match')
    expect(
      new ProvidersFailedError('bafy', [
        { provider: 'http://a', error: missing },
        { provider: 'http://b', error: missing },
      ]).category,
    ).to.equal('not-found')
    expect(
      new ProvidersFailedError('bafy', [
        { provider: 'http://a', error: missing },
        { provider: 'http://b', error: forged },
      ]).category,
    ).to.equal('unavailable')
  })

  it('gives a stream rejection its reason: busy is worth sending again, a bad signature is tampered', () => {
    expect(new StreamBatchError('busy', 'verifier full').retryable).to.equal(true)
    expect(new StreamBatchError('bad-signature', 'x').category).to.equal('tampered')
  })

  it("keeps express's own 4xx (body-parser) and names it by category", async () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' })
    tooLarge.name = 'PayloadTooLargeError'
    expect(await served(tooLarge)).to.deep.equal({
      status: 413,
      body: { error: { name: 'PayloadTooLargeError', message: 'request entity too large', category: 'too-large', retryable: false } },
    })
  })

  it('shows the message of an unavailable service but not of another 5xx', async () => {
    expect((await served(new ServiceError('redis', 'unreachable'))).body.error.message).to.equal('redis: unreachable')
    expect((await served(Object.assign(new Error('db at /srv/x broke'), { status: 502 }))).body.error).to.deep.equal({
      name: 'InternalError',
      message: 'internal error',
      category: 'internal',
      retryable: false,
    })
  })
})
