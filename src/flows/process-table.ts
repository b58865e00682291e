import type {ProcessInfo} from '../capture/packet-record.js'

/** Most distinct processes kept for one read; flows of further ones are left without a process. */
const MAX_PROCESSES = 65_536

/** The distinct processes a read met, numbered from 1 in order of first sight (0 = none). */
export class ProcessTable {
  readonly list: ProcessInfo[] = []
  private readonly byKey = new Map<string, number>()

  numberOf(process: ProcessInfo): number {
    const key = `${process.pid ?? ''}\0${process.name}\0${process.effectivePid ?? ''}\0${process.effectiveName ?? ''}\0${process.uid ?? ''}\0${process.package ?? ''}`
    let n = this.byKey.get(key)
    if (n === undefined) {
      if (this.list.length >= MAX_PROCESSES) return 0
      this.list.push(process)
      n = this.list.length
      this.byKey.set(key, n)
    }
    return n
  }
}
