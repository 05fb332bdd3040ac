import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createDeviceKey, deviceKeyFromPrivate, type DeviceKey } from '../circuits/index.js'
import { ConfigError } from '../core/index.js'

/**
 * The owner's gateway device key (BabyJub): signs the batches of files that carry no device
 * signatures. Created on first use and kept as hex in the data dir, readable by the owner only.
 */
export async function loadGatewayKey(file: string): Promise<DeviceKey> {
  if (existsSync(file)) {
    const hex = (await readFile(file, 'utf8')).trim()
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new ConfigError('gateway.key', `${file} does not hold a 32-byte hex key`)
    return deviceKeyFromPrivate(Uint8Array.from(Buffer.from(hex, 'hex')))
  }
  const key = await createDeviceKey()
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, `${Buffer.from(key.privateKey).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  return key
}
