package com.atlassian.confluence.user;

import java.security.Principal;

/**
 * Test-only stand-in for {@code com.atlassian.confluence.user.ConfluenceUser}, which the real product declares as
 * {@code interface ConfluenceUser extends com.atlassian.user.User, Principal, Serializable}; only the Principal side
 * is used here.
 */
public interface ConfluenceUser extends Principal {
}
