import type { Page } from 'playwright-core'
import { createOperatorAuth } from '../../server/index.js'

/** The operator token of apps the tests build with createApp (a node started by the tests makes its own). */
export const TEST_TOKEN = 'test-operator-token-0123456789abcdef'

/** The auth an in-test app uses: the test token, loopback hosts. */
export const testAuth = (): ReturnType<typeof createOperatorAuth> => createOperatorAuth({ token: TEST_TOKEN })

/** Headers that make a request the operator's. */
export const operatorHeaders = (token = TEST_TOKEN): Record<string, string> => ({ authorization: `Bearer ${token}` })

/** Signs in with `token` on the operator sign-in form the page shows (an operator's page asks for it first). */
export async function signInAsOperator(page: Page, token: string): Promise<void> {
  await page.getByTestId('operator-token').fill(token)
  await page.getByTestId('operator-sign-in').click()
}
