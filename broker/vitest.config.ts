import { sluiceVitestConfig } from '../vitest.shared.js'

const config = sluiceVitestConfig()
// The isolation test measures delivery rates: run the broker's test files one at a time so that the
// flood test does not compete with it for the two CPU cores.
config.test = { ...config.test, fileParallelism: false }
// The shared 'import' condition reaches Node's own resolver too, so mqtt.js's `require('ws')` got ws's
// ESM wrapper (whose default export lacks createWebSocketStream) and MQTT over WebSocket failed.
config.ssr = { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions: ['sluice-src'] } }
export default config
