// A worker thread, like tesseract.js's: reports whether the network block reached it.
import { parentPort } from 'node:worker_threads'

fetch('https://probe.invalid/').then(
  () => parentPort?.postMessage(false),
  (error: Error) => parentPort?.postMessage(/network disabled/.test(String(error.message))),
)
