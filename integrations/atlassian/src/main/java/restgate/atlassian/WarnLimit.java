package restgate.atlassian;

/**
 * At most {@code limit} warnings per {@code windowMs}: a client that sends bad assertions in a loop must not fill the
 * product's log. {@link #take} says how many were held back since the last one written, or -1 to hold this one.
 */
final class WarnLimit {
    private final int limit;
    private final long windowMs;
    private long windowStart = Long.MIN_VALUE;
    private int used;
    private long suppressed;

    WarnLimit(int limit, long windowMs) {
        this.limit = limit;
        this.windowMs = windowMs;
    }

    synchronized long take(long now) {
        if (windowStart == Long.MIN_VALUE || now - windowStart >= windowMs || now < windowStart) {
            windowStart = now;
            used = 0;
        }
        if (used >= limit) {
            suppressed++;
            return -1;
        }
        used++;
        long held = suppressed;
        suppressed = 0;
        return held;
    }
}
