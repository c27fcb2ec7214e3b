// Starts test/fixtures/oauth_stub.py: a stub Jira that verifies OAuth 1.0a RSA-SHA1 with Debian's python3-oauthlib,
// an implementation independent of restgate's. Stopped in teardown.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { repoPath } from './paths.js'
import { tempDir } from './tmp.js'

interface T {
  teardown(fn: () => unknown): void
}

export interface OAuthVerdict {
  readonly ok: boolean
  readonly reason: string | null
  readonly user: string | null
  readonly method: string
  readonly path: string
  readonly authorization: string | null
  readonly assertion: string | null
  readonly body: string
}

export interface OAuthStub {
  readonly url: string
}

export async function startOAuthStub(t: T, consumerKey: string, publicKeyPem: string, baseUrl?: string): Promise<OAuthStub> {
  const keyFile = join(tempDir(t, 'restgate-oauth-stub-'), 'public.pem')
  writeFileSync(keyFile, publicKeyPem)
  // Debian's interpreter, where python3-oauthlib is installed (a pyenv python3 may come first on PATH).
  const child = spawn('/usr/bin/python3', [repoPath('test', 'fixtures', 'oauth_stub.py'), consumerKey, keyFile, ...(baseUrl === undefined ? [] : [baseUrl])], {
    // stdin stays open: the stub exits when it closes, so it cannot outlive the test process.
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! })
    rl.once('line', (line) => {
      const m = /^listening (\d+)$/.exec(line)
      if (m === null) reject(new Error(`oauth stub said ${line}`))
      else resolve(Number(m[1]))
    })
    void exited.then(() => reject(new Error(`oauth stub exited before listening: ${stderr}`)))
  })
  return { url: `http://127.0.0.1:${port}` }
}
