import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { expect } from 'chai'
import { loadConfig } from '../../core/index.js'
import { findFreePort, isProcessAlive } from '../../core/node.js'
import { createEmbeddedHelia } from '../../storage/node.js'
import { startNode } from '../../cli/index.js'
import { caught } from '../helpers/errors.js'
import { readOperatorToken } from '../../cli/index.js'
import { operatorHeaders } from '../helpers/operator.js'

interface Started {
  child: ChildProcess
  output: () => string
  url: string
  anvilPid: number
  redisPid: number
  /** Headers of the operator's requests: /health details are theirs (the token is in the data dir). */
  operator: Record<string, string>
}

/** Runs `assay node` as a user would and waits for its ready line. */
async function runNode(dataDir: string): Promise<Started> {
  const port = await findFreePort()
  const child = spawn(process.execPath, ['bin/assay.js', 'node'], {
    env: { ...process.env, ASSAY_DATA_DIR: dataDir, PORT: String(port), REDIS_URL: '', RPC_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr.on('data', (c: Buffer) => (out += c.toString()))
  const deadline = Date.now() + 60_000
  while (!out.includes('assay node ready')) {
    if (child.exitCode !== null) throw new Error(`assay node exited early:\n${out}`)
    if (Date.now() > deadline) throw new Error(`assay node not ready:\n${out}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  const pid = (re: RegExp): number => Number(re.exec(out)?.[1])
  const token = await readOperatorToken({ dataDir })
  if (token === undefined) throw new Error(`assay node wrote no operator token in ${dataDir}`)
  return {
    child,
    output: () => out,
    operator: operatorHeaders(token),
    url: `http://127.0.0.1:${port}`,
    anvilPid: pid(/anvil at \S+ \(pid (\d+)/),
    redisPid: pid(/redis-server at \S+ \(pid (\d+)/),
  }
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const body = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`)
  return body.result
}

async function receipt(url: string, hash: string): Promise<{ blockNumber: string }> {
  for (let i = 0; i < 100; i++) {
    const r = (await rpc(url, 'eth_getTransactionReceipt', [hash])) as { blockNumber: string } | null
    if (r !== null) return r
    await new Promise((res) => setTimeout(res, 100))
  }
  throw new Error(`no receipt for ${hash}`)
}

describe('assay node (launcher)', function () {
  this.timeout(120_000)
  let dataDir: string
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'assay-node-'))
  })
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  it('starts anvil, Redis and Helia, reports them healthy, and stops all on SIGINT', async () => {
    const node = await runNode(dataDir)
    try {
      expect(node.anvilPid).to.be.greaterThan(0)
      expect(node.redisPid).to.be.greaterThan(0)
      const res = await fetch(`${node.url}/health`, { headers: node.operator })
      expect(res.status).to.equal(200)
      const body = (await res.json()) as {
        ok: boolean
        services: Record<string, { ok: boolean; embedded: boolean; detail: Record<string, unknown> }>
      }
      expect(body.ok).to.equal(true)
      expect(body.services.chain).to.deep.include({ ok: true, embedded: true })
      expect(body.services.chain?.detail.chainId).to.equal(31337)
      expect(body.services.redis).to.deep.include({ ok: true, embedded: true })
      expect(body.services.ipfs?.ok).to.equal(true)
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff')
      expect(res.headers.get('x-powered-by')).to.equal(null)
    } finally {
      node.child.kill('SIGINT')
    }
    const [code] = (await once(node.child, 'exit')) as [number | null]
    expect(code).to.equal(0)
    expect(node.output()).to.contain('stopped cleanly')
    expect(isProcessAlive(node.anvilPid), 'anvil left behind').to.equal(false)
    expect(isProcessAlive(node.redisPid), 'redis-server left behind').to.equal(false)
  })

  it('keeps the chain state across a SIGTERM restart', async () => {
    const first = await runNode(dataDir)
    const rpcUrl = /anvil at (\S+)/.exec(first.output())![1]!
    const [from] = (await rpc(rpcUrl, 'eth_accounts')) as string[]
    const hash = (await rpc(rpcUrl, 'eth_sendTransaction', [
      { from, to: '0x000000000000000000000000000000000000dEaD', value: '0x1' },
    ])) as string
    const blockBefore = Number(BigInt((await receipt(rpcUrl, hash)).blockNumber))
    expect(blockBefore).to.be.greaterThan(0)
    first.child.kill('SIGTERM')
    await once(first.child, 'exit')
    expect(isProcessAlive(first.anvilPid)).to.equal(false)

    const second = await runNode(dataDir)
    try {
      const health = (await (await fetch(`${second.url}/health`, { headers: second.operator })).json()) as {
        services: { chain: { detail: { blockNumber: number } } }
      }
      expect(health.services.chain.detail.blockNumber).to.equal(blockBefore)
      const rpcUrl2 = /anvil at (\S+)/.exec(second.output())![1]!
      expect(await rpc(rpcUrl2, 'eth_getBalance', ['0x000000000000000000000000000000000000dEaD', 'latest'])).to.equal('0x1')
    } finally {
      second.child.kill('SIGTERM')
      await once(second.child, 'exit')
    }
  })

  it('stops what it already started when a later service fails, and says why', async () => {
    const blocker = await createEmbeddedHelia({ dataDir }) // holds the IPFS store lock
    const lines: string[] = []
    try {
      const error = await caught(() => startNode({ ...loadConfig({ ASSAY_DATA_DIR: dataDir }), port: 0 }, (l) => lines.push(l)))
      expect(error).to.have.property('name', 'ServiceError')
      expect(error.message).to.contain('helia')
      const anvilPid = Number(/anvil at \S+ \(pid (\d+)/.exec(lines.join('\n'))?.[1])
      const redisPid = Number(/redis-server at \S+ \(pid (\d+)/.exec(lines.join('\n'))?.[1])
      expect(anvilPid).to.be.greaterThan(0)
      expect(isProcessAlive(anvilPid), 'anvil left behind').to.equal(false)
      expect(isProcessAlive(redisPid), 'redis-server left behind').to.equal(false)
    } finally {
      await blocker.stop()
    }
  })

  it('holds its PORT from the start: a taken port fails at once, naming it, before any service starts', async () => {
    const taken = createServer()
    taken.listen(0, '127.0.0.1')
    await once(taken, 'listening')
    const port = (taken.address() as AddressInfo).port
    const lines: string[] = []
    try {
      const error = await caught(() => startNode({ ...loadConfig({ ASSAY_DATA_DIR: dataDir }), port }, (l) => lines.push(l)))
      expect(error).to.have.property('name', 'ServiceError')
      expect(error.message).to.contain(`cannot listen on 127.0.0.1:${port}`).and.contain('set PORT to a free port')
      // Nothing was started, so nothing is left to stop.
      expect(lines.filter((l) => /^(chain|redis|ipfs):/.test(l))).to.deep.equal([])
    } finally {
      taken.close()
    }
  })

  it('dials IPFS_PEERS at start and fetches content from them', async () => {
    const peerDir = await mkdtemp(join(tmpdir(), 'assay-peer-'))
    const peer = await createEmbeddedHelia({ dataDir: peerDir })
    const lines: string[] = []
    try {
      const { createContentStore } = await import('../../storage/node.js')
      const key = new Uint8Array(32).fill(7)
      const { cid } = await createContentStore({ helia: peer.helia }).addStream([new TextEncoder().encode('held by the peer')], key)
      const config = { ...loadConfig({ ASSAY_DATA_DIR: dataDir }), port: 0, ipfsPeers: [peer.helia.libp2p.getMultiaddrs()[0]!.toString()] }
      const node = await startNode(config, (l) => lines.push(l))
      try {
        const health = await node.checkHealth()
        expect(health.services.ipfs?.detail.peers).to.include(peer.helia.libp2p.peerId.toString())
        const parts: Uint8Array[] = []
        for await (const p of node.contentStore.cat(cid, key)) parts.push(p)
        expect(Buffer.concat(parts).toString()).to.equal('held by the peer')
        expect(lines.join('\n')).to.contain('keystore: ')
        await node.keystore.put('dataset:1', key)
        expect(await node.keystore.get('dataset:1')).to.deep.equal(key)
      } finally {
        await node.stop()
      }
    } finally {
      await peer.stop()
      await rm(peerDir, { recursive: true, force: true })
    }
  })

  it('exits 2 (bad input) with a message naming the variable when the config is bad', async () => {
    const child = spawn(process.execPath, ['bin/assay.js', 'node'], {
      env: { ...process.env, PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let err = ''
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    const [code] = (await once(child, 'exit')) as [number | null]
    expect(code).to.equal(2)
    expect(err).to.match(/ConfigError: PORT: /)
  })
})
