package com.atlassian.seraph.auth;

/**
 * Test-only stand-in for {@code com.atlassian.seraph.auth.AuthenticatorException}, the checked exception of
 * {@code DefaultAuthenticator.authenticate(Principal, String)}. The real one also carries an AuthenticationErrorType.
 */
public class AuthenticatorException extends Exception {
    private static final long serialVersionUID = 1L;

    public AuthenticatorException(String message) {
        super(message);
    }
}
