package com.atlassian.seraph.config;

/**
 * Test-only stand-in for Seraph's {@code com.atlassian.seraph.config.SecurityConfig}, the interface Seraph builds
 * from {@code seraph-config.xml} and hands to {@code Authenticator.init(Map<String, String>, SecurityConfig)}.
 * The real interface has many more methods; these two are the ones the stand-in {@link
 * com.atlassian.seraph.auth.DefaultAuthenticator} reads, with the real names and signatures.
 */
public interface SecurityConfig {
    /** Real: {@code boolean isInvalidateSessionOnLogin()} (the {@code invalidate.session.on.login} parameter). */
    boolean isInvalidateSessionOnLogin();

    /** Real: {@code String getAuthType()} (the request parameter that asks for Basic, usually {@code os_authType}). */
    String getAuthType();
}
