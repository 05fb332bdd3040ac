/** Where a contract's creation code names libraries (solc's and Hardhat's `linkReferences`): file → library → byte ranges. */
export type LinkReferences = Readonly<Record<string, Readonly<Record<string, ReadonlyArray<{ start: number; length: number }>>>>>

/** A contract's creation code (hex, with or without `0x`) and the libraries it links. */
export interface LinkableCode {
  bytecode: string
  linkReferences: LinkReferences
}

/**
 * Deploys contract `name` after every library its code links (each once, recursively), writing
 * their addresses into the code that names them. `codeOf` gives a contract's code (and throws,
 * named, for one it does not know); `deployCode` deploys linked creation code and answers its address.
 *
 * @returns the address of every contract deployed, `name` included, by contract name
 * @throws what `codeOf` or `deployCode` throws
 */
export async function deployLinked(
  name: string,
  codeOf: (contract: string) => LinkableCode,
  deployCode: (contract: string, bytecode: string) => Promise<string>,
): Promise<Map<string, string>> {
  const deployed = new Map<string, string>()
  const deploy = async (contract: string): Promise<string> => {
    const known = deployed.get(contract)
    if (known !== undefined) return known
    const artifact = codeOf(contract)
    let code = artifact.bytecode.replace(/^0x/, '')
    for (const refs of Object.values(artifact.linkReferences)) {
      for (const [library, places] of Object.entries(refs)) {
        const address = (await deploy(library)).slice(2).toLowerCase()
        for (const { start, length } of places) code = code.slice(0, 2 * start) + address + code.slice(2 * (start + length))
      }
    }
    const address = await deployCode(contract, `0x${code}`)
    deployed.set(contract, address)
    return address
  }
  await deploy(name)
  return deployed
}
