import { expect } from 'chai'
import { ContractError } from '../../contracts/index.js'
import { deserializeError, serializeError } from '../../core/index.js'
import {
  AssayApiError,
  KeyDeliveryTimeoutError,
  NodeUnreachableError,
  OrderRefundedError,
  UnsafeEscrowSetupError,
  VerificationError,
} from '../../sdk/index.js'
import { ContentCorruptedError } from '../../storage/index.js'
import { RpcUnknownError } from '../../web/src/app-context.js'
import { describeError } from '../../web/src/describe-error.js'
import { VerifierTaskError } from '../../web/src/run-verifier.js'
import { NoWalletError, WrongNetworkError } from '../../web/src/wallet.js'

// What the web app tells people for each failure (the pages show describeError's title and message).
describe('web app error messages', () => {
  const title = (err: unknown): string => describeError(err).title

  it('says a wallet request was rejected, however the wallet or ethers reports it', () => {
    expect(title(Object.assign(new Error('user rejected action'), { code: 'ACTION_REJECTED' }))).to.equal('Wallet request rejected')
    expect(title(Object.assign(new Error('User rejected the request.'), { code: 4001 }))).to.equal('Wallet request rejected')
    // ethers wraps the wallet's error; the chain client wraps ethers'.
    const wrapped = new ContractError('buy dataset 1', undefined, [], {
      cause: Object.assign(new Error('rejected'), { code: 'ACTION_REJECTED' }),
    })
    expect(describeError(wrapped)).to.deep.equal({
      title: 'Wallet request rejected',
      message: 'You declined the request in your wallet. Nothing was sent or signed.',
    })
  })

  it('names the wrong network and a missing wallet, with their own words', () => {
    expect(describeError(new WrongNetworkError(1, 31337))).to.deep.equal({
      title: 'Wrong network',
      message: "Your wallet is on chain 1; this marketplace's contracts are on chain 31337. Switch networks in your wallet.",
    })
    expect(describeError(new NoWalletError()).title).to.equal('No wallet')
  })

  it('says no access when the node refuses the key, and what the node said otherwise', () => {
    expect(describeError(new AssayApiError(403, 'NoAccessError', 'no access token', { category: 'forbidden' }))).to.deep.equal({
      title: 'No access',
      message: "no access token. This wallet may not do this; for a dataset's key, buy access first.",
    })
    const lost = new NodeUnreachableError('http://x', 'connection refused', { cause: new TypeError('fetch failed') })
    expect(describeError(lost)).to.deep.equal({
      title: 'Node unreachable',
      message: `${lost.message}. Is the node running? Try again in a moment.`,
    })
    expect(describeError(new AssayApiError(400, 'KeyRequestExpiredError', 'expired', { category: 'bad-input' }))).to.deep.equal({
      title: 'Invalid request',
      message: 'expired. Correct it and try again.',
    })
  })

  it('chooses the words by category: the error’s own, the node’s, or the first in the cause chain that has one', () => {
    const cases: [unknown, string][] = [
      [new AssayApiError(400, 'ValidationError', 'title: required', { category: 'bad-input' }), 'Invalid request'],
      [new AssayApiError(401, 'OperatorAuthError', 'no operator session', { category: 'unauthorised' }), 'Operator only'],
      [new AssayApiError(403, 'ForeignRequestError', 'another origin', { category: 'forbidden' }), 'No access'],
      [new AssayApiError(404, 'NotFoundError', 'no dataset 9', { category: 'not-found' }), 'Not found'],
      [new AssayApiError(409, 'NonceReusedError', 'nonce used', { category: 'conflict' }), 'Not possible now'],
      [new AssayApiError(413, 'UploadTooLargeError', 'over 1 GiB', { category: 'too-large' }), 'Too large'],
      [new AssayApiError(429, 'RateLimitedError', 'slow down', { category: 'rate-limited' }), 'Too many requests'],
      [new AssayApiError(422, 'ContentCorruptedError', 'bafy: bytes differ', { category: 'tampered' }), 'Tampered data'],
      [new AssayApiError(503, 'ServiceError', 'redis: unreachable', { category: 'unavailable' }), 'Node unreachable'],
      [new AssayApiError(500, 'InternalError', 'internal error', { category: 'internal' }), 'Internal error'],
      // A node too old to say the category: read from the status.
      [new AssayApiError(403, 'NoAccessError', 'no access token'), 'No access'],
      // Wrapped: the first categorised error in the chain decides.
      [new Error('loading the dataset failed', { cause: new ContentCorruptedError('bafy', 'bytes differ') }), 'Tampered data'],
      [new RpcUnknownError(), 'No RPC URL'],
    ]
    for (const [err, expected] of cases) expect(title(err), String(err)).to.equal(expected)
    expect(describeError(new AssayApiError(429, 'RateLimitedError', 'slow down', { category: 'rate-limited' })).message).to.equal(
      'slow down. Wait a moment, then try again.',
    )
  })

  it('keeps the name and message of what is not an Assay error (the pages’ own messages)', () => {
    expect(describeError(new Error('Choose a file to publish.'))).to.deep.equal({ title: 'Error', message: 'Choose a file to publish.' })
    expect(describeError(Object.assign(new Error('anchor: x'), { name: 'Publication failed' })).title).to.equal('Publication failed')
    expect(describeError('a string')).to.deep.equal({ title: 'Error', message: 'a string' })
  })

  it('gives the web app’s own errors a category', () => {
    expect(new NoWalletError().category).to.equal('unavailable')
    expect(new WrongNetworkError(1, 31337)).to.include({ category: 'conflict', actual: 1, expected: 31337 })
    expect(new RpcUnknownError().category).to.equal('bad-input')
    expect(new VerifierTaskError('VerificationError', 'x', 'tampered').category).to.equal('tampered')
    expect(new VerifierTaskError('WorkerError', 'failed to start').category).to.equal('internal')
  })

  it('calls failed checks tampered data, naming the check, also when they come back from the verifier worker', () => {
    expect(describeError(new VerificationError('batch-commitment', 'series 0 batch 3 differs')).message).to.equal(
      'A check failed, so nothing was trusted or saved: batch-commitment: series 0 batch 3 differs',
    )
    expect(title(new ContentCorruptedError('bafy…', 'block bytes do not match the CID'))).to.equal('Tampered data')
    // The worker posts serializeError(err); the page gets deserializeError's result.
    const fromWorker = deserializeError(serializeError(new VerificationError('manifest-anchor', 'not the anchored manifest')))
    expect(describeError(fromWorker).message).to.equal(
      'A check failed, so nothing was trusted or saved: manifest-anchor: not the anchored manifest',
    )
    expect(title(deserializeError({ name: 'NewCheckError', message: 'x', category: 'tampered' }))).to.equal('Tampered data')
  })

  it('explains an escrow purchase that cannot go on: an unsafe setup, no key in time, a refunded order', () => {
    const unsafe = new UnsafeEscrowSetupError('key-transfer-v1', 1)
    expect(describeError(unsafe)).to.deep.equal({
      title: 'Not possible now',
      message: `${unsafe.message}. Reload to see the current state, then try again.`,
    })
    const late = new KeyDeliveryTimeoutError(7n, 1_900_000_000n, 600_000)
    expect(describeError(late).title).to.equal('Node unreachable')
    expect(describeError(late).message).to.match(
      /^order 7: no key was delivered within 600 s; the seller may still settle until 2030-03-17T/,
    )
    expect(title(new OrderRefundedError(7n))).to.equal('Not possible now')
    // The escrow's revert for changed terms reads as the market's does.
    expect(
      title(new ContractError('open escrow order', 'ListingChanged', [1n, 20n, '0x0000000000000000000000000000000000000000', 0n])),
    ).to.equal('Terms changed')
  })

  it('explains reverted purchases with the contract’s error', () => {
    expect(
      title(new ContractError('buy dataset 1', 'ListingChanged', [1n, 20n, '0x0000000000000000000000000000000000000000', 0n])),
    ).to.equal('Terms changed')
    expect(describeError(new ContractError('buy dataset 1', 'NotListed', [1n]))).to.deep.equal({
      title: 'Not possible now',
      message: 'buy dataset 1 reverted: NotListed(1). Reload to see the current state, then try again.',
    })
    expect(
      title(new ContractError('buy dataset 1', undefined, [], { cause: Object.assign(new Error('x'), { code: 'INSUFFICIENT_FUNDS' }) })),
    ).to.equal('Insufficient funds')
  })
})
