package restgate.atlassian;

/** The verifier's answer: the outcome, and for a valid assertion the user and how restgate authenticated them. */
public record Verdict(Outcome outcome, String user, String method) {
    static Verdict of(Outcome outcome) {
        return new Verdict(outcome, null, null);
    }

    public boolean valid() {
        return outcome == Outcome.VALID;
    }
}
