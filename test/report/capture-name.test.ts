import {describe, expect, it} from 'vitest'
import {capturePathText, captureTitleName} from '../../src/report/capture-name.js'

describe('how reports name a capture', () => {
  it('names a file by its base name, whatever the separator', () => {
    expect(captureTitleName('/data/calls/zoom-2024.pcapng')).toBe('zoom-2024.pcapng')
    expect(captureTitleName('C:\\calls\\teams.pcap')).toBe('teams.pcap')
    expect(captureTitleName('plain.pcap')).toBe('plain.pcap')
  })

  it('names standard input in words, not as a dash', () => {
    expect(captureTitleName('-')).toBe('standard input')
    // A file called "-" in a directory is a file, not standard input.
    expect(captureTitleName('./-')).toBe('-')
  })

  it('shows a path in full, and standard input in words', () => {
    expect(capturePathText('/data/calls/zoom.pcapng')).toBe('/data/calls/zoom.pcapng')
    expect(capturePathText('-')).toBe('standard input')
  })
})
