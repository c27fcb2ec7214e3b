package restgate.atlassian;

/** The verifier's answer: the outcome, and for a valid assertion the user and how restgate authenticated them. */
// A plain class, not a record: the jar must load on Java 11 (Jira 9, Confluence 8).
public final class Verdict {
    private final Outcome outcome;
    private final String user;
    private final String method;

    public Verdict(Outcome outcome, String user, String method) {
        this.outcome = outcome;
        this.user = user;
        this.method = method;
    }

    public Outcome outcome() {
        return outcome;
    }

    public String user() {
        return user;
    }

    public String method() {
        return method;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Verdict)) return false;
        Verdict v = (Verdict) o;
        return outcome == v.outcome && java.util.Objects.equals(user, v.user) && java.util.Objects.equals(method, v.method);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(outcome, user, method);
    }

    @Override
    public String toString() {
        return "Verdict[outcome=" + outcome + ", user=" + user + ", method=" + method + "]";
    }

    static Verdict of(Outcome outcome) {
        return new Verdict(outcome, null, null);
    }

    public boolean valid() {
        return outcome == Outcome.VALID;
    }
}
