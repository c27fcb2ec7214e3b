// The benchmark's upstream: a keep-alive HTTP server answering every request with the same ~1 KB of JSON,
// shaped like a Jira issue; and /rest/api/2/myself with the X-Forwarded-User it was sent, so the bench can
// check that a proxy told it who the user is. Run as its own process: `node dist/bench/servers/stub-jira.js PORT`.
import http from 'node:http'
import { WHOAMI_PATH, whoamiBody } from '../auth-check.js'

/** A Jira-like issue body of about 1 KB, built once. */
function issueBody(): Buffer {
  const issue = {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: '10042',
    self: 'http://jira.example.com/rest/api/2/issue/10042',
    key: 'BENCH-42',
    fields: {
      summary: 'Benchmark issue: a body about the size of a small Jira REST answer',
      status: { name: 'In Progress', id: '3', statusCategory: { key: 'indeterminate', colorName: 'yellow' } },
      priority: { name: 'Major', id: '3' },
      issuetype: { name: 'Task', id: '10002', subtask: false },
      project: { key: 'BENCH', name: 'Benchmark', id: '10000', projectTypeKey: 'software' },
      assignee: { name: 'alice', key: 'alice', displayName: 'Alice Example', active: true },
      reporter: { name: 'bob', key: 'bob', displayName: 'Bob Example', active: true },
      labels: ['performance', 'restgate'],
      created: '2024-03-01T09:15:00.000+0000',
      updated: '2024-03-02T17:45:12.000+0000',
      description: 'x'.repeat(300),
    },
  }
  return Buffer.from(JSON.stringify(issue))
}

function main(): void {
  const port = Number(process.argv[2])
  if (!Number.isInteger(port) || port <= 0) {
    process.stderr.write('usage: stub-jira.js PORT\n')
    process.exit(2)
  }
  const body = issueBody()
  const headers = { 'content-type': 'application/json;charset=UTF-8', 'content-length': String(body.length) }
  const server = http.createServer((req, res) => {
    req.resume()
    if (req.url === WHOAMI_PATH) {
      const who = whoamiBody(req.headers['x-forwarded-user'] as string | undefined)
      res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': String(Buffer.byteLength(who)) })
      res.end(who)
      return
    }
    res.writeHead(200, headers)
    res.end(body)
  })
  // Longer than any proxy's pool keeps an idle socket, as Tomcat's would be configured.
  server.keepAliveTimeout = 120_000
  server.listen(port, '127.0.0.1')
  process.once('SIGTERM', () => {
    server.closeAllConnections()
    server.close(() => process.exit(0))
  })
}

main()
