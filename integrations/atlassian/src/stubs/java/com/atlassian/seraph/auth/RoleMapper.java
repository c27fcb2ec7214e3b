package com.atlassian.seraph.auth;

import java.security.Principal;
import javax.servlet.http.HttpServletRequest;

/**
 * Test-only stand-in for {@code com.atlassian.seraph.auth.RoleMapper}: the real interface (which also extends
 * Initable and has {@code hasRole}) decides in {@code boolean canLogin(Principal user, HttpServletRequest request)}
 * whether a user may log in at all; Jira answers it from application access, Confluence from "can use".
 */
public interface RoleMapper {
    boolean canLogin(Principal user, HttpServletRequest request);
}
