// Preloaded (node --import) into a process and each of its worker threads: any attempt to reach
// the network — a socket, a DNS lookup, fetch — fails and is reported on stderr as NETWORK.
import dns from 'node:dns'
import net from 'node:net'
import { isMainThread } from 'node:worker_threads'

const refuse = (what: string) => {
  process.stderr.write(`NETWORK ${what} (${isMainThread ? 'main thread' : 'worker thread'})\n`)
  throw new Error(`network disabled in this process: ${what}`)
}
const originalConnect = net.Socket.prototype.connect
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const [first] = args
  // IPC over a Unix socket path is local (none is used here, but it is not the network).
  if (typeof first === 'object' && first !== null && 'path' in first) return originalConnect.apply(this, args as never)
  return refuse(`socket connect ${JSON.stringify(first)}`)
} as typeof net.Socket.prototype.connect
dns.lookup = ((host: string) => refuse(`dns lookup ${host}`)) as unknown as typeof dns.lookup
dns.promises.lookup = (async (host: string) => refuse(`dns lookup ${host}`)) as typeof dns.promises.lookup
globalThis.fetch = (async (input: unknown) => refuse(`fetch ${String(input)}`)) as typeof fetch
