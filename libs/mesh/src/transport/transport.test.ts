import { describe, expect, it } from 'vitest'
import { topicMatches } from './transport.js'

describe('topicMatches', () => {
  it('matches + as one level and # as any levels [MQTT-4.7.1]', () => {
    expect(topicMatches('sluice/+/+/raw', 'sluice/d/c/raw')).toBe(true)
    expect(topicMatches('sluice/+/+/raw', 'sluice/d/c/window/w')).toBe(false)
    expect(topicMatches('sluice/#', 'sluice/d/c/raw')).toBe(true)
    expect(topicMatches('sluice/#', 'sluice')).toBe(true)
    expect(topicMatches('sluice/d/c/raw', 'sluice/d/c/raw')).toBe(true)
    expect(topicMatches('sluice/d/c', 'sluice/d/c/raw')).toBe(false)
  })

  it('does not match $ topics with a leading wildcard [MQTT-4.7.2-1], and strips $share', () => {
    expect(topicMatches('#', '$SYS/broker')).toBe(false)
    expect(topicMatches('$share/g/sluice/+/+/raw', 'sluice/d/c/raw')).toBe(true)
  })
})
