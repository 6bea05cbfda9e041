// The steps of a load as a small dependency graph run on a fixed set of connections ("lanes"):
// each lane takes the first step whose prerequisites are done. A load's steps are few and long
// (seconds of COPY, index builds, anti-joins), so a list in priority order is all the scheduling
// needed; what matters is that no lane idles while a step it could run is waiting.

export interface Step<C> {
  readonly key: string
  /** Keys of the steps that must be done first (unknown keys are ignored: not in this load). */
  readonly after: readonly string[]
  /** Returns false to stop the graph: no lane takes a new step, running ones finish. */
  run(client: C): Promise<boolean>
}

/** Runs `steps` (in priority order) on the lanes; every lane has stopped before this settles. */
export async function runSteps<C>(lanes: readonly C[], steps: readonly Step<C>[]): Promise<void> {
  const keys = new Set(steps.map((s) => s.key))
  const done = new Set<string>()
  const taken = new Set<string>()
  let stopped = false
  let wake = () => {}
  let changed = new Promise<void>((resolve) => (wake = resolve))
  const signal = () => {
    const previous = wake
    changed = new Promise<void>((resolve) => (wake = resolve))
    previous()
  }
  const ready = (step: Step<C>) => !taken.has(step.key) && step.after.every((key) => done.has(key) || !keys.has(key))

  const lane = async (client: C): Promise<void> => {
    while (!stopped && taken.size < steps.length) {
      const next = steps.find(ready)
      if (!next) {
        await changed
        continue
      }
      taken.add(next.key)
      try {
        if (!(await next.run(client))) stopped = true
      } catch (error) {
        stopped = true
        throw error
      } finally {
        done.add(next.key)
        signal()
      }
    }
  }
  const settled = await Promise.allSettled(lanes.map(lane))
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) throw failed.reason
}
