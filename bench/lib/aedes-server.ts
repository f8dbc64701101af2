/**
 * @module bench/lib/aedes-server
 * Stock Aedes on a TCP port, nothing else: no ACL, no limits, no per-subscriber queues. The ceiling the
 * mesh is compared with in `bench/broker/baseline.ts`. Run as its own process:
 * `node --import tsx bench/lib/aedes-server.ts <port>`.
 */
import { createServer } from 'node:net'
import { Aedes } from 'aedes'

const port = Number(process.argv[2] ?? 1883)
const broker = await Aedes.createBroker()
const server = createServer((socket) => {
  broker.handle(socket)
})
server.listen(port, '127.0.0.1')
const stop = (): void => {
  server.close()
  broker.close(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
