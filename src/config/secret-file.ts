// A secret kept in a file (a Docker or Kubernetes secret, systemd's LoadCredential=, a file only the
// service user may read), so it stays out of the policy file, its snapshots and the environment.
import { readFileSync } from 'node:fs'

/** The file's text, less one final newline (`echo secret > file` writes one). */
export function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '')
}
