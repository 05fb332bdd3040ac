import { expect } from 'chai'
import { ethers } from 'hardhat'
import { loadFixture } from '@nomicfoundation/hardhat-network-helpers'
import type { BaseContract, ContractRunner, ContractTransactionResponse } from 'ethers'

/** The calls these tests make (Hardhat 2 has no typechain here; the ABI module is ESM-only). */
interface Stablecoin extends BaseContract {
  decimals(): Promise<bigint>
  symbol(): Promise<string>
  balanceOf(account: string): Promise<bigint>
  mint(to: string, amount: bigint): Promise<ContractTransactionResponse>
  transfer(to: string, amount: bigint): Promise<ContractTransactionResponse>
  connect(runner: ContractRunner | null): Stablecoin
}

describe('TestStablecoin', () => {
  async function deploy() {
    const [owner, alice, bob] = await ethers.getSigners()
    const token = (await ethers.deployContract('TestStablecoin', [owner!.address])) as unknown as Stablecoin
    return { token, owner: owner!, alice: alice!, bob: bob! }
  }

  it('has 6 decimals and the tUSD symbol', async () => {
    const { token } = await loadFixture(deploy)
    expect(await token.decimals()).to.equal(6n)
    expect(await token.symbol()).to.equal('tUSD')
  })

  it('lets the owner mint and emits Transfer from the zero address', async () => {
    const { token, alice } = await loadFixture(deploy)
    await expect(token.mint(alice.address, 1_000_000n)).to.emit(token, 'Transfer').withArgs(ethers.ZeroAddress, alice.address, 1_000_000n)
    expect(await token.balanceOf(alice.address)).to.equal(1_000_000n)
  })

  it('rejects minting by anyone but the owner with OwnableUnauthorizedAccount(caller)', async () => {
    const { token, alice } = await loadFixture(deploy)
    await expect(token.connect(alice).mint(alice.address, 1n))
      .to.be.revertedWithCustomError(token, 'OwnableUnauthorizedAccount')
      .withArgs(alice.address)
  })

  it('rejects a transfer above the balance with ERC20InsufficientBalance(sender, balance, needed)', async () => {
    const { token, alice, bob } = await loadFixture(deploy)
    await token.mint(alice.address, 5n)
    await expect(token.connect(alice).transfer(bob.address, 6n))
      .to.be.revertedWithCustomError(token, 'ERC20InsufficientBalance')
      .withArgs(alice.address, 5n, 6n)
  })
})
