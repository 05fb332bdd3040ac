import { z } from 'zod'
import { ConfigError } from './errors.js'

/**
 * Anvil's well-known development mnemonic. Its accounts are public: only the embedded chain uses
 * them, and only when no PRIVATE_KEY is given.
 */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'

/** Chain id of the local development chain (anvil, hardhat): the one chain where development setups are fine. */
export const LOCAL_DEV_CHAIN_ID = 31337

/** Port of the HTTP API and web UI when PORT is unset. */
export const DEFAULT_PORT = 7420

const port = z.coerce.number().int().min(0).max(65535)
const url = (protocols: string[]) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol)
      } catch {
        return false
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  )

/** Variables whose values never appear in error messages or logs. */
const SECRET_VARIABLES = new Set(['PRIVATE_KEY', 'ASSAY_MASTER_KEY', 'ASSAY_TOKEN', 'ASSAY_PINNING_SERVICE_TOKEN'])

/**
 * URL-valued variables, shown in errors through redactUrl: with their path where it names a
 * resource, without it where providers put API keys there (RPC: `…/v3/<key>`).
 */
const URL_VARIABLES: Record<string, { path: boolean }> = {
  RPC_URL: { path: false },
  REDIS_URL: { path: true },
  MQTT_URL: { path: true },
  ASSAY_PINNING_SERVICE_URL: { path: true },
}

const NOT_A_URL = 'a value that is not a URL with a host, not shown as it may hold credentials'

/** What of a URL may be shown (scheme, host, port, path unless `path: false`) and what was left out. */
function urlParts(value: string, options: { path?: boolean }): { shown: string; hidden: string[] } | undefined {
  if (!URL.canParse(value)) return undefined
  const u = new URL(value)
  // A scheme-less `user:password@host` parses as an opaque URL whose "path" is the password.
  if (u.host === '') return undefined
  const path = u.pathname.replace(/\/+$/, '')
  const shown = `${u.protocol}//${u.host}${path === '' ? '' : options.path === false ? '/…' : path}`
  const hidden = [
    ...(u.username !== '' || u.password !== '' ? ['credentials'] : []),
    ...(value.includes('?') ? ['query'] : []),
    ...(value.includes('#') ? ['fragment'] : []),
  ]
  return { shown, hidden }
}

const listed = (words: string[]): string => (words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`)

/**
 * A URL as it may be shown in errors and logs: its scheme, host and port (and path, unless
 * `path: false`), never its user, password, query or fragment, which can hold credentials.
 *
 * @example redactUrl('redis://:hunter2@10.0.0.5:6379/0') // 'redis://10.0.0.5:6379/0 (credentials not shown)'
 */
export function redactUrl(value: string, options: { path?: boolean } = {}): string {
  const parts = urlParts(value, options)
  if (parts === undefined) return NOT_A_URL
  return parts.hidden.length === 0 ? parts.shown : `${parts.shown} (${listed(parts.hidden)} not shown)`
}

/** How a variable's value appears in a ConfigError. */
function shownValue(variable: string, value: string | undefined): string {
  if (SECRET_VARIABLES.has(variable)) return 'a value that is not shown'
  const url = URL_VARIABLES[variable]
  if (url === undefined || value === undefined) return JSON.stringify(value)
  const parts = urlParts(value, url)
  if (parts === undefined) return NOT_A_URL
  return `${JSON.stringify(parts.shown)}${parts.hidden.length === 0 ? '' : `, its ${listed(parts.hidden)} not shown`}`
}

/** Every environment variable Assay reads, with its schema. Unset means "use the embedded default". */
const envSchema = z.object({
  ASSAY_DATA_DIR: z.string().min(1).default('./data'),
  PORT: port.default(DEFAULT_PORT),
  HOST: z.string().min(1).default('127.0.0.1'),
  RPC_URL: url(['http:', 'https:', 'ws:', 'wss:']).optional(),
  PRIVATE_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, { message: 'must be 0x followed by 64 hex digits' })
    .optional(),
  ANVIL_PORT: port.default(0),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  MQTT_URL: url(['mqtt:', 'mqtts:', 'ws:', 'wss:']).optional(),
  IPFS_LISTEN: z.string().min(1).default('/ip4/127.0.0.1/tcp/0'),
  IPFS_PEERS: z
    .string()
    .default('')
    .refine(
      (s) => s.split(',').every((a) => a.trim() === '' || /^\/(ip4|ip6|dns4|dns6|dns)\/[^/]+\/tcp\/\d+(\/p2p\/\w+)?$/.test(a.trim())),
      {
        message: 'must be comma-separated multiaddrs like /ip4/10.0.0.2/tcp/4001/p2p/12D3Koo…',
      },
    ),
  ASSAY_MASTER_KEY: z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]{64}$/, { message: 'must be 64 hex digits' })
    .optional(),
  ASSAY_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{32,200}$/, { message: 'must be 32 to 200 printable ASCII characters, no spaces' })
    .optional(),
  ASSAY_OPERATOR_ADDRESS: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be an address: 0x followed by 40 hex digits' })
    .optional(),
  ASSAY_ALLOWED_HOSTS: z
    .string()
    .default('')
    .refine((s) => s.split(',').every((h) => h.trim() === '' || /^[a-zA-Z0-9.:[\]-]+$/.test(h.trim())), {
      message: 'must be comma-separated host names or addresses, without scheme or port',
    }),
  ASSAY_MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(1_048_576).default(1024),
  ASSAY_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(600),
  ASSAY_VERIFY_PROCESSES: z.coerce.number().int().min(0).max(64).optional(),
  ASSAY_PROVERS: z.coerce.number().int().min(0).max(64).default(1),
  ASSAY_PROVER: z.enum(['groth16', 'honk']).default('honk'),
  ASSAY_PTAU: z.string().min(1).optional(),
  ASSAY_DEPLOYMENT: z.string().min(1).optional(),
  ASSAY_ALLOW_DEV_SETUP: z.enum(['0', '1']).default('0'),
  ASSAY_PINNING_SERVICE_URL: url(['http:', 'https:'])
    .refine((s) => URL.canParse(s) && new URL(s).username === '' && new URL(s).password === '', {
      message: 'must not hold credentials (user or password): put the access token in ASSAY_PINNING_SERVICE_TOKEN',
    })
    // The client calls `<endpoint>/pins`, so a query or fragment would be dropped silently.
    .refine((s) => !/[?#]/.test(s), {
      message: 'must not have a query (?…) or fragment (#…): put the access token in ASSAY_PINNING_SERVICE_TOKEN',
    })
    .optional(),
  ASSAY_PINNING_SERVICE_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{1,4096}$/, { message: 'must be 1 to 4096 printable ASCII characters, no spaces' })
    .optional(),
  ASSAY_PINNING_DATASETS: z
    .string()
    .default('')
    .refine((s) => s.trim() === 'all' || s.split(',').every((id) => id.trim() === '' || /^[1-9]\d{0,30}$/.test(id.trim())), {
      message: 'must be `all` or comma-separated dataset ids',
    }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export type AssayEnv = z.infer<typeof envSchema>

/** The resolved node configuration. `undefined` for rpcUrl/redisUrl means "start the embedded one". */
export interface AssayConfig {
  /** Root of everything this node keeps on disk (chain state, Redis data, IPFS blocks). */
  dataDir: string
  host: string
  port: number
  /** External chain RPC; when absent the node starts an embedded anvil. */
  rpcUrl?: string
  /** Operator key; when absent on the embedded chain, anvil's first dev account (DEV_MNEMONIC) signs. */
  privateKey?: `0x${string}`
  /** Port for the embedded anvil (0 picks a free port). */
  anvilPort: number
  /** External Redis; when absent the node spawns a private redis-server. */
  redisUrl?: string
  /** External MQTT broker for stream readings; when absent the node spawns a private mosquitto. */
  mqttUrl?: string
  /** libp2p listen multiaddr for the embedded Helia node. */
  ipfsListen: string
  /** IPFS peers dialled at start (other Assay nodes, a storage node); blocks are fetched from them over bitswap. */
  ipfsPeers: string[]
  /** Node master key (hex) sealing the keystore; when absent, `<dataDir>/master.key` (created on first start). */
  masterKeyHex?: string
  /** The operator's bearer token; when absent, `<dataDir>/operator.token` (created on first start). */
  operatorToken?: string
  /**
   * The operator's wallet address for Sign-In with Ethereum; when absent, the node's own account
   * (its EIP-55 checksum is checked where keccak is at hand: the node's start).
   */
  operatorAddress?: string
  /** Host names the node answers to besides loopback ones (behind a proxy or on a LAN: its public names). */
  allowedHosts: string[]
  /** Largest upload the node takes, in bytes (ASSAY_MAX_UPLOAD_MB); larger ones are a 413. */
  maxUploadBytes: number
  /** Requests per minute one client (not loopback) may make to stream readings and key requests; 0: no limit. */
  rateLimitPerMinute: number
  /** Child processes checking stream batches' commitments and signatures (unset: the node's default); 0: on the event loop. */
  verifyProcesses?: number
  /**
   * Batch prover processes the node runs itself (ASSAY_PROVERS, default 1); 0: it proves nothing
   * and publications wait for `assay worker`s on other machines (its Redis must reach them).
   */
  provers: number
  /**
   * The proof system of publications that name none (ASSAY_PROVER: honk, the default, or groth16;
   * UltraHonk over the statement's Noir port, proved with native bb).
   */
  proofSystem: 'groth16' | 'ultrahonk'
  /** Path to a ceremony powers-of-tau file; when absent the build generates a dev-only one. */
  ptauPath?: string
  /**
   * Where a node on an external chain finds Assay's addresses when it has no deployment file yet:
   * a file path or an http(s) URL (e.g. another node's `/deployment`). Checked against the chain.
   */
  deploymentSource?: string
  /**
   * Publish with circuits whose setup lets anyone forge proofs on a chain other than the local
   * development one (ASSAY_ALLOW_DEV_SETUP=1); refused by default.
   */
  allowDevSetup: boolean
  /**
   * A remote IPFS Pinning Service API endpoint and its access token (ASSAY_PINNING_SERVICE_URL,
   * ASSAY_PINNING_SERVICE_TOKEN): the node asks it to pin every dataset it publishes once anchored.
   */
  pinningService?: { url: string; token: string }
  /** Other datasets the pinning service is asked to pin (ASSAY_PINNING_DATASETS): ids, or every catalogued one. */
  pinningDatasets: 'all' | string[]
  logLevel: AssayEnv['LOG_LEVEL']
}

/**
 * Reads and validates the configuration from an environment (defaults to `process.env`).
 * Empty strings count as unset, so `PORT= npm start` behaves like no PORT at all.
 *
 * @throws {ConfigError} naming the first invalid variable.
 */
export function loadConfig(env: Record<string, string | undefined> = globalThis.process?.env ?? {}): AssayConfig {
  const raw: Record<string, string> = {}
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key]
    if (value !== undefined && value.trim() !== '') raw[key] = value.trim()
  }
  const parsed = envSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const variable = String(issue?.path[0] ?? 'environment')
    throw new ConfigError(variable, `${issue?.message ?? 'invalid value'} (got ${shownValue(variable, raw[variable])})`, {
      cause: parsed.error,
    })
  }
  const e = parsed.data
  if ((e.ASSAY_PINNING_SERVICE_URL === undefined) !== (e.ASSAY_PINNING_SERVICE_TOKEN === undefined))
    throw e.ASSAY_PINNING_SERVICE_URL === undefined
      ? new ConfigError('ASSAY_PINNING_SERVICE_URL', 'is needed with ASSAY_PINNING_SERVICE_TOKEN')
      : new ConfigError('ASSAY_PINNING_SERVICE_TOKEN', 'is needed with ASSAY_PINNING_SERVICE_URL (the service’s access token)')
  return {
    dataDir: e.ASSAY_DATA_DIR,
    host: e.HOST,
    port: e.PORT,
    rpcUrl: e.RPC_URL,
    privateKey: e.PRIVATE_KEY as `0x${string}` | undefined,
    anvilPort: e.ANVIL_PORT,
    redisUrl: e.REDIS_URL,
    ...(e.MQTT_URL !== undefined ? { mqttUrl: e.MQTT_URL } : {}),
    ipfsListen: e.IPFS_LISTEN,
    ipfsPeers: e.IPFS_PEERS.split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
    masterKeyHex: e.ASSAY_MASTER_KEY,
    ...(e.ASSAY_TOKEN !== undefined ? { operatorToken: e.ASSAY_TOKEN } : {}),
    ...(e.ASSAY_OPERATOR_ADDRESS !== undefined ? { operatorAddress: e.ASSAY_OPERATOR_ADDRESS } : {}),
    allowedHosts: e.ASSAY_ALLOWED_HOSTS.split(',')
      .map((h) =>
        h
          .trim()
          .replace(/^\[|\]$/g, '')
          .toLowerCase(),
      )
      .filter((h) => h !== ''),
    maxUploadBytes: e.ASSAY_MAX_UPLOAD_MB * 1024 * 1024,
    rateLimitPerMinute: e.ASSAY_RATE_LIMIT,
    ...(e.ASSAY_VERIFY_PROCESSES !== undefined ? { verifyProcesses: e.ASSAY_VERIFY_PROCESSES } : {}),
    ptauPath: e.ASSAY_PTAU,
    ...(e.ASSAY_DEPLOYMENT !== undefined ? { deploymentSource: e.ASSAY_DEPLOYMENT } : {}),
    allowDevSetup: e.ASSAY_ALLOW_DEV_SETUP === '1',
    ...(e.ASSAY_PINNING_SERVICE_URL !== undefined && e.ASSAY_PINNING_SERVICE_TOKEN !== undefined
      ? { pinningService: { url: e.ASSAY_PINNING_SERVICE_URL, token: e.ASSAY_PINNING_SERVICE_TOKEN } }
      : {}),
    pinningDatasets:
      e.ASSAY_PINNING_DATASETS === 'all'
        ? 'all'
        : e.ASSAY_PINNING_DATASETS.split(',')
            .map((id) => id.trim())
            .filter((id) => id !== ''),
    provers: e.ASSAY_PROVERS,
    proofSystem: e.ASSAY_PROVER === 'honk' ? 'ultrahonk' : 'groth16',
    logLevel: e.LOG_LEVEL,
  }
}

/**
 * What a node (not a client) needs besides the environment's shape: on an external chain it signs
 * with PRIVATE_KEY. Buyers and auditors may set RPC_URL alone.
 *
 * @throws {ConfigError}
 */
export function assertNodeConfig(config: AssayConfig): void {
  if (config.rpcUrl !== undefined && config.privateKey === undefined)
    throw new ConfigError('PRIVATE_KEY', 'is required when RPC_URL points at an external chain')
}
