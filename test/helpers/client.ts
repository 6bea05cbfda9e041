// A browser-like client over app.inject: keeps cookies, reads the CSRF token of the last page
// and submits forms as application/x-www-form-urlencoded, like the real pages do.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

export type Client = {
  get: (url: string) => Promise<LightMyRequestResponse>
  /** Posts a form with the CSRF token of the last page fetched (or of `from`, fetched first). */
  post: (url: string, form: Record<string, string>, options?: { from?: string; csrf?: string | null }) => Promise<LightMyRequestResponse>
  /** Posts multipart/form-data (uploads); the CSRF token goes in the URL, as the pages do. */
  upload: (url: string, fields: Record<string, string>, files: { field?: string; filename: string; content: Buffer | Uint8Array }[]) => Promise<LightMyRequestResponse>
  /** Follows redirects of a response and returns the final one. */
  follow: (res: LightMyRequestResponse) => Promise<LightMyRequestResponse>
  cookies: Map<string, string>
  csrf: () => string | null
}

export function client(app: FastifyInstance): Client {
  const cookies = new Map<string, string>()
  let lastCsrf: string | null = null
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const remember = (res: LightMyRequestResponse) => {
    for (const c of res.cookies) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0) cookies.delete(c.name)
      else cookies.set(c.name, c.value)
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)
    if (token) lastCsrf = token[1] as string
    return res
  }
  const get = async (url: string) =>
    remember(await app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie: cookieHeader() } }))
  const post = async (url: string, form: Record<string, string>, options: { from?: string; csrf?: string | null } = {}) => {
    if (options.from) await get(options.from)
    const token = options.csrf === undefined ? lastCsrf : options.csrf
    const body = new URLSearchParams({ ...form, ...(token ? { _csrf: token } : {}) }).toString()
    return remember(
      await app.inject({
        method: 'POST',
        url,
        payload: body,
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader() },
      }),
    )
  }
  const upload = async (url: string, fields: Record<string, string>, files: { field?: string; filename: string; content: Buffer | Uint8Array }[]) => {
    const boundary = `----creances${Math.random().toString(16).slice(2)}`
    const parts: Buffer[] = []
    for (const [name, value] of Object.entries(fields)) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
    }
    for (const f of files) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field ?? 'file'}"; filename="${f.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`))
      parts.push(Buffer.from(f.content), Buffer.from('\r\n'))
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`))
    const sep = url.includes('?') ? '&' : '?'
    return remember(
      await app.inject({
        method: 'POST',
        url: lastCsrf ? `${url}${sep}_csrf=${encodeURIComponent(lastCsrf)}` : url,
        payload: Buffer.concat(parts),
        headers: { accept: 'text/html', 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: cookieHeader() },
      }),
    )
  }
  const follow = async (res: LightMyRequestResponse) => {
    let current = res
    for (let i = 0; i < 5 && current.statusCode >= 300 && current.statusCode < 400; i++) {
      current = await get(String(current.headers.location))
    }
    return current
  }
  return { get, post, upload, follow, cookies, csrf: () => lastCsrf }
}

/** The link of a given path found in a mail body (the outbox keeps the rendered text). */
export function linkIn(text: string, path: string): string {
  const match = new RegExp(`https?://[^\\s"<]+(${path}[^\\s"<]*)`).exec(text)
  if (!match) throw new Error(`no ${path} link in: ${text}`)
  return match[1] as string
}
