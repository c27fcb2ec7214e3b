// The token page in a real browser (Debian's chromium, driven by playwright-core): log in with a Jira
// password, create a token, read it from the page, use it with curl, see "last used" change, revoke it and
// see curl refused; an admin revokes another user's token. Screenshots go to test-artifacts/ (not committed).
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { promisify } from 'node:util'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { repoPath } from '../helpers/paths.js'

const run = promisify(execFile)
const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = repoPath('test-artifacts', 'token-page')

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
  await page.screenshot({ path: `${ARTIFACTS}/token-list.png`, fullPage: true })

  // --- Extend (refresh) one ------------------------------------------------------------------------------
  await page.locator('#tokens tbody tr', { hasText: 'jira-sync' }).getByRole('button', { name: 'Extend' }).click()
  await page.locator('#message').getByText('"jira-sync" now expires on').waitFor()

  // --- Revoke with confirmation; curl is refused ---------------------------------------------------------
  await row.getByRole('button', { name: 'Revoke' }).click()
  await page.locator('#confirm').waitFor()
  t.match(await page.locator('#confirm-text').textContent(), /Revoke the token "nightly-report"\?/)
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
  t.match(await admin.locator('#confirm-text').textContent(), /"bob-sync" of bob/)
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
