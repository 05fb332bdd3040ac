import { expect } from 'chai'
import { HDNodeWallet, verifyMessage, Wallet } from 'ethers'
import { buyerKeyFromSeed } from '../../circuits/index.js'
import { DEV_MNEMONIC } from '../../core/index.js'
import { buyerKeyMessage, createAssayClient, deriveBuyerKey } from '../../sdk/index.js'
import { caught } from '../helpers/errors.js'

const account = (n: number): HDNodeWallet => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${n}`)
const deployment = (keyEscrow: string, chainId = 31337) => ({ chainId, contracts: { keyEscrow } })
const ESCROW = '0x5fbdb2315678afecb367f032d93f642f64180aa3'
const OTHER_ESCROW = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'

describe('deriveBuyerKey', () => {
  it('names Assay, the account, the escrow and the chain, and says signing is free and only derives the key', () => {
    const message = buyerKeyMessage({ chainId: 31337, keyEscrow: ESCROW }, account(2).address.toLowerCase())
    expect(message).to.match(/^Assay buyer key\n/)
    expect(message).to.contain(`Account: ${account(2).address}`)
    expect(message).to.contain('Key escrow: 0x5FbDB2315678afecb367f032d93F642f64180aa3')
    expect(message).to.contain('Chain id: 31337')
    expect(message).to.contain('free: it sends no transaction and moves no funds')
    expect(message).to.contain('sign it only in Assay')
  })

  it('derives the same key from the same account, escrow and chain (RFC 6979 signatures), twice', async () => {
    const [a, b] = [await deriveBuyerKey(account(2), deployment(ESCROW)), await deriveBuyerKey(account(2), deployment(ESCROW))]
    expect(a.publicKey).to.equal(b.publicKey)
    expect(a.secret).to.equal(b.secret)
    // Independently: SHA-256 of the personal_sign signature of the documented message is the seed.
    const signature = await account(2).signMessage(buyerKeyMessage({ chainId: 31337, keyEscrow: ESCROW }, account(2).address))
    expect(verifyMessage(buyerKeyMessage({ chainId: 31337, keyEscrow: ESCROW }, account(2).address), signature)).to.equal(
      account(2).address,
    )
    const seed = new Uint8Array(await crypto.subtle.digest('SHA-256', Buffer.from(signature.slice(2), 'hex')))
    expect((await buyerKeyFromSeed(seed)).publicKey).to.equal(a.publicKey)
  })

  it('derives different keys for another account, another escrow and another chain', async () => {
    const keys = await Promise.all([
      deriveBuyerKey(account(2), deployment(ESCROW)),
      deriveBuyerKey(account(3), deployment(ESCROW)),
      deriveBuyerKey(account(2), deployment(OTHER_ESCROW)),
      deriveBuyerKey(account(2), deployment(ESCROW, 1)),
      deriveBuyerKey(Wallet.createRandom(), deployment(ESCROW)),
    ])
    expect(new Set(keys.map((k) => k.publicKey)).size).to.equal(5)
  })
})

describe('openOrder on a chain where the escrow’s setup is a development one', () => {
  it('refuses before asking for any signature or sending anything: anyone could forge the settlement', async () => {
    const client = createAssayClient({
      node: 'http://127.0.0.1:1',
      deployment: { chainId: 1, contracts: { keyEscrow: ESCROW } } as never,
    })
    let asked = 0
    const signer = { getAddress: () => (asked++, Promise.resolve(account(2).address)), signMessage: () => (asked++, Promise.resolve('0x')) }
    const error = await caught(() => client.openOrder(signer as never, 1n))
    expect([error.name, (error as Error & { chainId?: number }).chainId, asked]).to.deep.equal(['UnsafeEscrowSetupError', 1, 0])
    expect(error.message).to.contain('key-transfer-v1 has a development setup')
    const viaBuy = await caught(() => client.buyTrustless(signer as never, 1n))
    expect([viaBuy.name, asked]).to.deep.equal(['UnsafeEscrowSetupError', 0])
  })
})
