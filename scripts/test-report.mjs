#!/usr/bin/env node
// What failed in `pnpm test`, at its end. Turbo streams every package's output in turn, so a failure in an
// early package scrolls far above the end of a long run (and out of a CI log's tail). Each package's vitest
// also writes a JSON report into .test-results/ (vitest.shared.ts); this prints the failed tests of all of
// them, with the first lines of each error, after the run. `--clear` removes the reports of an earlier run;
// `--exit-code N` is the run's, so a failure that left no test report (typecheck, lint, a vitest that
// did not finish) is pointed at too.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dir = join(root, '.test-results')
const LINES = 20

if (process.argv.includes('--clear')) {
  rmSync(dir, { recursive: true, force: true })
  process.exit(0)
}

const reports = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : []
const failures = []
/** Tests that passed on a retry: their earlier attempts' errors, so a flaky test shows before it fails. */
const flaky = []
for (const file of reports.sort()) {
  let report
  try {
    report = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  } catch (e) {
    failures.push({ where: file, what: `its report could not be read: ${String(e)}` })
    continue
  }
  for (const suite of report.testResults ?? []) {
    const where = relative(root, suite.name ?? file)
    let failedHere = false
    for (const t of suite.assertionResults ?? []) {
      const messages = t.failureMessages ?? []
      if (t.status === 'failed') {
        failedHere = true
        failures.push({ where: `${where} > ${t.fullName}`, what: messages.join('\n') })
      } else if (t.status === 'passed' && messages.length > 0) {
        // Earlier attempts' errors: the first line of each is enough to see the flake.
        flaky.push({
          where: `${where} > ${t.fullName}`,
          what: messages.map((m) => m.split('\n')[0]).join('\n'),
        })
      }
    }
    // A file that failed outside any test (an import, a hook) has its message on the file.
    if (!failedHere && suite.status === 'failed')
      failures.push({ where, what: suite.message ?? 'failed outside any test' })
  }
}

/** Prints `entries` under `title`, each marked with `mark` and its first lines (without library frames). */
function list(title, mark, entries) {
  if (entries.length === 0) return
  console.log(`\n${title}`)
  for (const e of entries) {
    // The stack frames inside vitest and Node say nothing about the failure.
    const lines = e.what
      .split('\n')
      .filter((l) => !/^\s*at .*(node_modules|<anonymous>|node:)/.test(l))
    console.log(`\n${mark} ${e.where}`)
    for (const line of lines.slice(0, LINES)) console.log(`    ${line}`)
    if (lines.length > LINES) console.log(`    … ${String(lines.length - LINES)} more lines`)
  }
}

list(
  `${String(failures.length)} failed test(s) in ${String(reports.length)} package report(s):`,
  '✗',
  failures,
)
list(`${String(flaky.length)} test(s) passed on a retry, after failing with:`, '~', flaky)

const at = process.argv.indexOf('--exit-code')
const exitCode = at >= 0 ? Number(process.argv[at + 1]) : 0
if (exitCode !== 0 && failures.length === 0)
  console.log(
    `\npnpm test failed (exit ${String(exitCode)}) with no failed test in the reports: look above for the task that failed (typecheck, lint, or a vitest run that did not finish).`,
  )
