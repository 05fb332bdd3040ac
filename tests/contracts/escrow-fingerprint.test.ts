import { expect } from 'chai'
import { ZeroAddress } from 'ethers'
import { assertCommittedEscrow, EscrowCodeMismatchError, type Deployment } from '../../contracts/index.js'
import { caught } from '../helpers/errors.js'
import { hardhat } from '../helpers/chain.js'
import { deployTypedAssay } from '../helpers/typed-assay.js'

// A buyer pays into a KeyEscrow only when it is the committed contract, wired to the deployment's
// market and registry and to the committed key-transfer verifier: a deployer cannot swap in a
// verifier whose setup it knows, or an escrow that reads anchors elsewhere.
describe('the committed key escrow check (assertCommittedEscrow)', function () {
  this.timeout(120_000)

  async function fixture() {
    const f = await deployTypedAssay()
    const { ethers } = await hardhat()
    const escrow = (market: string, datasets: string, verifier: string) =>
      ethers.deployContract('KeyEscrow', [market, datasets, verifier, 3_600n]).then((c) => c.getAddress())
    return { f, ethers, escrow, provider: f.deployer.provider! }
  }
  const withEscrow = (deployment: Deployment, keyEscrow: string): Deployment => ({
    ...deployment,
    contracts: { ...deployment.contracts, keyEscrow },
  })

  it("accepts the deployment's own escrow: the committed code, its market and registry, the committed verifier", async () => {
    const { f, provider } = await fixture()
    await assertCommittedEscrow(provider, f.deployment)
  })

  it('refuses an escrow whose verifier is not the committed key-transfer verifier (one that accepts anything)', async () => {
    const { f, ethers, escrow, provider } = await fixture()
    const stub = await (await ethers.deployContract('KeyTransferVerifierStub')).getAddress()
    const forged = await escrow(f.deployment.contracts.dataMarket, f.deployment.contracts.datasetRegistry, stub)
    const error = await caught(() => assertCommittedEscrow(provider, withEscrow(f.deployment, forged)))
    expect(error).to.be.instanceOf(EscrowCodeMismatchError)
    expect(error.message).to.include(`its verifier ${stub} is not the committed key-transfer verifier`)
  })

  it('refuses an escrow wired to another market or another registry than the deployment names', async () => {
    const { f, escrow, provider } = await fixture()
    const verifier = f.deployment.contracts.keyTransferVerifier
    const otherMarket = await escrow(f.deployment.contracts.datasetRegistry, f.deployment.contracts.datasetRegistry, verifier)
    const otherRegistry = await escrow(f.deployment.contracts.dataMarket, f.deployment.contracts.dataMarket, verifier)
    const messages = await Promise.all(
      [otherMarket, otherRegistry].map(
        async (a) => (await caught(() => assertCommittedEscrow(provider, withEscrow(f.deployment, a)))).message,
      ),
    )
    expect(messages[0]).to.include("not the deployment's DataMarket")
    expect(messages[1]).to.include("not the deployment's DatasetRegistry")
  })

  it('refuses other code at the address, and an address without code', async () => {
    const { f, provider } = await fixture()
    for (const [address, what] of [
      [f.deployment.contracts.dataMarket, 'its code differs'],
      [ZeroAddress, 'there is no contract there'],
    ] as const) {
      const error = await caught(() => assertCommittedEscrow(provider, withEscrow(f.deployment, address)))
      expect([error.name, error.message]).to.deep.equal([
        'EscrowCodeMismatchError',
        `the key escrow at ${address} is not the committed KeyEscrow: ${what}`,
      ])
    }
  })
})
