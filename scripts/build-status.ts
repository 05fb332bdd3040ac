// The status file a circuit build writes after every change (`--status FILE`) and the node's
// circuit builder reads (CircuitBuildStatus): shared by the Groth16 and the UltraHonk builds.
import { renameSync, writeFileSync } from 'node:fs'
import type { CircuitBuildStatus } from '../cli/circuit-builder.js'

/** Every circuit pending; `report()` writes the status atomically (readers never see half a file), a no-op without a path. */
export function createBuildStatus(
  ids: readonly string[],
  started: number,
  path: string | undefined,
): { status: CircuitBuildStatus; report: () => void } {
  const status: CircuitBuildStatus = {
    pid: process.pid,
    startedAt: new Date(started).toISOString(),
    circuits: Object.fromEntries(ids.map((id) => [id, { state: 'pending' as const }])),
  }
  return {
    status,
    report: (): void => {
      if (path === undefined) return
      const tmp = `${path}.tmp-${process.pid}`
      writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`)
      renameSync(tmp, path)
    },
  }
}
