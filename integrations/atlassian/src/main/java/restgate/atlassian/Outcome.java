package restgate.atlassian;

/** What the verifier made of a request's assertion; everything but VALID leaves the request as if unsigned. */
public enum Outcome {
    VALID("valid"),
    ABSENT("no assertion"),
    NOT_CONFIGURED("the authenticator's settings are invalid (see the error logged at start-up)"),
    UNTRUSTED_PEER("sent from an address that is not in restgate.addresses"),
    SEVERAL("more than one assertion in the request"),
    MALFORMED("not a v2 assertion"),
    NO_KEY("no usable key file"),
    BAD_SIGNATURE("signature does not match (another key, or made for another user, method or request)"),
    EXPIRED("older than restgate.maxAgeSeconds"),
    FUTURE("dated further ahead than restgate.maxFutureSeconds"),
    REPLAYED("already used once"),
    REPLAY_CACHE_FULL("too many assertions in the time window to remember");

    private final String reason;

    Outcome(String reason) {
        this.reason = reason;
    }

    /** For log lines: says why, never repeats the assertion. */
    public String reason() {
        return reason;
    }
}
