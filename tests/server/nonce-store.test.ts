import { expect } from 'chai'
import { openNonceStore } from '../../server/index.js'

describe('nonce store', () => {
  it('refuses a nonce used twice, and forgets nonces once their requests expired (it does not grow without bound)', () => {
    let clock = 1_000
    const store = openNonceStore(':memory:', { pruneEveryS: 60, now: () => clock })
    expect(store.use('0xAb', '0x01', 1_100)).to.equal(true)
    expect(store.use('0xab', '0x01', 1_100)).to.equal(false)
    for (let i = 0; i < 100; i++) store.use('0xab', `0x${(i + 2).toString(16)}`, 1_030)
    expect(store.size()).to.equal(101)
    clock = 1_070 // the 100 short-lived requests expired; the next use forgets them
    expect(store.use('0xcd', '0x01', 1_200)).to.equal(true)
    expect(store.size()).to.equal(2)
    // A nonce that can still be replayed is kept, and still refused.
    expect(store.use('0xab', '0x01', 1_100)).to.equal(false)
    store.close()
  })
})
