import { AssayError } from '../../core/index.js'

/** A signed batch names a device its publisher may not publish for (unregistered, revoked, or another owner's). */
export class DeviceNotRegisteredError extends AssayError {
  override readonly category = 'forbidden' as const
  readonly deviceId: string
  constructor(deviceId: string, label: string | undefined, owner: string) {
    super(
      `device ${label !== undefined ? `"${label}" ` : ''}(${deviceId.slice(0, 12)}…) may not be published by ${owner}: register it with \`assay device register KEYFILE\` (or have its owner authorise you)`,
    )
    this.name = 'DeviceNotRegisteredError'
    this.deviceId = deviceId
  }
}
