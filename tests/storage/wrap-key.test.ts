import { createECDH } from 'node:crypto'
import { expect } from 'chai'
import { Wallet } from 'ethers'
import { generateDataKey } from '../../storage/index.js'
import { unwrapKey, wrapKey } from '../../storage/node.js'

function keyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const ecdh = createECDH('secp256k1')
  ecdh.generateKeys()
  return { privateKey: new Uint8Array(ecdh.getPrivateKey()), publicKey: new Uint8Array(ecdh.getPublicKey(undefined, 'compressed')) }
}

describe('ECIES key wrapping (secp256k1 → HKDF-SHA256 → AES-256-GCM)', () => {
  const dataKey = generateDataKey()

  it('round-trips a data key to a compressed public key', () => {
    const me = keyPair()
    const wrapped = wrapKey(me.publicKey, dataKey)
    expect(wrapped.length).to.equal(1 + 33 + 12 + 32 + 16)
    expect(unwrapKey(me.privateKey, wrapped)).to.deep.equal(dataKey)
  })

  it("round-trips to an Ethereum wallet's uncompressed public key given as hex", () => {
    const wallet = Wallet.createRandom()
    const wrapped = wrapKey(wallet.signingKey.publicKey, dataKey, { context: 'dataset:7' })
    expect(unwrapKey(wallet.privateKey, wrapped, { context: 'dataset:7' })).to.deep.equal(dataKey)
  })

  it('wraps larger payloads (a key with its batch salts)', () => {
    const me = keyPair()
    const payload = new Uint8Array(32 + 64 * 32).map((_, i) => i % 256)
    expect(unwrapKey(me.privateKey, wrapKey(me.publicKey, payload))).to.deep.equal(payload)
  })

  it('uses a fresh ephemeral key each time', () => {
    const me = keyPair()
    expect(wrapKey(me.publicKey, dataKey)).to.not.deep.equal(wrapKey(me.publicKey, dataKey))
  })

  it('refuses to open for another recipient with KeyUnwrapError', () => {
    const me = keyPair()
    const other = keyPair()
    expect(() => unwrapKey(other.privateKey, wrapKey(me.publicKey, dataKey)))
      .to.throw(Error, 'wrong recipient key')
      .with.property('name', 'KeyUnwrapError')
  })

  it('refuses to open under another context', () => {
    const me = keyPair()
    const wrapped = wrapKey(me.publicKey, dataKey, { context: 'dataset:1' })
    expect(() => unwrapKey(me.privateKey, wrapped, { context: 'dataset:2' }))
      .to.throw(Error)
      .with.property('name', 'KeyUnwrapError')
  })

  it('refuses altered bytes anywhere', () => {
    const me = keyPair()
    const wrapped = wrapKey(me.publicKey, dataKey)
    for (const i of [0, 5, 40, 60, wrapped.length - 1]) {
      const copy = wrapped.slice()
      copy[i]! ^= 0x01
      expect(() => unwrapKey(me.privateKey, copy), `byte ${i}`)
        .to.throw(Error)
        .with.property('name', 'KeyUnwrapError')
    }
    expect(() => unwrapKey(me.privateKey, wrapped.subarray(0, 20))).to.throw(Error, 'too short')
  })

  it('rejects a public key that is not on the curve with InvalidPublicKeyError', () => {
    const bad = new Uint8Array(33)
    bad[0] = 0x02
    bad.fill(0xff, 1)
    expect(() => wrapKey(bad, dataKey))
      .to.throw(Error)
      .with.property('name', 'InvalidPublicKeyError')
  })
})
