// Node's `assert` for the browser bundle: circomlibjs's Poseidon modules import it.
export default function assert(condition: unknown, message?: string): asserts condition {
  if (!condition) throw new Error(message ?? 'assertion failed')
}
