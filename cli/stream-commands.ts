import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { formatEther, parseEther } from 'ethers'
import { AssayError, ConfigError, type AssayConfig, type SignedBatch } from '../core/index.js'
import { createChainClient } from '../contracts/index.js'
import { createStreamFeed, MAX_BATCHES_PER_REQUEST } from '../pipelines/index.js'
import { AssayApiError, createAssayClient, type StreamCreated, type StreamView } from '../sdk/index.js'
import { downloadDataset } from '../sdk/node.js'
import { readDeviceKeyFile } from './device-command.js'
import { readBuyerKeyFile } from './hex-key-file.js'
import { parseDuration } from './publish-command.js'
import { retryWhenNodeReturns } from './retry-when-node-returns.js'
import { buyerWallet, connectChain } from './wallet.js'

type Io = { out: (s: string) => void; err: (s: string) => void }
const stdio: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }

/** The node refused some of the batches pushed to a stream (the others were kept). */
export class StreamPushError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string) {
    super(message)
    this.name = 'StreamPushError'
  }
}

export const streamView = async (node: string, streamId: string): Promise<StreamView> => createAssayClient({ node }).stream(streamId)

/** `assay stream create`: a stream on the node's account, fed by the given device keys. */
export async function streamCreateCommand(
  o: {
    node: string
    /** The node operator's token: creating a stream is the operator's. */
    operatorToken?: string | undefined
    title: string
    devices: string[]
    window: string
    period?: string
    price: string
    grace?: string
    maxReadings?: number
    circuit?: string
    description?: string
    tags?: string
    json?: boolean
  },
  io: Io = stdio,
): Promise<StreamCreated> {
  if (o.devices.length === 0) throw new ConfigError('--device', 'at least one device key file feeds a stream')
  const deviceIds = await Promise.all(o.devices.map(async (f) => (await readDeviceKeyFile(f)).deviceId.toString()))
  const body = await createAssayClient({ node: o.node, operatorToken: o.operatorToken }).createStream({
    title: o.title,
    description: o.description ?? '',
    tags: (o.tags ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    windowSeconds: Number(parseDuration(o.window)),
    ...(o.period !== undefined ? { periodSeconds: Number(parseDuration(o.period)) } : {}),
    price: parseEther(o.price).toString(),
    ...(o.grace !== undefined ? { graceSeconds: Number(parseDuration(o.grace)) } : {}),
    ...(o.maxReadings !== undefined ? { maxReadings: o.maxReadings } : {}),
    ...(o.circuit !== undefined ? { circuitId: o.circuit } : {}),
    deviceIds,
  })
  if (o.json === true) io.out(JSON.stringify(body))
  else
    io.out(
      `stream ${body.streamId} created (tx ${body.txHash}): windows of ${body.windowLength} s from ${new Date(body.start * 1000).toISOString()}, ` +
        `${body.deviceIds.length} device(s), circuit ${body.circuitId}; next: assay simulate --stream ${body.streamId} --device KEYFILE`,
    )
  return body
}

/** Bytes of batches sent in one request: under the node's 2 MB body limit. */
const REQUEST_BYTES = 1_500_000

/** The lines in requests the node takes: at most MAX_BATCHES_PER_REQUEST batches and REQUEST_BYTES each, with each chunk's first index. */
export function* requestChunks(lines: string[]): Generator<[number, string[]]> {
  let start = 0
  while (start < lines.length) {
    let end = start
    let bytes = 0
    while (
      end < lines.length &&
      end - start < MAX_BATCHES_PER_REQUEST &&
      (end === start || bytes + lines[end]!.length + 1 <= REQUEST_BYTES)
    )
      bytes += lines[end++]!.length + 1
    yield [start, lines.slice(start, end)]
    start = end
  }
}

/** Sends again while the node answers 503 IngestBusyError (it took nothing of the request). */
async function sendWhileBusy<T>(send: () => Promise<T>, attempts = 30): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send()
    } catch (err) {
      if (!(err instanceof AssayApiError && err.errorName === 'IngestBusyError') || attempt === attempts) throw err
      await sleep(Math.min(5000, 250 * attempt))
    }
  }
}

/**
 * Sends signed batches to a stream; one line per refusal. `resent`: these batches were sent before
 * and the connection broke before the answer, so a batch the node calls replayed was taken then.
 */
export async function pushBatches(
  node: string,
  streamId: string,
  lines: string[],
  io: Io,
  o: { resent?: boolean } = {},
): Promise<{ accepted: number; rejected: number }> {
  const client = createAssayClient({ node })
  let accepted = 0
  let rejected = 0
  for (const [i, chunk] of requestChunks(lines)) {
    // 422: some batches were refused; the answer still lists every batch's result.
    const body = await sendWhileBusy(() => client.sendReadings(streamId, chunk.join('\n')))
    body.results.forEach((r, j) => {
      if (r.ok || (o.resent === true && r.reason === 'replayed')) accepted++
      else {
        rejected++
        io.err(`batch ${i + j + 1}: refused, ${r.message}`)
      }
    })
  }
  return { accepted, rejected }
}

/**
 * `assay stream push STREAM FILE`: sends a signed-batch file's batches to a stream (again, once the
 * node is back, if it goes away midway: the batches it took already come back as replayed).
 */
export async function streamPushCommand(
  streamId: string,
  file: string,
  o: { node: string; giveUpAfterMs?: number },
  io: Io = stdio,
): Promise<{ accepted: number; rejected: number }> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '')
  const r = await retryWhenNodeReturns(o.node, (again) => pushBatches(o.node, streamId, lines, io, { resent: again }), {
    io,
    what: `sending the batches of ${file}`,
    ...(o.giveUpAfterMs !== undefined ? { giveUpAfterMs: o.giveUpAfterMs } : {}),
  })
  io.out(`${r.accepted} batch(es) acknowledged by stream ${streamId}${r.rejected > 0 ? `, ${r.rejected} refused` : ''}`)
  if (r.rejected > 0) throw new StreamPushError(`${r.rejected} of ${lines.length} batches were refused (see above); the others were kept`)
  return r
}

/**
 * `assay simulate --stream STREAM`: simulated devices feeding a stream live, one reading per
 * interval, batches sent as they complete, until `duration` has passed (or forever). Batches made
 * while the node is away are sent once it is back.
 */
export async function streamFeedCommand(
  o: {
    node: string
    stream: string
    devices: string[]
    metrics: string
    interval: string
    duration?: string
    seed?: number
    giveUpAfterMs?: number
  },
  io: Io = stdio,
): Promise<{ accepted: number; rejected: number }> {
  if (o.devices.length === 0) throw new ConfigError('--device', 'a live feed needs the device key files of the stream')
  const stream = await streamView(o.node, o.stream)
  const keys = await Promise.all(o.devices.map((f) => readDeviceKeyFile(f)))
  const interval = Number(parseDuration(o.interval))
  const now = Math.floor(Date.now() / 1000)
  const feed = createStreamFeed({
    devices: keys,
    metrics: o.metrics
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    circuitId: stream.circuitId,
    stream: { start: stream.start, windowLength: stream.windowLength },
    interval,
    from: Math.max(stream.start, now),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  })
  const until = o.duration !== undefined ? now + Number(parseDuration(o.duration)) : Infinity
  const total = { accepted: 0, rejected: 0 }
  io.err(
    `feeding stream ${o.stream} from ${keys.length} device(s) every ${interval} s${Number.isFinite(until) ? ` for ${o.duration}` : ' (Ctrl-C stops)'}`,
  )
  for (let t = now; t <= until; t = Math.floor(Date.now() / 1000)) {
    const batches: SignedBatch[] = await feed.batchesUntil(Math.min(t, until))
    if (batches.length > 0) {
      const lines = batches.map((b) => JSON.stringify(b))
      const r = await retryWhenNodeReturns(o.node, (again) => pushBatches(o.node, o.stream, lines, io, { resent: again }), {
        io,
        what: `sending ${lines.length} batch(es)`,
        reachedAlready: true,
        ...(o.giveUpAfterMs !== undefined ? { giveUpAfterMs: o.giveUpAfterMs } : {}),
      })
      total.accepted += r.accepted
      total.rejected += r.rejected
      io.out(
        `${new Date(t * 1000).toISOString()}: ${r.accepted} batch(es) acknowledged (${batches.reduce((n, b) => n + b.times.length, 0)} readings)`,
      )
    }
    await sleep(1000)
  }
  return total
}

/** `assay subscribe STREAM --period 7d`: buys the periods covering `period`, from the open window. */
export async function subscribeCommand(
  streamId: string,
  config: AssayConfig,
  o: { node: string; period: string; devAccount?: number; json?: boolean },
  io: Io = stdio,
): Promise<{ streamId: string; subscriber: string; start: string; end: string; txHash: string; paid: string }> {
  const client = createAssayClient({ node: o.node })
  const chain = await connectChain(config, client)
  try {
    const signer = buyerWallet(config, chain, o.devAccount)
    const market = createChainClient(signer, chain.deployment)
    const terms = await market.streamOf(BigInt(streamId))
    const wanted = parseDuration(o.period)
    const periods = (wanted + terms.period - 1n) / terms.period
    const r = await market.subscribe(BigInt(streamId), periods)
    const result = {
      streamId,
      subscriber: await signer.getAddress(),
      start: r.start.toString(),
      end: r.end.toString(),
      txHash: r.txHash,
      paid: r.amount.toString(),
    }
    if (o.json === true) io.out(JSON.stringify(result))
    else
      io.out(
        `subscribed to stream ${streamId} for ${periods} period(s) (${formatEther(r.amount)} paid, tx ${r.txHash}): windows from ` +
          `${new Date(Number(r.start) * 1000).toISOString()} to ${new Date(Number(r.end) * 1000).toISOString()}`,
      )
    return result
  } finally {
    chain.close()
  }
}

/**
 * `assay stream pull STREAM --out DIR`: downloads, decrypts and verifies every published window
 * the subscriber may read into DIR/window-N (windows already there are skipped). A window bought
 * through the key escrow (`assay subscribe --trustless`) is opened with the key its settlement
 * delivered on chain; others with the key the node releases. A node that goes away midway is
 * waited for; then the pull goes on with the windows not yet here.
 */
export async function streamPullCommand(
  streamId: string,
  config: AssayConfig,
  o: { node: string; out: string; devAccount?: number; buyerKeyFile?: string; json?: boolean; giveUpAfterMs?: number },
  io: Io = stdio,
): Promise<{ pulled: number[]; skipped: number[]; noAccess: number[]; escrowKeys: number[] }> {
  /** escrowKeys: the windows pulled with the key their escrow settlement delivered on chain. */
  const result = { pulled: [] as number[], skipped: [] as number[], noAccess: [] as number[], escrowKeys: [] as number[] }
  const buyerKey = await readBuyerKeyFile(o.buyerKeyFile)
  const pull = async (): Promise<void> => {
    const client = createAssayClient({ node: o.node })
    const chain = await connectChain(config, client)
    try {
      const signer = buyerWallet(config, chain, o.devAccount)
      const subscriber = await signer.getAddress()
      const stream = await streamView(o.node, streamId)
      result.skipped = []
      result.noAccess = []
      for (const w of stream.windows.filter((x) => x.state === 'published' && x.datasetId !== null)) {
        const outDir = join(o.out, `window-${w.index}`)
        if (existsSync(join(outDir, `dataset-${w.datasetId}.tar`))) {
          // Pulled before the node went away: not "already here" when the command started.
          if (!result.pulled.includes(w.index)) result.skipped.push(w.index)
          continue
        }
        if (!(await chain.reader.hasAccess(subscriber, BigInt(w.datasetId!)))) {
          result.noAccess.push(w.index)
          continue
        }
        const key = await client.trustlessKey(signer, BigInt(w.datasetId!), { buyerKey })
        const got = await downloadDataset({
          client,
          chain: chain.reader,
          signer,
          datasetId: BigInt(w.datasetId!),
          ...(key !== undefined ? { key } : {}),
          ...(w.manifestCid !== null ? { manifestCid: w.manifestCid } : {}),
          outDir,
        })
        result.pulled.push(w.index)
        if (key !== undefined) result.escrowKeys.push(w.index)
        if (o.json !== true)
          io.out(`window ${w.index} (dataset ${w.datasetId}): ${got.readings} readings in ${got.batches} batches verified → ${outDir}`)
      }
    } finally {
      chain.close()
    }
  }
  await retryWhenNodeReturns(o.node, pull, {
    io,
    what: `pulling stream ${streamId}`,
    ...(o.giveUpAfterMs !== undefined ? { giveUpAfterMs: o.giveUpAfterMs } : {}),
  })
  if (o.json === true) io.out(JSON.stringify(result))
  else
    io.out(
      `stream ${streamId}: ${result.pulled.length} window(s) pulled (${result.escrowKeys.length} with keys delivered through the escrow), ` +
        `${result.skipped.length} already here, ${result.noAccess.length} outside your subscription`,
    )
  return result
}
