// The stack that closes what start() opened: last opened first, every close even when one fails.
import t from 'tap'
import { createResources } from '../../src/boot/resources.js'

t.test('closes in reverse order of opening, once', async (t) => {
  const closed: string[] = []
  const resources = createResources()
  for (const name of ['upstream', 'store', 'tokens', 'app']) resources.defer(async () => void closed.push(name))
  await Promise.all([resources.close(), resources.close()])
  t.same(closed, ['app', 'tokens', 'store', 'upstream'])
  await resources.close()
  t.equal(closed.length, 4, 'a later call closes nothing again')
})

t.test('a close that throws does not keep the others open; its error comes after all have run', async (t) => {
  const closed: string[] = []
  const resources = createResources()
  resources.defer(() => void closed.push('upstream'))
  resources.defer(() => {
    throw new Error('store close failed')
  })
  resources.defer(() => Promise.reject(new Error('second failure')))
  resources.defer(() => void closed.push('app'))
  await t.rejects(resources.close(), { message: 'second failure' }, 'the first error met, closing from the top')
  t.same(closed, ['app', 'upstream'])
})
