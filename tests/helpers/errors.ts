/** Runs `fn` and returns what it threw (fails the test when it throws nothing). */
export async function caught(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected an error, none was thrown')
}
