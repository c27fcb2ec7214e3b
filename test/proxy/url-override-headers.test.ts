// X-Original-URL and X-Rewrite-URL name "the real URL" to IIS/ASP.NET, Symfony and Zend Framework before
// CVE-2018-14773 / ZF2018-01, and some Java filters: a component behind restgate that honoured them would serve
// another URL than the canonical path restgate's rules were checked on. A client's copy never reaches it.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'

t.test('X-Original-URL and X-Rewrite-URL are never forwarded, in any spelling, with or without a login', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const sent = ['X-Original-URL', '/rest/api/2/user?username=admin', 'x-rewrite-url', '/secure/admin/ViewUsers.jspa', 'X_Original_Url', '/x', 'X-REWRITE-URL', '/y']
  for (const auth of [[], ['Authorization', `Bearer ${secret}`]]) {
    const res = await httpRequest(`${rg.url}/rest/api/2/issue/TEST-1`, { headers: [...sent, ...auth] })
    t.equal(res.status, 200)
    const seen = stub.requests.at(-1)!
    t.equal(seen.url, '/rest/api/2/issue/TEST-1')
    t.same(seen.rawHeaders.filter((h, i) => i % 2 === 0 && /^x[-_](original|rewrite)[-_]url$/i.test(h)), [], 'none of them upstream')
  }
})
