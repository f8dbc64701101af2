import { sluiceVitestConfig } from '../vitest.shared.js'

// Its long files mostly wait on brokers, timers and child processes: two at a time.
export default sluiceVitestConfig({ maxWorkers: 2 })
