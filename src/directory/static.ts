// Users and groups from the policy file. The upstream-backed directory (Jira's own groups) implements the
// same interface.
import type { Policy } from '../policy/compile.js'

export interface Directory {
  groupsOf(user: string, policy: Policy): Promise<readonly string[]>
  isAdmin(user: string, policy: Policy): Promise<boolean>
}

export function staticGroupsOf(policy: Policy, user: string): string[] {
  const out: string[] = []
  const groups = policy.config.directory.groups
  for (const name in groups) if (groups[name]!.includes(user)) out.push(name)
  return out
}

export function isAdminOf(policy: Policy, user: string, groups: readonly string[]): boolean {
  const admins = policy.config.directory.admins
  return admins.users.includes(user) || groups.some((g) => admins.groups.includes(g))
}

export function createStaticDirectory(): Directory {
  return {
    groupsOf: async (user, policy) => staticGroupsOf(policy, user),
    isAdmin: async (user, policy) => isAdminOf(policy, user, staticGroupsOf(policy, user)),
  }
}
