import { z } from 'zod'
import { AssayError, fieldElementSchema } from '../core/index.js'
import { deviceKeyFromPrivate, type DeviceKey } from './device-key.js'

/** Format tag of a device key file (`assay device create`). */
export const DEVICE_KEY_FORMAT = 'assay.device-key/v1'

const deviceKeyFileSchema = z.strictObject({
  format: z.literal(DEVICE_KEY_FORMAT),
  label: z.string().max(200).optional(),
  /** 32-byte BabyJub private key, hex. Whoever holds it can sign as the device. */
  privateKey: z.string().regex(/^[0-9a-f]{64}$/, { message: 'must be 64 lowercase hex digits' }),
  publicKey: z.strictObject({ x: fieldElementSchema, y: fieldElementSchema }),
  deviceId: fieldElementSchema,
})

export type DeviceKeyFile = z.infer<typeof deviceKeyFileSchema>

/** A device key file that is malformed or whose public part does not belong to its private key. */
export class DeviceKeyFileError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DeviceKeyFileError'
  }
}

/** The file form of a device key: the private key and, for reading at a glance, its public key and id. */
export function deviceKeyToFile(key: DeviceKey, label?: string): DeviceKeyFile {
  return {
    format: DEVICE_KEY_FORMAT,
    ...(label !== undefined ? { label } : {}),
    privateKey: Array.from(key.privateKey, (b) => b.toString(16).padStart(2, '0')).join(''),
    publicKey: { x: key.Ax.toString(), y: key.Ay.toString() },
    deviceId: key.deviceId.toString(),
  }
}

/**
 * Reads a device key file, re-deriving the public key and id from the private key, so a file
 * edited by hand (or two files mixed up) is refused instead of signing batches no proof accepts.
 *
 * @throws {DeviceKeyFileError}
 */
export async function deviceKeyFromFile(value: unknown): Promise<DeviceKey & { label?: string }> {
  const parsed = deviceKeyFileSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new DeviceKeyFileError(`not a device key file: ${issue.path.join('.') || 'file'}: ${issue.message}`)
  }
  const file = parsed.data
  const key = await deviceKeyFromPrivate(Uint8Array.from(file.privateKey.match(/../g)!, (h) => parseInt(h, 16)))
  if (key.Ax.toString() !== file.publicKey.x || key.Ay.toString() !== file.publicKey.y || key.deviceId.toString() !== file.deviceId)
    throw new DeviceKeyFileError('the public key or device id in the file does not belong to its private key')
  return { ...key, ...(file.label !== undefined ? { label: file.label } : {}) }
}
