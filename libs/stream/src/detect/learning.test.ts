import { describe, expect, it } from 'vitest'
import { createLearningGate } from './learning.js'
import { createDetector } from './registry.js'

describe('createLearningGate', () => {
  it('learns until both the samples and the duration are reached', () => {
    const gate = createLearningGate(5, 1000)
    const states = [0, 100, 200, 300, 400, 999, 1000].map((t) => gate.observe(t))
    // Five samples are reached at t = 400, but only 400 ms are spanned; the duration at t = 1000.
    expect(states).toEqual([true, true, true, true, true, true, false])
    expect(gate.learning).toBe(false)
    expect(gate.remaining).toEqual({ samples: 0, ms: 0 })
  })

  it('hands its state over as plain data: the restored gate is not learning again', () => {
    const gate = createLearningGate(3, 0)
    for (const t of [1, 2, 3]) gate.observe(t)
    const state = JSON.parse(JSON.stringify(gate.snapshot())) as ReturnType<typeof gate.snapshot>
    const next = createLearningGate(3, 0)
    expect(next.learning).toBe(true)
    next.restore(state)
    expect(next.learning).toBe(false)
  })

  it('refuses a negative duration', () => {
    expect(() => createLearningGate(1, -1)).toThrow(/learnMs/)
  })
})

describe('createDetector learning', () => {
  it('raises nothing while learning, even on a huge spike, and reports learning', () => {
    const d = createDetector({ name: 'zscore', window: 20, minSamples: 5, learnSamples: 50 })
    for (let i = 0; i < 30; i++) d.update(i, i % 2)
    const spike = d.update(30, 1e6)
    expect(spike.learning).toBe(true)
    expect(spike.alert).toBe(false)
    expect(spike.level).toBe('normal')
    expect(d.learning).toBe(true)
    for (let i = 31; i < 60; i++) d.update(i, i % 2)
    expect(d.learning).toBe(false)
    const later = d.update(60, 1e6)
    expect(later.learning).toBe(false)
    expect(later.alert).toBe(true)
  })

  it('a detector restored from a learned gate state alerts at once', () => {
    const a = createDetector({ name: 'zscore', window: 20, learnSamples: 50 })
    for (let i = 0; i < 60; i++) a.update(i, i % 2)
    const b = createDetector({ name: 'zscore', window: 20, learnSamples: 50 })
    b.restoreLearning(a.learningState())
    for (let i = 0; i < 20; i++) b.update(i, i % 2)
    expect(b.update(20, 1e6).alert).toBe(true)
  })
})
