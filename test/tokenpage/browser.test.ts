// The token page in a real browser (Debian's chromium, driven by playwright-core): log in with a Jira
// password, create a token, read it from the page, use it with curl, see "last used" change, revoke it and
// see curl refused; an admin revokes another user's token. The words are for people who are not technical:
// no placeholder that looks filled in, no jargon, a command that never breaks inside a word, a quiet
// Revoke. Screenshots go to test-artifacts/ (not committed); RESTGATE_DOCS_SCREENSHOT=1 also refreshes
// docs/token-page.png.
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { promisify } from 'node:util'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { repoPath } from '../helpers/paths.js'

const run = promisify(execFile)
const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = repoPath('test-artifacts', 'token-page')
const DANGER = 'rgb(222, 53, 11)'

// What the browser-side functions below use of the DOM (the tests compile without its type library).
interface Rect { readonly top: number; readonly width: number }
interface Browserish {
  readonly document: { createRange(): { setStart(node: unknown, offset: number): void; setEnd(node: unknown, offset: number): void; getClientRects(): ArrayLike<Rect> } }
  getComputedStyle(element: unknown): { readonly backgroundColor: string }
}
interface Elementish {
  readonly firstChild: unknown
  readonly textContent: string | null
  readonly innerText: string
  querySelectorAll(selector: string): ArrayLike<unknown>
}

/** The computed background colour of an element. */
const background = (element: unknown): string => (globalThis as unknown as Browserish).getComputedStyle(element).backgroundColor

/** Words of a command element that the browser laid out across two lines, and how many lines it took. */
function wrapping(page: Page, selector: string): Promise<{ broken: string[]; lines: number }> {
  return page.locator(selector).evaluate((node) => {
    const el = node as unknown as Elementish
    const text = el.firstChild
    const topsOf = (from: number, to: number): Set<number> => {
      const r = (globalThis as unknown as Browserish).document.createRange()
      r.setStart(text, from)
      r.setEnd(text, to)
      return new Set(Array.from(r.getClientRects()).filter((x) => x.width > 0).map((x) => Math.round(x.top)))
    }
    const broken = [...(el.textContent ?? '').matchAll(/\S+/g)].filter((m) => topsOf(m.index!, m.index! + m[0].length).size > 1).map((m) => m[0])
    return { broken, lines: topsOf(0, (el.textContent ?? '').length).size }
  })
}

/** The page's own words, without the commands and addresses shown as code. */
function prose(page: Page, selector: string): Promise<string> {
  return page.locator(selector).evaluate((node) => {
    const el = node as unknown as Elementish
    let visible = el.innerText
    for (const c of Array.from(el.querySelectorAll('pre, code')) as unknown as Elementish[]) visible = visible.replace(c.innerText, '')
    return visible
  })
}

async function curl(url: string, token: string): Promise<number> {
  const { stdout } = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${token}`, url])
  return Number(stdout)
}

/** A page that fails the test on any console error or CSP violation (the API's expected 4xx answers aside). */
async function openPage(t: Test, browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/the server responded with a status of 4\d\d/.test(msg.text())) t.fail(`browser console: ${msg.text()}`)
  })
  page.on('pageerror', (err) => t.fail(`page error: ${err.message}`))
  await page.goto(url)
  return page
}

async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.locator('#login-form input[name="username"]').fill(user)
  await page.locator('#login-form input[name="password"]').fill(password)
  await page.locator('#login-form button[type="submit"]').click()
}

t.test('the token page, start to finish', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, async (t) => {
  mkdirSync(ARTIFACTS, { recursive: true })
  const clock = { at: Date.now(), now() { return this.at } }
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw', displayName: 'Alice' })
  stub.users.set('root', { password: 'root-pw' })
  const rg = await startRestgate(t, testPolicy(stub.url, { directory: { admins: { users: ['root'] } }, apiTokens: { maxLifetimeDays: 90 } }), { clock })
  const pageUrl = `${rg.url}/restgate/tokens`

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  t.teardown(() => browser.close())

  // --- Alice: log in, a wrong password first ------------------------------------------------------------
  const page = await openPage(t, browser, pageUrl)
  await page.locator('#login').waitFor()
  await logIn(page, 'alice', 'wrong')
  await page.locator('#message').getByText('The username or password is not correct').waitFor()
  await logIn(page, 'alice', 'alice-pw')
  await page.locator('#app').waitFor()
  t.equal(await page.locator('#who-name').textContent(), 'alice')
  t.equal(await page.locator('#empty').isVisible(), true, 'no tokens yet')
  t.match(await page.locator('#limits').textContent(), /at most 90 days/)

  // --- Plain words: help under the fields, nothing grey inside them, no jargon ------------------------------
  t.equal(await page.locator('#create-form [placeholder]').count(), 0, 'no placeholder that looks like a filled-in value')
  t.match(await page.locator('#days-help').textContent(), /Leave empty for 30 days\. At most 90 days/)
  t.match(await page.locator('#paths-help').textContent(), /one address per line/)
  t.match(await page.locator('#limits').textContent(), /Tokens work for Jira's REST API \(addresses that start with \/rest\/\)\./)
  const words = await prose(page, '#app')
  for (const jargon of [/glob/i, /GET, HEAD, OPTIONS/, /Bearer/, /\/rest\/\*\*/, /scope/i]) t.notMatch(words, jargon, `no ${jargon.source} in the page's words`)
  t.match(await page.locator('#create-form fieldset').textContent(), /Read only \(it can look, never change anything\)/)

  // --- A lifetime over the limit: the message says the limit --------------------------------------------
  const form = page.locator('#create-form')
  await form.locator('input[name="validForDays"]').fill('400')
  await form.locator('button[type="submit"]').click()
  await page.locator('#message').getByText('over the limit of 90 days').waitFor()
  t.equal((await rg.store.listTokens('alice')).length, 0)

  // --- Create: the secret once, with a copy button and the warning --------------------------------------
  await form.locator('input[name="tokenName"]').fill('nightly-report')
  await form.locator('input[name="description"]').fill('Reporting job on build-07')
  await form.locator('input[name="validForDays"]').fill('60')
  await form.locator('input[name="scope"][value="read"]').check()
  await form.locator('button[type="submit"]').click()
  const dialog = page.locator('#created')
  await dialog.waitFor()
  const secret = await page.locator('#secret').inputValue()
  t.match(secret, /^rgt_[0-9A-Za-z]{49}$/)
  t.match(await dialog.textContent(), /It will not be shown again/)
  // Both ways to send it, with alice's name, in commands that wrap at spaces only, even on a narrow screen.
  const origin = new URL(rg.url).origin
  t.equal(await page.locator('#usage-basic').textContent(), `curl -u alice:TOKEN ${origin}/rest/api/2/myself`)
  t.equal(await page.locator('#usage-bearer').textContent(), `curl -H "Authorization: Bearer TOKEN" ${origin}/rest/api/2/myself`)
  await page.setViewportSize({ width: 380, height: 760 })
  for (const command of ['#usage-basic', '#usage-bearer']) {
    const laid = await wrapping(page, command)
    t.ok(laid.lines > 1, `${command} wraps on a narrow screen (${laid.lines} lines)`)
    t.same(laid.broken, [], `${command}: no word broken across lines`)
  }
  await page.setViewportSize({ width: 1280, height: 760 })
  await page.locator('#copy').click()
  await page.locator('#copied').waitFor()
  await page.screenshot({ path: `${ARTIFACTS}/created-token-dialog.png` })
  await page.locator('#done').click()
  await dialog.waitFor({ state: 'hidden' })
  t.equal(await page.locator('#secret').inputValue(), '', 'the secret is gone from the page once closed')
  const row = page.locator('#tokens tbody tr', { hasText: 'nightly-report' })
  t.match(await row.textContent(), /Reporting job on build-07.*Never.*read only.*Active/)

  // --- Use it with curl; "last used" shows it ------------------------------------------------------------
  t.equal(await curl(`${rg.url}/rest/api/2/issue/TEST-1`, secret), 200)
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
  await rg.tokens.service.flushUsage()
  await rg.tokens.service.create('alice', { name: 'jira-sync', description: 'Issue sync to the service desk', paths: ['/rest/api/2/issue/**'] }, rg.runtime.current.policy)
  await page.locator('#reload').click()
  await row.locator('.last-used').getByText('from 127.0.0.1').waitFor()
  const syncRow = page.locator('#tokens tbody tr', { hasText: 'jira-sync' })
  t.match(await syncRow.textContent(), /read and change.*only addresses that start with \/rest\/api\/2\/issue\//)
  await page.screenshot({ path: `${ARTIFACTS}/token-list.png`, fullPage: true })
  if (process.env['RESTGATE_DOCS_SCREENSHOT'] === '1') copyFileSync(`${ARTIFACTS}/token-list.png`, repoPath('docs', 'token-page.png'))

  // --- Revoke is a quiet button on every row; only the confirmation's own button is red ---------------------
  for (const button of await page.locator('#tokens tbody button', { hasText: 'Revoke' }).all()) {
    t.not(await button.evaluate(background), DANGER, 'no red Revoke in the list')
  }

  // --- Extend (refresh) one: the button says by how much ----------------------------------------------------
  await syncRow.getByRole('button', { name: 'Extend by 30 days' }).click()
  await page.locator('#message').getByText(/"jira-sync" now stops working on .*, 30 days from today\./).waitFor()
  t.equal(await row.getByRole('button', { name: 'Extend by 60 days' }).count(), 1, "each row by its own token's lifetime")

  // --- Revoke with confirmation that says what happens; curl is refused ---------------------------------
  await row.getByRole('button', { name: 'Revoke' }).click()
  await page.locator('#confirm').waitFor()
  t.equal(await page.locator('#confirm-title').textContent(), 'Revoke the token "nightly-report"?')
  t.match(await page.locator('#confirm-text').textContent(), /^Scripts and programs that use this token stop working at once: from now on their requests are refused\. This cannot be undone/)
  t.equal(await page.locator('#confirm-yes').evaluate(background), DANGER, 'the one red button')
  t.equal(await page.locator('#confirm-yes').textContent(), 'Revoke token')
  await page.locator('#confirm-yes').click()
  await page.locator('#message').getByText('is revoked').waitFor()
  await row.waitFor({ state: 'detached' })
  t.equal(await curl(`${rg.url}/rest/api/2/issue/TEST-1`, secret), 401)

  // --- An admin revokes another user's token ---------------------------------------------------------------
  const bobs = await rg.tokens.service.create('bob', { name: 'bob-sync' }, rg.runtime.current.policy)
  await rg.tokens.service.create('carol', { name: 'carol-ci' }, rg.runtime.current.policy)
  const admin = await openPage(t, browser, pageUrl)
  await logIn(admin, 'root', 'root-pw')
  await admin.locator('#app').waitFor()
  await admin.locator('#show-all').check()
  await admin.locator('#tokens tbody tr', { hasText: 'carol-ci' }).waitFor()
  await admin.locator('#user-filter').fill('bob')
  t.equal(await admin.locator('#tokens tbody tr').count(), 1, 'filtered to bob')
  const bobRow = admin.locator('#tokens tbody tr', { hasText: 'bob-sync' })
  await bobRow.getByRole('button', { name: 'Revoke' }).click()
  t.equal(await admin.locator('#confirm-title').textContent(), 'Revoke the token "bob-sync" of bob?')
  t.match(await admin.locator('#confirm-text').textContent(), /^bob's scripts and programs that use this token stop working at once/)
  await admin.locator('#confirm-yes').click()
  await admin.locator('#message').getByText('of bob is revoked').waitFor()
  t.equal(await rg.store.getToken(bobs.record.id), null)
  t.equal(await curl(`${rg.url}/rest/api/2/issue/TEST-1`, bobs.secret), 401)

  // --- Alice's session runs out: the page says so and asks her to log in again ----------------------------
  clock.at += 9 * 3_600_000
  await page.locator('#reload').click()
  await page.locator('#message').getByText('Your session has expired: log in again.').waitFor()
  await page.locator('#login').waitFor()

  // --- Log out ----------------------------------------------------------------------------------------------
  await admin.locator('#logout').click()
  await admin.locator('#message').getByText('You are logged out.').waitFor()
  await admin.reload()
  await admin.locator('#login').waitFor()
})
