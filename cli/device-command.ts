import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { createDeviceKey, deviceKeyFromFile, deviceKeyToFile, DeviceKeyFileError } from '../circuits/index.js'
import { AssayError } from '../core/index.js'

/** The node refused to register a device, or could not be reached. */
export class DeviceCommandError extends AssayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DeviceCommandError'
  }
}

type Io = { out: (s: string) => void; err: (s: string) => void }
const defaultIo: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }

/** `assay device create`: a fresh BabyJub key in a file only its owner can read. */
export async function deviceCreateCommand(options: { out: string; label?: string; json?: boolean }, io: Io = defaultIo): Promise<string> {
  if (existsSync(options.out)) throw new DeviceKeyFileError(`${options.out} exists; a device key is never overwritten`)
  const key = await createDeviceKey()
  const file = deviceKeyToFile(key, options.label)
  await writeFile(options.out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  if (options.json === true) io.out(JSON.stringify({ file: options.out, deviceId: file.deviceId, publicKey: file.publicKey }))
  else {
    io.out(`device ${file.deviceId}`)
    io.err(`key written to ${options.out} (keep it private: it signs the device's batches); next: assay device register ${options.out}`)
  }
  return file.deviceId
}

/** Reads and checks a device key file. */
export async function readDeviceKeyFile(path: string): Promise<Awaited<ReturnType<typeof deviceKeyFromFile>>> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new DeviceKeyFileError(`${path}: ${(err as Error).message}`, { cause: err })
  }
  return deviceKeyFromFile(json)
}

/**
 * `assay device register KEYFILE`: registers the device's public key on-chain through the node,
 * to the node's account (the account that publishes). The private key never leaves this machine.
 */
export async function deviceRegisterCommand(
  keyFile: string,
  options: { node: string; label?: string; json?: boolean },
  io: Io = defaultIo,
): Promise<{ deviceId: string; owner: string; txHash?: string; alreadyRegistered: boolean }> {
  const key = await readDeviceKeyFile(keyFile)
  const label = options.label ?? key.label
  let res: globalThis.Response
  try {
    res = await fetch(new URL('/devices', options.node), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ publicKey: { x: key.Ax.toString(), y: key.Ay.toString() }, ...(label !== undefined ? { label } : {}) }),
    })
  } catch (err) {
    throw new DeviceCommandError(`cannot reach the node at ${options.node} (is \`assay node\` running?)`, { cause: err })
  }
  const body = (await res.json()) as {
    deviceId?: string
    owner?: string
    txHash?: string
    alreadyRegistered?: boolean
    error?: { name: string; message: string }
  }
  if (!res.ok || body.deviceId === undefined)
    throw new DeviceCommandError(`${body.error?.name ?? res.status}: ${body.error?.message ?? 'registration refused'}`)
  const result = {
    deviceId: body.deviceId,
    owner: body.owner!,
    ...(body.txHash !== undefined ? { txHash: body.txHash } : {}),
    alreadyRegistered: body.alreadyRegistered === true,
  }
  if (options.json === true) io.out(JSON.stringify(result))
  else
    io.out(
      result.alreadyRegistered
        ? `device ${result.deviceId} was already registered to ${result.owner}`
        : `device ${result.deviceId} registered to ${result.owner} (tx ${result.txHash})`,
    )
  return result
}
