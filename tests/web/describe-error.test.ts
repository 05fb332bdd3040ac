import { expect } from 'chai'
import { ContractError } from '../../contracts/index.js'
import { AssayApiError, NodeUnreachableError, VerificationError } from '../../sdk/index.js'
import { ContentCorruptedError } from '../../storage/index.js'
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

  it('names the wrong network and a missing wallet', () => {
    expect(describeError(new WrongNetworkError(1, 31337)).title).to.equal('Wrong network')
    expect(describeError(new NoWalletError()).title).to.equal('No wallet')
  })

  it('says no access when the node refuses the key, and what the node said otherwise', () => {
    expect(describeError(new AssayApiError(403, 'NoAccessError', 'no access token'))).to.deep.equal({
      title: 'No access',
      message: 'This wallet holds no valid access token for the dataset. Buy access first.',
    })
    expect(describeError(new AssayApiError(0, 'NetworkError', 'cannot reach http://x')).title).to.equal('Node unreachable')
    const lost = new NodeUnreachableError('http://x', 'connection refused', { cause: new TypeError('fetch failed') })
    expect(describeError(lost)).to.deep.equal({ title: 'Node unreachable', message: `${lost.message}. Is the node running?` })
    expect(describeError(new AssayApiError(400, 'KeyRequestExpiredError', 'expired'))).to.deep.equal({
      title: 'KeyRequestExpiredError',
      message: 'expired',
    })
  })

  it('calls failed checks tampered data, naming the check, also when they come back from the verifier worker', () => {
    expect(describeError(new VerificationError('batch-commitment', 'series 0 batch 3 differs')).message).to.equal(
      'A check failed, so nothing was trusted or saved: batch-commitment: series 0 batch 3 differs',
    )
    expect(title(new ContentCorruptedError('bafy…', 'block bytes do not match the CID'))).to.equal('Tampered data')
    expect(title(new VerifierTaskError('VerificationError', 'manifest-anchor: not the anchored manifest'))).to.equal('Tampered data')
  })

  it('explains reverted purchases with the contract’s error', () => {
    expect(
      title(new ContractError('buy dataset 1', 'ListingChanged', [1n, 20n, '0x0000000000000000000000000000000000000000', 0n])),
    ).to.equal('Terms changed')
    expect(describeError(new ContractError('buy dataset 1', 'NotListed', [1n])).message).to.equal('buy dataset 1 reverted: NotListed(1)')
  })
})
