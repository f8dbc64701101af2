/**
 * Preload (`node --require bench/lib/tcp-nagle.cjs`) for a benchmark's baseline: makes
 * `net.Socket#setNoDelay` do nothing, so every socket keeps Node's default, Nagle's algorithm on, as the
 * broker and the services ran before issue 16 turned it off (`broker/src/listeners/tcp.ts`,
 * `libs/mesh/src/transport/mqtt.ts`). CommonJS because `--require` loads it before any ES module.
 */
'use strict'
const net = require('node:net')
net.Socket.prototype.setNoDelay = function keepNagle() {
  return this
}
