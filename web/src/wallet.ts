import { BrowserProvider, HDNodeWallet, JsonRpcProvider, type Eip1193Provider, type Signer } from 'ethers'
import { AssayError, DEV_MNEMONIC } from '../../core/index.js'

/** No EIP-1193 wallet (window.ethereum) in this browser. */
export class NoWalletError extends AssayError {
  // The service that signs is missing; once one is installed, the same click succeeds.
  override readonly category = 'unavailable' as const
  /** The alert's title; the message already says what to do. */
  readonly userTitle = 'No wallet'
  constructor() {
    super('No browser wallet found. Install one (e.g. MetaMask), or use the development wallet on a local chain.')
    this.name = 'NoWalletError'
  }
}

/** The wallet is on another chain than the node's contracts. */
export class WrongNetworkError extends AssayError {
  // The wallet's state contradicts the request: switch networks, then try again.
  override readonly category = 'conflict' as const
  readonly userTitle = 'Wrong network'
  readonly actual: number
  readonly expected: number
  constructor(actual: number, expected: number) {
    super(`Your wallet is on chain ${actual}; this marketplace's contracts are on chain ${expected}. Switch networks in your wallet.`)
    this.name = 'WrongNetworkError'
    this.actual = actual
    this.expected = expected
  }
}

/** The development chain's id (anvil): the only chain where the built-in wallet is offered. */
export const DEV_CHAIN_ID = 31337

export type WalletState = { kind: 'none' } | { kind: 'dev'; account: number; address: string } | { kind: 'injected'; address: string }

export interface Wallet {
  state(): WalletState
  /** Whether the built-in development wallet may be offered (local chain with a known RPC URL). */
  devAvailable(): boolean
  connectInjected(): Promise<void>
  connectDev(account: number): void
  disconnect(): void
  /** The signer, with the network checked again (wallets can switch at any time). */
  signer(): Promise<Signer>
  subscribe(listener: (state: WalletState) => void): () => void
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider & { on?(event: string, fn: (...args: unknown[]) => void): void }
  }
}

const STORAGE_KEY = 'assay.wallet'

/**
 * The buyer's wallet: any EIP-1193 wallet (`window.ethereum`), or on the local development chain a
 * built-in wallet holding anvil's public test accounts, so the whole flow works without an
 * extension. The choice survives reloads (the account index only, never a key).
 */
export function createWallet(chainId: number, rpcUrl: string | undefined): Wallet {
  let state: WalletState = { kind: 'none' }
  let devSigner: Signer | undefined
  let injected: BrowserProvider | undefined
  const listeners = new Set<(s: WalletState) => void>()
  const set = (next: WalletState): void => {
    state = next
    if (next.kind === 'dev') sessionStorage.setItem(STORAGE_KEY, `dev:${next.account}`)
    else if (next.kind === 'injected') sessionStorage.setItem(STORAGE_KEY, 'injected')
    else sessionStorage.removeItem(STORAGE_KEY)
    for (const l of listeners) l(state)
  }
  const devAvailable = (): boolean => chainId === DEV_CHAIN_ID && rpcUrl !== undefined

  const checkNetwork = async (provider: BrowserProvider): Promise<void> => {
    const actual = Number(await provider.send('eth_chainId', []))
    if (actual === chainId) return
    try {
      await provider.send('wallet_switchEthereumChain', [{ chainId: `0x${chainId.toString(16)}` }])
    } catch {
      throw new WrongNetworkError(actual, chainId)
    }
    const now = Number(await provider.send('eth_chainId', []))
    if (now !== chainId) throw new WrongNetworkError(now, chainId)
  }

  const wallet: Wallet = {
    state: () => state,
    devAvailable,
    async connectInjected() {
      if (window.ethereum === undefined) throw new NoWalletError()
      injected = new BrowserProvider(window.ethereum)
      const accounts = (await injected.send('eth_requestAccounts', [])) as string[]
      if (accounts.length === 0) throw new NoWalletError()
      await checkNetwork(injected)
      window.ethereum.on?.('accountsChanged', (a) => {
        const list = a as string[]
        if (state.kind === 'injected') set(list[0] !== undefined ? { kind: 'injected', address: list[0] } : { kind: 'none' })
      })
      set({ kind: 'injected', address: (await injected.getSigner()).address })
    },
    connectDev(account) {
      if (!devAvailable()) throw new WrongNetworkError(chainId, DEV_CHAIN_ID)
      const provider = new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true, cacheTimeout: -1 })
      const dev = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${account}`).connect(provider)
      devSigner = dev
      set({ kind: 'dev', account, address: dev.address })
    },
    disconnect() {
      devSigner = undefined
      injected = undefined
      set({ kind: 'none' })
    },
    async signer() {
      if (state.kind === 'dev' && devSigner !== undefined) return devSigner
      if (state.kind === 'injected' && injected !== undefined) {
        await checkNetwork(injected)
        return injected.getSigner()
      }
      throw new NoWalletError()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }

  // Restore a chosen development account; an injected wallet is reconnected with a click, as
  // wallets expect.
  const saved = sessionStorage.getItem(STORAGE_KEY)
  if (saved?.startsWith('dev:') === true && devAvailable()) wallet.connectDev(Number(saved.slice(4)))
  return wallet
}
