/**
 * @module toml
 * A minimal line-based editor for the flat TOML that `influxd config` prints: set a key at the top level
 * or in a `[section]`, and switch off every `[[array]]` section (the UDP, Graphite, collectd and OpenTSDB
 * listeners). It edits the generated file in place rather than writing a config from scratch, so the
 * result keeps every default of the installed version.
 */

function quoteValue(value: string | number | boolean): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

const HEADER = /^\s*\[\[?([^\]]+)\]\]?\s*$/
const keyLine = (key: string) => new RegExp(`^(\\s*)#?\\s*${key.replace(/[-.]/g, '\\$&')}\\s*=`)

/**
 * Sets `key = value` in `section` (`null` for the top level, before the first header), replacing an
 * existing (or commented-out) line, or adding one right after the header.
 *
 * @example
 * ```ts
 * setTomlKey(text, 'http', 'bind-address', '127.0.0.1:18086')
 * ```
 */
export function setTomlKey(
  text: string,
  section: string | null,
  key: string,
  value: string | number | boolean,
): string {
  const lines = text.split('\n')
  let current: string | null = null
  let headerIndex = section === null ? -1 : -2
  const matcher = keyLine(key)
  for (let i = 0; i < lines.length; i++) {
    const header = HEADER.exec(lines[i]!)
    if (header) {
      current = header[1]!.trim()
      if (current === section && headerIndex === -2) headerIndex = i
      continue
    }
    const m = matcher.exec(lines[i]!)
    if (m && current === section) {
      lines[i] = `${m[1] ?? ''}${key} = ${quoteValue(value)}`
      return lines.join('\n')
    }
  }
  if (headerIndex === -2) {
    lines.push('', `[${section ?? ''}]`, `  ${key} = ${quoteValue(value)}`)
  } else {
    lines.splice(headerIndex + 1, 0, `${section === null ? '' : '  '}${key} = ${quoteValue(value)}`)
  }
  return lines.join('\n')
}

/** Sets `enabled = false` in every `[[array]]` section. */
export function disableArraySections(text: string): string {
  const lines = text.split('\n')
  let inArray = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (/^\s*\[\[/.test(line)) inArray = true
    else if (/^\s*\[/.test(line)) inArray = false
    else if (inArray && /^\s*enabled\s*=/.test(line)) lines[i] = line.replace(/=.*$/, '= false')
  }
  return lines.join('\n')
}
