import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { createDeviceKey, deviceKeyFromFile, deviceKeyToFile, DeviceKeyFileError } from '../circuits/index.js'
import { createAssayClient, registerDeviceKey } from '../sdk/index.js'

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
 * to the node's account (the account that publishes), with the key's signature of the node's
 * registration terms as proof of possession (registerDeviceKey). The private key never leaves this
 * machine.
 */
export async function deviceRegisterCommand(
  keyFile: string,
  options: { node: string; operatorToken?: string | undefined; label?: string; json?: boolean },
  io: Io = defaultIo,
): Promise<{ deviceId: string; owner: string; txHash?: string; alreadyRegistered: boolean }> {
  const key = await readDeviceKeyFile(keyFile)
  const client = createAssayClient({ node: options.node, operatorToken: options.operatorToken })
  const body = await registerDeviceKey(client, key, { label: options.label ?? key.label })
  const result = {
    deviceId: body.deviceId,
    owner: body.owner,
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
