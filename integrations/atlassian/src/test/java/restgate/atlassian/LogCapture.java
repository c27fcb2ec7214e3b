package restgate.atlassian;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Captures what the authenticators log (slf4j bound to java.util.logging in the tests), every level. */
final class LogCapture extends Handler implements AutoCloseable {
    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger("restgate.atlassian");

    LogCapture() {
        logger.setLevel(Level.ALL);
        logger.setUseParentHandlers(false);
        logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }

    String text() {
        StringBuilder b = new StringBuilder();
        for (LogRecord r : records) b.append(r.getLevel()).append(' ').append(r.getMessage()).append('\n');
        return b.toString();
    }

    boolean has(Level level, String part) {
        return records.stream().anyMatch(r -> r.getLevel().equals(level) && r.getMessage().contains(part));
    }
}
