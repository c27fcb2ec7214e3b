package com.atlassian.seraph.auth;

import com.atlassian.seraph.config.SecurityConfig;
import java.io.Serializable;
import java.security.Principal;
import java.util.Map;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Test-only stand-in for {@code com.atlassian.seraph.auth.AbstractAuthenticator} (Seraph 4.x, as shipped in Jira 9/10
 * and Confluence 8/9), which implements {@code com.atlassian.seraph.auth.Authenticator} and {@code Serializable}.
 * Mirrored, with the real signatures:
 * {@code public void init(Map<String, String> params, SecurityConfig config)},
 * {@code protected SecurityConfig getConfig()},
 * {@code public Principal getUser(HttpServletRequest request)} (which calls the two-argument form with a null response),
 * {@code public abstract Principal getUser(HttpServletRequest, HttpServletResponse)}.
 */
public abstract class AbstractAuthenticator implements Serializable {
    private static final long serialVersionUID = 1L;

    private SecurityConfig config;

    public void init(Map<String, String> params, SecurityConfig config) {
        this.config = config;
    }

    protected SecurityConfig getConfig() {
        return config;
    }

    public Principal getUser(HttpServletRequest request) {
        return getUser(request, null);
    }

    public abstract Principal getUser(HttpServletRequest request, HttpServletResponse response);
}
