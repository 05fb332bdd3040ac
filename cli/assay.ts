// The `assay` command. First import: the polyfill libp2p needs on Node 20.
import '../core/polyfill.js'
import { Command } from 'commander'
import { loadConfig } from '../core/index.js'
import { cliFailure } from './cli-failure.js'
import { parseDuration, startNode } from './index.js'
import { readOperatorToken } from './operator-token.js'

/** `--wait-for-node`: how long a command waits for a node that went away while it was talking to it. */
const WAIT_FOR_NODE = [
  '--wait-for-node <duration>',
  'when the node goes away midway, wait this long for it to come back: 10m, 90s',
  '10m',
] as const
const giveUpAfterMs = (opts: { waitForNode?: string | string[] | boolean }): { giveUpAfterMs: number } => ({
  giveUpAfterMs: Number(parseDuration(typeof opts.waitForNode === 'string' ? opts.waitForNode : '10m', '--wait-for-node')) * 1000,
})

const program = new Command()
program.name('assay').description('Verifiable marketplace for sensor data').version('0.1.0')

program
  .command('node')
  .description('start a node on embedded defaults: anvil chain, Redis, Helia, HTTP API and web UI (env overrides: see docs/operations.md)')
  .action(async () => {
    const config = loadConfig()
    const node = await startNode(config)
    console.log(`assay node ready at ${node.url}`)
    let signals = 0
    const shutdown = (signal: string): void => {
      signals += 1
      if (signals > 1) {
        console.log('forced exit')
        process.exit(130)
      }
      console.log(`${signal}: stopping services…`)
      node.stop().then(
        () => {
          console.log('stopped cleanly')
          process.exit(0)
        },
        (err: unknown) => {
          console.error(err)
          process.exit(1)
        },
      )
    }
    process.on('SIGINT', () => shutdown('SIGINT'))
    process.on('SIGTERM', () => shutdown('SIGTERM'))
  })

program
  .command('deploy')
  .description("deploy Assay's contracts: to RPC_URL with PRIVATE_KEY, or to Hardhat's in-process network as a dry run")
  .option('--network <name>', '`rpc` (RPC_URL + PRIVATE_KEY) or `hardhat` (in-process, nothing is kept)', 'rpc')
  .option('--fee-bps <n>', 'protocol fee in basis points', '250')
  .option('--treasury <address>', 'receives protocol fees (default: the deployer)')
  .option('--test-stablecoin', 'also deploy the development stablecoin tUSD')
  .option('--force', 'deploy again even if a deployment for this chain is saved')
  .action(async (opts: { network: string; feeBps: string; treasury?: string; testStablecoin?: boolean; force?: boolean }) => {
    const { deployCommand } = await import('./deploy-command.js')
    await deployCommand(loadConfig(), {
      network: opts.network,
      feeBps: Number(opts.feeBps),
      treasury: opts.treasury,
      testStablecoin: opts.testStablecoin === true,
      force: opts.force === true,
    })
  })

program
  .command('map')
  .description('infer a mapping (timestamp, device, metrics, units, missing tokens) for a CSV or NDJSON file, to edit before publishing')
  .argument('<file>', 'the sensor file')
  .option('--out <mapping.json>', 'write the mapping to a file instead of standard output')
  .action(async (file: string, opts: { out?: string }) => {
    const { mapCommand } = await import('./map-command.js')
    await mapCommand(file, opts)
  })

program
  .command('publish')
  .description('publish a sensor file through a running node: import, prove, encrypt, store, score, anchor and list, with progress')
  .argument('<file>', 'CSV or NDJSON file')
  .option('--map <mapping.json>', 'the mapping (default: the node infers one; see `assay map`)')
  .requiredOption('--title <title>', 'title of the dataset')
  .option('--description <text>', 'description')
  .option('--licence <spdx>', 'licence', 'CC-BY-4.0')
  .option('--tags <a,b>', 'comma-separated tags')
  .option('--price <amount>', 'price in whole units of the payment token (ether for the native coin); omit to publish unlisted')
  .option('--token <address>', 'ERC-20 to be paid in (default: the native coin)')
  .option('--decimals <n>', "the payment token's decimals", '18')
  .option('--period <duration>', 'access period per purchase: 7d, 24h, 3600 (default: perpetual)')
  .option(
    '--prover <system>',
    "groth16 or honk (UltraHonk: faster proving, larger proofs; see docs/honk-backend.md); default: the node's ASSAY_PROVER",
  )
  .option('--node <url>', 'the node to publish through (default: http://127.0.0.1:$PORT)')
  .option('--json', 'print {datasetId, manifestCid, root, txHash, stats, quality} at the end')
  .option(...WAIT_FOR_NODE)
  .action(async (file: string, opts: Record<string, string | boolean | undefined>) => {
    const { publishCommand } = await import('./publish-command.js')
    const config = loadConfig()
    await publishCommand(file, {
      node: (opts.node as string | undefined) ?? `http://${config.host}:${config.port}`,
      operatorToken: await readOperatorToken(config),
      title: opts.title as string,
      ...(opts.map !== undefined ? { map: opts.map as string } : {}),
      ...(opts.description !== undefined ? { description: opts.description as string } : {}),
      licence: opts.licence as string,
      ...(opts.tags !== undefined ? { tags: opts.tags as string } : {}),
      ...(opts.price !== undefined ? { price: opts.price as string } : {}),
      ...(opts.token !== undefined ? { token: opts.token as string } : {}),
      decimals: Number(opts.decimals),
      ...(opts.period !== undefined ? { period: opts.period as string } : {}),
      ...(opts.prover !== undefined ? { prover: opts.prover as string } : {}),
      json: opts.json === true,
      ...giveUpAfterMs(opts),
    })
  })

program
  .command('retry')
  .description('publish a failed publication again once its cause is fixed (it goes on from where it stopped), with progress')
  .argument('<job>', 'the publication job id (`assay publish` prints it)')
  .option('--node <url>', 'the node that ran it (default: http://127.0.0.1:$PORT)')
  .option('--json', 'print {datasetId, manifestCid, root, txHash, stats, quality} at the end')
  .option(...WAIT_FOR_NODE)
  .action(async (job: string, opts: { node?: string; json?: boolean; waitForNode?: string }) => {
    const { retryCommand } = await import('./publish-command.js')
    const config = loadConfig()
    await retryCommand(job, {
      node: opts.node ?? `http://${config.host}:${config.port}`,
      operatorToken: await readOperatorToken(config),
      json: opts.json === true,
      ...giveUpAfterMs(opts),
    })
  })

program
  .command('status')
  .description('where a publication stands; with --follow, follow it until it is listed (e.g. after the node restarted)')
  .argument('<job>', 'the publication job id (`assay publish` prints it)')
  .option('--follow', 'follow its progress until it is listed or fails, as `assay publish` does')
  .option('--node <url>', 'the node that runs it (default: http://127.0.0.1:$PORT)')
  .option('--json', "print the node's status as JSON (with --follow: the published dataset at the end)")
  .option(...WAIT_FOR_NODE)
  .action(async (job: string, opts: { follow?: boolean; node?: string; json?: boolean; waitForNode?: string }) => {
    const { statusCommand } = await import('./status-command.js')
    const status = await statusCommand(job, {
      node: nodeUrl(opts),
      operatorToken: await readOperatorToken(loadConfig()),
      follow: opts.follow === true,
      json: opts.json === true,
      ...giveUpAfterMs(opts),
    })
    if (status.failedReason !== undefined) process.exitCode = 1
  })

program
  .command('worker')
  .description(
    'run batch provers only (sandboxed child processes) for the node whose Redis is REDIS_URL; start on other machines to prove faster',
  )
  .option('--concurrency <n>', 'prover processes', '1')
  .action(async (opts: { concurrency: string }) => {
    const { workerCommand } = await import('./worker-command.js')
    workerCommand(loadConfig(), { concurrency: Number(opts.concurrency) })
  })

const device = program.command('device').description("a sensor's signing key: create one, register it on-chain")
device
  .command('create')
  .description('create a BabyJub device key file (private: it signs the batches of one sensor)')
  .option('--out <file>', 'where to write the key', 'device.key.json')
  .option('--label <name>', 'a name for the device, shown in manifests')
  .option('--json', 'print {file, deviceId, publicKey}')
  .action(async (opts: { out: string; label?: string; json?: boolean }) => {
    const { deviceCreateCommand } = await import('./device-command.js')
    await deviceCreateCommand({ out: opts.out, ...(opts.label !== undefined ? { label: opts.label } : {}), json: opts.json === true })
  })
device
  .command('register')
  .description("register a device's public key on-chain to the node's account (the key file stays here)")
  .argument('<keyfile>', 'a file from `assay device create`')
  .option('--label <name>', "the device's name on-chain (default: the key file's label)")
  .option('--node <url>', 'the node (default: http://127.0.0.1:$PORT)')
  .option('--json', 'print {deviceId, owner, txHash, alreadyRegistered}')
  .action(async (keyFile: string, opts: { label?: string; node?: string; json?: boolean }) => {
    const { deviceRegisterCommand } = await import('./device-command.js')
    const config = loadConfig()
    await deviceRegisterCommand(keyFile, {
      node: opts.node ?? `http://${config.host}:${config.port}`,
      operatorToken: await readOperatorToken(config),
      ...(opts.label !== undefined ? { label: opts.label } : {}),
      json: opts.json === true,
    })
  })

const nodeUrl = (opts: { node?: string }): string => {
  const config = loadConfig()
  return opts.node ?? `http://${config.host}:${config.port}`
}
const devAccount = (opts: { devAccount?: string }): { devAccount?: number } =>
  opts.devAccount !== undefined ? { devAccount: Number(opts.devAccount) } : {}

program
  .command('simulate')
  .description(
    'write realistic readings of simulated sensors (daily cycle, noise, gaps, stuck values), signed per batch by each device key',
  )
  .option('--out <file>', 'the signed-batch file to write', 'simulated.ndjson')
  .option('--device <keyfile...>', 'device key files (default: a new key next to --out)')
  .option('--metrics <a,b>', 'temperature, humidity, co2, pm25, pressure', 'temperature,humidity')
  .option('--duration <d>', 'how long the devices record: 2d, 12h, seconds', '2d')
  .option('--readings <n>', 'readings per series (instead of --duration)')
  .option('--interval <d>', 'sampling interval: 60, 5m, 1h', '60')
  .option('--start <iso>', 'first reading (default: so that the last reading is now)')
  .option('--seed <n>', 'seed of the values, for a repeatable file (salts stay random)')
  .option('--circuit <id>', 'the SensorStats circuit the batches are signed for')
  .option('--stream <id>', 'feed this stream live instead of writing a file (batches sent as they complete)')
  .option('--node <url>', 'the node running the stream (default: http://127.0.0.1:$PORT)')
  .option(...WAIT_FOR_NODE)
  .action(async (opts: Record<string, string | string[] | undefined>) => {
    if (opts.stream !== undefined) {
      const { streamFeedCommand } = await import('./stream-commands.js')
      await streamFeedCommand({
        node: nodeUrl(opts),
        stream: opts.stream as string,
        devices: (opts.device as string[] | undefined) ?? [],
        metrics: opts.metrics as string,
        interval: opts.interval as string,
        ...(opts.duration !== '2d' && opts.duration !== undefined ? { duration: opts.duration as string } : {}),
        ...(opts.seed !== undefined ? { seed: Number(opts.seed) } : {}),
        ...giveUpAfterMs(opts),
      })
      return
    }
    const { simulateCommand } = await import('./simulate-command.js')
    await simulateCommand({
      out: opts.out as string,
      devices: (opts.device as string[] | undefined) ?? [],
      metrics: opts.metrics as string,
      duration: opts.duration as string,
      ...(opts.readings !== undefined ? { readings: Number(opts.readings) } : {}),
      interval: opts.interval as string,
      ...(opts.start !== undefined ? { start: opts.start as string } : {}),
      ...(opts.seed !== undefined ? { seed: Number(opts.seed) } : {}),
      ...(opts.circuit !== undefined ? { circuit: opts.circuit as string } : {}),
    })
  })

program
  .command('list')
  .description("search the node's catalog")
  .option('--query <words>', 'full-text search over title, description, tags and metrics')
  .option('--metric <name>', 'only datasets with this metric')
  .option('--min-quality <n>', 'only datasets scoring at least n (0–100)')
  .option('--limit <n>', 'at most n results', '20')
  .option('--node <url>', 'the node (default: http://127.0.0.1:$PORT)')
  .option('--json', 'print the result as JSON')
  .action(async (opts: Record<string, string | boolean | undefined>) => {
    const { listCommand } = await import('./catalog-commands.js')
    await listCommand({
      node: nodeUrl(opts),
      ...(opts.query !== undefined ? { query: opts.query as string } : {}),
      ...(opts.metric !== undefined ? { metric: opts.metric as string } : {}),
      ...(opts.minQuality !== undefined ? { minQuality: opts.minQuality as string } : {}),
      limit: opts.limit as string,
      json: opts.json === true,
    })
  })

program
  .command('show')
  .description("one dataset: manifest, statistics, quality, listing, and the node's proof check")
  .argument('<id>', 'dataset id')
  .option('--node <url>', 'the node (default: http://127.0.0.1:$PORT)')
  .option('--json', 'print the dataset page as JSON')
  .action(async (id: string, opts: { node?: string; json?: boolean }) => {
    const { showCommand } = await import('./catalog-commands.js')
    await showCommand(id, { node: nodeUrl(opts), json: opts.json === true })
  })

program
  .command('buy')
  .description('buy access to a dataset with your wallet (PRIVATE_KEY, or --dev-account N on the local chain)')
  .argument('<id>', 'dataset id')
  .option('--trustless', 'pay into the key escrow: the seller is paid only by settling with the key encrypted to you and a proof')
  .option('--timeout <duration>', 'with --trustless: how long to wait for the settlement: 10m, 90s', '10m')
  .option('--buyer-key-file <file>', 'with --trustless: a 32-byte hex buyer key seed instead of the key your wallet signature derives')
  .option('--dev-account <n>', "use anvil's test account n (local development chain only)")
  .option('--node <url>', 'the node (default: http://127.0.0.1:$PORT)')
  .option(
    '--json',
    'print {datasetId, buyer, txHash, price, expiresAt} (--trustless: {…, orderId, openTx, settleTx, deadline, keyCommitment})',
  )
  .action(
    async (
      id: string,
      opts: { trustless?: boolean; timeout: string; buyerKeyFile?: string; node?: string; devAccount?: string; json?: boolean },
    ) => {
      if (opts.trustless === true) {
        const { buyTrustlessCommand } = await import('./buy-trustless-command.js')
        await buyTrustlessCommand(id, loadConfig(), {
          node: nodeUrl(opts),
          ...devAccount(opts),
          ...(opts.buyerKeyFile !== undefined ? { buyerKeyFile: opts.buyerKeyFile } : {}),
          timeoutS: Number(parseDuration(opts.timeout, '--timeout')),
          json: opts.json === true,
        })
        return
      }
      const { buyCommand } = await import('./buy-command.js')
      await buyCommand(id, loadConfig(), { node: nodeUrl(opts), ...devAccount(opts), json: opts.json === true })
    },
  )

program
  .command('refund')
  .description(
    'pay an unsettled escrow order (assay buy --trustless) back to its buyer, from its deadline on; for a stream order (assay subscribe --trustless), its undelivered windows',
  )
  .argument('<order>', 'the order id `assay buy --trustless` or `assay subscribe --trustless` printed')
  .option('--windows <A:B>', 'a stream order: refund windows A to B-1 (A: to the end, A alone; default: all)')
  .option('--dev-account <n>', "use anvil's test account n (local development chain only)")
  .option(
    '--node <url>',
    'the node whose deployment to use, unless RPC_URL and a saved deployment are set (default: http://127.0.0.1:$PORT)',
  )
  .option('--json', 'print {orderId, buyer, price, txHash}')
  .action(async (order: string, opts: { node?: string; devAccount?: string; windows?: string; json?: boolean }) => {
    const { refundCommand } = await import('./refund-command.js')
    await refundCommand(order, loadConfig(), {
      node: nodeUrl(opts),
      ...devAccount(opts),
      ...(opts.windows !== undefined ? { windows: opts.windows } : {}),
      json: opts.json === true,
    })
  })

program
  .command('settle')
  .description("settle a buyer's escrow order by hand from the data key (a seller whose node is offline): encrypt, prove, settle")
  .argument('<order>', 'the order id (KeyEscrow OrderOpened)')
  .requiredOption('--key-file <file>', "the dataset's 32-byte data key as hex")
  .option('--window <n>', "a stream order (assay subscribe --trustless): settle this window, with the window dataset's key")
  .option('--dev-account <n>', "use anvil's test account n (local development chain only; else PRIVATE_KEY)")
  .option(
    '--node <url>',
    'a node whose deployment to use, unless RPC_URL and a saved deployment (ASSAY_DEPLOYMENT or the data dir) are set (default: http://127.0.0.1:$PORT)',
  )
  .option('--json', 'print {orderId, datasetId, buyer, outcome, txHash}')
  .action(async (order: string, opts: { keyFile: string; window?: string; node?: string; devAccount?: string; json?: boolean }) => {
    const { settleCommand } = await import('./settle-command.js')
    await settleCommand(order, loadConfig(), {
      node: nodeUrl(opts),
      keyFile: opts.keyFile,
      ...(opts.window !== undefined ? { window: opts.window } : {}),
      ...devAccount(opts),
      json: opts.json === true,
    })
  })

program
  .command('download')
  .description('get the key (from your escrow settlement on chain, else from the node), download, decrypt, and re-verify every commitment')
  .argument('<id>', 'dataset id')
  .requiredOption('--out <dir>', 'where to write the decrypted files')
  .option('--dev-account <n>', "use anvil's test account n (local development chain only)")
  .option('--buyer-key-file <file>', 'the buyer key seed a trustless purchase was made with (default: derived from your wallet)')
  .option('--node <url>', 'the node (default: http://127.0.0.1:$PORT)')
  .option('--json', 'print what was written')
  .option(...WAIT_FOR_NODE)
  .action(
    async (
      id: string,
      opts: { out: string; buyerKeyFile?: string; node?: string; devAccount?: string; json?: boolean; waitForNode?: string },
    ) => {
      const { downloadCommand } = await import('./download-command.js')
      await downloadCommand(id, loadConfig(), {
        node: nodeUrl(opts),
        out: opts.out,
        ...devAccount(opts),
        ...(opts.buyerKeyFile !== undefined ? { buyerKeyFile: opts.buyerKeyFile } : {}),
        json: opts.json === true,
        ...giveUpAfterMs(opts),
      })
    },
  )

program
  .command('mirror')
  .description(
    'copy an anchored dataset (or --all) onto your node from another node or trustless gateway: every block checked, the manifest against its anchor, then pinned and listed as a provider',
  )
  .argument('[id]', 'dataset id')
  .requiredOption('--from <url>', 'the Assay node or trustless gateway to fetch from')
  .option('--all', 'every dataset your node’s catalog knows, instead of one')
  .option('--node <url>', 'your node, which fetches and keeps the copy (default: http://127.0.0.1:$PORT)')
  .option('--json', 'print the report {from, datasets: [{datasetId, outcome, fetched, held, blocks, bytes, error?}]}')
  .action(async (id: string | undefined, opts: { from: string; all?: boolean; node?: string; json?: boolean }) => {
    const { mirrorCommand } = await import('./mirror-command.js')
    const report = await mirrorCommand(id, {
      node: nodeUrl(opts),
      operatorToken: await readOperatorToken(loadConfig()),
      from: opts.from,
      all: opts.all === true,
      json: opts.json === true,
    })
    if (report.datasets.some((d) => d.outcome === 'failed')) process.exitCode = 1
  })

program
  .command('verify')
  .description(
    'audit a dataset from the chain and IPFS alone: anchor, manifest, content, proofs, stats, on-chain verifier, devices, quality',
  )
  .argument('<id>', 'dataset id')
  .option('--plaintext <dir>', 'a decrypted copy (from `assay download`): rebuild every commitment from it too')
  .option('--node <url>', 'the node to use as an IPFS gateway (default: http://127.0.0.1:$PORT)')
  .option('--json', 'print the report as JSON')
  .option(
    '--setup <dir>',
    "also check the circuit's setup end to end against this ceremony directory (slow: every contribution is verified)",
  )
  .option('--ptau <file>', 'with --setup: the powers of tau, if not at the path the ceremony recorded')
  .action(async (id: string, opts: { plaintext?: string; node?: string; json?: boolean; setup?: string; ptau?: string }) => {
    const { verifyCommand } = await import('./verify-command.js')
    const report = await verifyCommand(id, loadConfig(), {
      node: nodeUrl(opts),
      ...(opts.plaintext !== undefined ? { plaintext: opts.plaintext } : {}),
      ...(opts.setup !== undefined ? { setup: opts.setup } : {}),
      ...(opts.ptau !== undefined ? { ptau: opts.ptau } : {}),
      json: opts.json === true,
    })
    if (!report.ok) process.exitCode = 1
  })

program
  .command('export')
  .description(
    "write a dataset's blocks as one CAR (manifest and everything it names, each block checked) with its Filecoin piece CID, for a storage deal",
  )
  .argument('<id>', 'dataset id')
  .option('--car', 'write a CARv1 (the one format so far)')
  .option('--out <file>', 'where to write it (default: dataset-<id>.car)')
  .option('--node <url>', 'the node to read the blocks from, as a gateway (default: http://127.0.0.1:$PORT)')
  .option('--json', 'print {datasetId, file, root, blocks, payloadSize, pieceCid, pieceCidV2, pieceSize}')
  .action(async (id: string, opts: { car?: boolean; out?: string; node?: string; json?: boolean }) => {
    const { exportCommand } = await import('./export-command.js')
    await exportCommand(id, loadConfig(), {
      node: nodeUrl(opts),
      car: opts.car === true,
      ...(opts.out !== undefined ? { out: opts.out } : {}),
      json: opts.json === true,
    })
  })

const stream = program.command('stream').description('live data streams: create one, push batches, pull the windows you subscribed to')
stream
  .command('create')
  .description("a stream on the node's account: windows of fixed length, each published as a dataset, sold by subscription")
  .requiredOption('--title <text>', 'what the stream is')
  .requiredOption('--device <keyfile...>', 'key files of the devices feeding it (registered with assay device register)')
  .option('--window <d>', 'window length: 1h, 1d, seconds', '1h')
  .option('--period <d>', 'access one purchase buys, a whole number of windows (default: 1 day or the window)')
  .option('--price <eth>', 'price per period', '0.01')
  .option('--grace <d>', 'how long after its end a window still takes late batches', '60')
  .option('--max-readings <n>', 'close a window early at this many readings')
  .option('--circuit <id>', 'the SensorStats circuit the devices sign for')
  .option('--description <text>', 'longer description')
  .option('--tags <a,b>', 'comma-separated tags')
  .option('--node <url>', 'the node (default: http://127.0.0.1:$PORT)')
  .option('--json', 'print the stream as JSON')
  .action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
    const { streamCreateCommand } = await import('./stream-commands.js')
    const window = opts.window as string
    await streamCreateCommand({
      node: nodeUrl(opts),
      operatorToken: await readOperatorToken(loadConfig()),
      title: opts.title as string,
      devices: opts.device as string[],
      window,
      period:
        (opts.period as string | undefined) ??
        (Number(parseDuration(window)) <= 86_400 && 86_400 % Number(parseDuration(window)) === 0 ? '1d' : window),
      price: opts.price as string,
      grace: opts.grace as string,
      ...(opts.maxReadings !== undefined ? { maxReadings: Number(opts.maxReadings) } : {}),
      ...(opts.circuit !== undefined ? { circuit: opts.circuit as string } : {}),
      ...(opts.description !== undefined ? { description: opts.description as string } : {}),
      ...(opts.tags !== undefined ? { tags: opts.tags as string } : {}),
      json: opts.json === true,
    })
  })
stream
  .command('push')
  .description("send a signed-batch file's batches to a stream (each acknowledged once stored)")
  .argument('<stream>', 'stream id')
  .argument('<file>', 'signed-batch NDJSON (assay simulate, or your devices)')
  .option('--node <url>', 'the node (default: http://127.0.0.1:$PORT)')
  .option(...WAIT_FOR_NODE)
  .action(async (id: string, file: string, opts: { node?: string; waitForNode?: string }) => {
    const { streamPushCommand } = await import('./stream-commands.js')
    await streamPushCommand(id, file, { node: nodeUrl(opts), ...giveUpAfterMs(opts) })
  })
stream
  .command('pull')
  .description('download, decrypt and verify every published window your subscription covers')
  .argument('<stream>', 'stream id')
  .requiredOption('--out <dir>', 'folder for window-N subfolders')
  .option('--node <url>', 'the node (default: http://127.0.0.1:$PORT)')
  .option('--dev-account <n>', "use anvil's test account n (development chain only; else PRIVATE_KEY)")
  .option('--buyer-key-file <file>', 'the buyer key seed a trustless subscription was opened with (default: derived from your wallet)')
  .option('--json', 'print the result as JSON')
  .option(...WAIT_FOR_NODE)
  .action(
    async (
      id: string,
      opts: { out: string; node?: string; devAccount?: string; buyerKeyFile?: string; json?: boolean; waitForNode?: string },
    ) => {
      const { streamPullCommand } = await import('./stream-commands.js')
      await streamPullCommand(id, loadConfig(), {
        node: nodeUrl(opts),
        out: opts.out,
        ...devAccount(opts),
        ...(opts.buyerKeyFile !== undefined ? { buyerKeyFile: opts.buyerKeyFile } : {}),
        json: opts.json === true,
        ...giveUpAfterMs(opts),
      })
    },
  )

program
  .command('subscribe')
  .description('buy access to a stream for a period, from the window now open (renewals extend)')
  .argument('<stream>', 'stream id')
  .option('--period <d>', 'how long: 7d, 24h, seconds (rounded up to whole periods)', '7d')
  .option(
    '--trustless',
    "pay into the key escrow: each window's share is released only when its key is delivered to you on chain, with a proof",
  )
  .option('--first-window <n>', 'with --trustless: the first window to buy (default: the one open now; earlier windows too)')
  .option('--buyer-key-file <file>', 'with --trustless: a 32-byte hex buyer key seed instead of the key your wallet signature derives')
  .option('--node <url>', 'the node (default: http://127.0.0.1:$PORT)')
  .option('--dev-account <n>', "use anvil's test account n (development chain only; else PRIVATE_KEY)")
  .option('--json', 'print the result as JSON')
  .action(
    async (
      id: string,
      opts: {
        period: string
        trustless?: boolean
        firstWindow?: string
        buyerKeyFile?: string
        node?: string
        devAccount?: string
        json?: boolean
      },
    ) => {
      if (opts.trustless === true) {
        const { subscribeTrustlessCommand } = await import('./subscribe-trustless-command.js')
        await subscribeTrustlessCommand(id, loadConfig(), {
          node: nodeUrl(opts),
          period: opts.period,
          ...(opts.firstWindow !== undefined ? { firstWindow: opts.firstWindow } : {}),
          ...(opts.buyerKeyFile !== undefined ? { buyerKeyFile: opts.buyerKeyFile } : {}),
          ...devAccount(opts),
          json: opts.json === true,
        })
        return
      }
      const { subscribeCommand } = await import('./stream-commands.js')
      await subscribeCommand(id, loadConfig(), { node: nodeUrl(opts), period: opts.period, ...devAccount(opts), json: opts.json === true })
    },
  )

const setupCmd = program
  .command('setup')
  .description('a Groth16 phase-2 trusted-setup ceremony: import a powers of tau, start, contribute, beacon, verify, finalize, install')
setupCmd
  .command('import-ptau')
  .description('copy a powers-of-tau file into the cache and record its sha256, blake2b-512 and public ceremony (if known)')
  .argument('<file>', 'the .ptau file')
  .action(async (file: string) => {
    const { setupImportPtauCommand } = await import('./setup-command.js')
    await setupImportPtauCommand(file)
  })
setupCmd
  .command('start')
  .description("a circuit's initial zkey and the ceremony transcript, in a directory that travels between contributors")
  .argument('<circuit>', 'a circuit id (its r1cs from `npm run build`) or an .r1cs file')
  .requiredOption('--ptau <file>', 'the powers of tau (see import-ptau)')
  .requiredOption('--out <dir>', 'the ceremony directory to create')
  .action(async (circuit: string, opts: { ptau: string; out: string }) => {
    const { setupStartCommand } = await import('./setup-command.js')
    await setupStartCommand(circuit, opts)
  })
setupCmd
  .command('contribute')
  .description('add a contribution with fresh OS randomness (never stored) and print its hash')
  .argument('<dir>', 'the ceremony directory')
  .requiredOption('--name <name>', 'who contributes (recorded in the transcript)')
  .action(async (dir: string, opts: { name: string }) => {
    const { setupContributeCommand } = await import('./setup-command.js')
    await setupContributeCommand(dir, opts)
  })
setupCmd
  .command('beacon')
  .description('apply a public random beacon (a value nobody knew before the last contribution) as the final contribution')
  .argument('<dir>', 'the ceremony directory')
  .requiredOption('--hash <hex>', 'the beacon value, hex (e.g. a future block hash)')
  .option('--iterations <n>', 'hash the beacon 2^N times (10..63)', '10')
  .action(async (dir: string, opts: { hash: string; iterations: string }) => {
    const { setupBeaconCommand } = await import('./setup-command.js')
    await setupBeaconCommand(dir, { hash: opts.hash, iterations: Number(opts.iterations) })
  })
setupCmd
  .command('verify')
  .description('check every file, every contribution against the ptau and circuit, and the setup record if finalized')
  .argument('<dir>', 'the ceremony directory')
  .option('--ptau <file>', 'the powers of tau, if not at the path recorded at start')
  .action(async (dir: string, opts: { ptau?: string }) => {
    const { setupVerifyCommand } = await import('./setup-command.js')
    await setupVerifyCommand(dir, opts)
  })
setupCmd
  .command('finalize')
  .description('verify, then export the verification key and Solidity verifier and write the setup record')
  .argument('<dir>', 'the ceremony directory')
  .option('--ptau <file>', 'the powers of tau, if not at the path recorded at start')
  .action(async (dir: string, opts: { ptau?: string }) => {
    const { setupFinalizeCommand } = await import('./setup-command.js')
    await setupFinalizeCommand(dir, opts)
  })
setupCmd
  .command('install')
  .description('verify a finalized ceremony again and install its key into this build (the next `npm run build` uses it)')
  .argument('<dir>', 'the finalized ceremony directory')
  .option('--ptau <file>', 'the powers of tau, if not at the path recorded at start')
  .action(async (dir: string, opts: { ptau?: string }) => {
    const { setupInstallCommand } = await import('./setup-command.js')
    await setupInstallCommand(dir, opts)
  })

program
  .command('demo')
  .description('the whole marketplace on embedded defaults: device, signed feed, publish, buy, download, verify')
  .option('--dir <dir>', 'keep the demo’s node, keys and files here (default: a temporary folder)')
  .action(async (opts: { dir?: string }) => {
    const { demoCommand } = await import('./demo-command.js')
    const { ok } = await demoCommand(opts.dir !== undefined ? { dir: opts.dir } : {})
    process.exit(ok ? 0 : 1)
  })

program.parseAsync(process.argv).catch((err: unknown) => {
  const { message, exitCode } = cliFailure(err)
  console.error(message)
  process.exit(exitCode)
})
