import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet } from 'ethers'
import { DEV_MNEMONIC, loadConfig } from '../../core/index.js'
import { startAnvil, type AnvilService } from '../../contracts/node.js'
import { deployCommand } from '../../cli/index.js'
import { caught } from '../helpers/errors.js'

describe('assay deploy', function () {
  this.timeout(120_000)
  let dir: string
  let anvil: AnvilService
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-deploy-'))
    anvil = await startAnvil({ dataDir: join(dir, 'anvil') })
  })
  after(async () => {
    await anvil.stop()
    await rm(dir, { recursive: true, force: true })
  })
  const key = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/5").privateKey
  const options = { network: 'rpc', feeBps: 300, testStablecoin: false, force: false }
  const quiet = (): void => undefined

  it('deploys to RPC_URL with PRIVATE_KEY, saves the addresses, refuses to deploy twice, and --force keeps the old file', async () => {
    const config = loadConfig({ RPC_URL: anvil.rpcUrl, PRIVATE_KEY: key, ASSAY_DATA_DIR: join(dir, 'data') })
    await deployCommand(config, options, quiet)
    const file = join(dir, 'data', 'chain', `deployment-${anvil.chainId}.json`)
    const saved = JSON.parse(await readFile(file, 'utf8')) as { deployer: string; contracts: Record<string, string> }
    expect(saved.deployer).to.equal(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/5").address)
    expect(saved.contracts).to.not.have.property('testStablecoin')
    const again = await caught(() => deployCommand(config, options, quiet))
    expect([again.name, again.message]).to.include('DeploymentError')
    expect(again.message).to.contain('--force')
    await deployCommand(config, { ...options, force: true }, quiet)
    const files = await readdir(join(dir, 'data', 'chain'))
    expect(files.filter((f) => f.endsWith('.bak'))).to.have.length(1)
    expect((JSON.parse(await readFile(file, 'utf8')) as typeof saved).contracts.dataMarket).to.not.equal(saved.contracts.dataMarket)
  })

  it("dry-runs on Hardhat's in-process network and prints the deployment", async () => {
    const lines: string[] = []
    await deployCommand(loadConfig({ ASSAY_DATA_DIR: join(dir, 'dry') }), { ...options, network: 'hardhat' }, (l) => lines.push(l))
    const printed = JSON.parse(lines.at(-1)!) as { chainId: number; contracts: Record<string, string> }
    expect(printed.chainId).to.equal(31337)
    expect(Object.keys(printed.contracts)).to.include.members(['deviceRegistry', 'datasetRegistry', 'dataMarket'])
    expect(existsSync(join(dir, 'dry'))).to.equal(false)
  })

  it('refuses without RPC_URL, or with a fee above 10%, with ConfigError', async () => {
    const embedded = loadConfig({ ASSAY_DATA_DIR: join(dir, 'none') })
    expect((await caught(() => deployCommand(embedded, options, quiet))).name).to.equal('ConfigError')
    expect((await caught(() => deployCommand(embedded, { ...options, feeBps: 1001 }, quiet))).message).to.contain('--fee-bps')
    expect(existsSync(join(dir, 'none'))).to.equal(false)
  })
})
