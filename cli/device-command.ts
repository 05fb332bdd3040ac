import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { createDeviceKey, deviceKeyFromFile, deviceKeyToFile, DeviceKeyFileError, signEddsaPoseidon } from '../circuits/index.js'
import { AssayError, fieldElementSchema, isErrorCategory, type ErrorCategory } from '../core/index.js'
import { deviceRegistrationMessage, type RegistrationTerms } from '../contracts/index.js'
import { AssayApiError, createAssayClient, type DeviceRegistered } from '../sdk/index.js'

/** The node did not say what a device key signs to be registered (its refusals are AssayApiErrors). */
export class DeviceCommandError extends AssayError {
  /** The category given, else 'internal'. */
  override readonly category: ErrorCategory
  constructor(message: string, options?: { cause?: unknown; category?: unknown }) {
    super(message, options)
    this.name = 'DeviceCommandError'
    this.category = isErrorCategory(options?.category) ? options.category : 'internal'
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

/** GET /devices/registration as the node answers it. */
const registrationTermsSchema = z.object({
  owner: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  chainId: fieldElementSchema,
  registry: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  nonce: fieldElementSchema,
})

/** Attempts when the node's account registers other devices meanwhile (each moves its nonce on). */
const REGISTER_ATTEMPTS = 3

/**
 * `assay device register KEYFILE`: registers the device's public key on-chain through the node,
 * to the node's account (the account that publishes). The key signs the registration message for
 * that account, chain, registry and nonce (computed here, never taken from the node), proving the
 * key is held by whoever registers it. The private key never leaves this machine.
 */
export async function deviceRegisterCommand(
  keyFile: string,
  options: { node: string; operatorToken?: string | undefined; label?: string; json?: boolean },
  io: Io = defaultIo,
): Promise<{ deviceId: string; owner: string; txHash?: string; alreadyRegistered: boolean }> {
  const key = await readDeviceKeyFile(keyFile)
  const label = options.label ?? key.label
  const client = createAssayClient({ node: options.node, operatorToken: options.operatorToken })
  const registrationTerms = async (): Promise<RegistrationTerms> => {
    const parsed = registrationTermsSchema.safeParse(await client.deviceRegistration())
    if (!parsed.success)
      throw new DeviceCommandError(
        `the node at ${options.node} did not say what to sign (${parsed.error.issues[0]?.message ?? 'bad terms'})`,
      )
    const t = parsed.data
    return { owner: t.owner, chainId: BigInt(t.chainId), registry: t.registry, nonce: BigInt(t.nonce) }
  }
  let body: DeviceRegistered
  for (let attempt = 1; ; attempt++) {
    const terms = await registrationTerms()
    const signature = await signEddsaPoseidon(key.privateKey, deviceRegistrationMessage(terms))
    const proof = { nonce: terms.nonce.toString(), R8x: signature.R8x.toString(), R8y: signature.R8y.toString(), S: signature.S.toString() }
    try {
      body = await client.registerDevice({
        publicKey: { x: key.Ax.toString(), y: key.Ay.toString() },
        proof,
        ...(label !== undefined ? { label } : {}),
      })
      break
    } catch (err) {
      // Another registration by the node's account took the nonce meanwhile: sign the new one.
      if (!(err instanceof AssayApiError) || attempt === REGISTER_ATTEMPTS || (await registrationTerms()).nonce === terms.nonce) throw err
    }
  }
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
