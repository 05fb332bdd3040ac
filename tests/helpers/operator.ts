import { createOperatorAuth } from '../../server/index.js'

/** The operator token of apps the tests build with createApp (a node started by the tests makes its own). */
export const TEST_TOKEN = 'test-operator-token-0123456789abcdef'

/** The auth an in-test app uses: the test token, loopback hosts. */
export const testAuth = (): ReturnType<typeof createOperatorAuth> => createOperatorAuth({ token: TEST_TOKEN })

/** Headers that make a request the operator's. */
export const operatorHeaders = (token = TEST_TOKEN): Record<string, string> => ({ authorization: `Bearer ${token}` })
