/**
 * @module up/logs
 * Turns the services' pino JSON lines into short lines for people (STYLE.md: `sluice up` pretty-prints
 * logs), and keeps the last few for the screen under the live table.
 */

const LEVELS: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}

/** `12:00:01 windowing info  message key=value`; non-JSON lines pass through with the service name. */
export function formatLogLine(service: string, line: string): string {
  let rec: Record<string, unknown>
  try {
    rec = JSON.parse(line) as Record<string, unknown>
  } catch {
    return `${service.padEnd(13)} ${line}`
  }
  if (typeof rec !== 'object' || rec === null) return `${service.padEnd(13)} ${line}`
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString().slice(11, 19) : ''
  const level = typeof rec.level === 'number' ? (LEVELS[rec.level] ?? String(rec.level)) : ''
  const msg = typeof rec.msg === 'string' ? rec.msg : ''
  const skip = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'svc', 'version', 'instance'])
  const extras = Object.entries(rec)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')
  return `${time} ${service.padEnd(13)} ${level.padEnd(5)} ${msg}${extras ? ' ' + extras : ''}`
}

/** The last `size` lines. */
export class LogTail {
  readonly #lines: string[] = []
  constructor(readonly size: number) {}
  push(line: string): void {
    this.#lines.push(line)
    if (this.#lines.length > this.size) this.#lines.shift()
  }
  get lines(): readonly string[] {
    return this.#lines
  }
}

/**
 * True for the log line a service writes once it runs and has subscribed (`runService` logs "service
 * started" after its SUBACKs): from then on it receives everything published to it.
 */
export function saysStarted(line: string): boolean {
  if (!line.startsWith('{')) return false
  try {
    return (JSON.parse(line) as { msg?: unknown }).msg === 'service started'
  } catch {
    return false
  }
}
