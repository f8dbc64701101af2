/**
 * @module commands/health
 * `sluice health`: a healthcheck for containers and systemd. Exit 0 when the broker answers and, with
 * `--service`, when that service's retained status says `online`; exit 1 otherwise, with the reason.
 */
import { parseArgs } from 'node:util'
import { decodeStatus, statusTopic } from '@sluice/contract'
import mqtt from 'mqtt'

export const HEALTH_USAGE = `Usage: sluice health --broker <url> [--service <name> [--instance <id>]] [--timeout <ms>]

Exits 0 when the broker accepts a connection and, with --service, when the service's retained status is
"online" (any instance unless --instance is given); exits 1 and says why otherwise.`

/** Runs the check. */
export async function runHealth(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      service: { type: 'string' },
      instance: { type: 'string', default: '+' },
      prefix: { type: 'string', default: 'sluice' },
      timeout: { type: 'string', default: '3000' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help === true) {
    process.stdout.write(HEALTH_USAGE + '\n')
    return 0
  }
  const timeout = Number(values.timeout)
  let client: mqtt.MqttClient
  try {
    client = await mqtt.connectAsync(values.broker, {
      reconnectPeriod: 0,
      connectTimeout: timeout,
      clientId: `sluice-health-${process.pid}`,
    })
  } catch (err) {
    process.stderr.write(`unhealthy: broker ${values.broker} unreachable: ${(err as Error).message}\n`)
    return 1
  }
  try {
    if (values.service === undefined) return 0
    const service = values.service
    const online = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout)
      client.on('message', (_topic, payload) => {
        const s = decodeStatus(payload)
        if (s.ok && s.value.state === 'online') {
          clearTimeout(timer)
          resolve(true)
        }
      })
      const topic =
        values.instance === '+'
          ? `${values.prefix}/_sys/${service}/+/status`
          : statusTopic(values.prefix, service, values.instance)
      client.subscribe(topic, { qos: 0 })
    })
    if (!online) process.stderr.write(`unhealthy: no online status from ${service} within ${timeout} ms\n`)
    return online ? 0 : 1
  } finally {
    await client.endAsync()
  }
}
