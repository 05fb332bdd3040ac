import { AssayError } from '../../core/index.js'

/** A failed publication still has a job running (a batch proof started before the failure spread). */
export class PublicationBusyError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(pubId: string) {
    super(`publication ${pubId} still has a job running; retry once it has finished`)
    this.name = 'PublicationBusyError'
  }
}
