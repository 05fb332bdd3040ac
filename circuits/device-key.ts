import { getEddsa } from './babyjub.js'
import { BatchInputError } from './batch-input-error.js'
import { getPoseidon } from './key-commitment.js'

/** A device's BabyJub key pair and its id, `deviceId = Poseidon(Ax, Ay)`. */
export interface DeviceKey {
  privateKey: Uint8Array
  Ax: bigint
  Ay: bigint
  deviceId: bigint
}

/** A device's id: Poseidon(Ax, Ay), as the circuit states it and DeviceRegistry stores it. */
export async function deviceIdOf(Ax: bigint, Ay: bigint): Promise<bigint> {
  const poseidon = await getPoseidon()
  return poseidon.F.toObject(poseidon([Ax, Ay]))
}

/** Derives the public key and device id of a 32-byte device private key. */
export async function deviceKeyFromPrivate(privateKey: Uint8Array): Promise<DeviceKey> {
  if (privateKey.length !== 32) throw new BatchInputError(`device private key must be 32 bytes, got ${privateKey.length}`)
  const eddsa = await getEddsa()
  const [ax, ay] = eddsa.prv2pub(privateKey)
  const Ax = eddsa.F.toObject(ax)
  const Ay = eddsa.F.toObject(ay)
  return { privateKey, Ax, Ay, deviceId: await deviceIdOf(Ax, Ay) }
}

/** A fresh random device key (for `assay device create` and simulated devices). */
export function createDeviceKey(): Promise<DeviceKey> {
  return deviceKeyFromPrivate(crypto.getRandomValues(new Uint8Array(32)))
}
