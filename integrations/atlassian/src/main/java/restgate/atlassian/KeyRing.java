package restgate.atlassian;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared HMAC keys: the whole content of each key file, byte for byte, as restgate reads it. The files are
 * looked at again at most once a second, so a key is rotated by replacing the file, without a restart. A file
 * that cannot be read or holds fewer than 32 bytes gives no key (fail closed): deleting it revokes the trust.
 */
final class KeyRing {
    static final int MIN_KEY_BYTES = 32;
    static final long CHECK_INTERVAL_MS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(KeyRing.class);

    private static final class Loaded {
        final Path file;
        final String stamp;
        final byte[] key;

        Loaded(Path file, String stamp, byte[] key) {
            this.file = file;
            this.stamp = stamp;
            this.key = key;
        }
    }

    private static final class Snapshot {
        final List<Loaded> files;
        final List<byte[]> keys;
        final long checkedAt;

        Snapshot(List<Loaded> files, List<byte[]> keys, long checkedAt) {
            this.files = files;
            this.keys = keys;
            this.checkedAt = checkedAt;
        }
    }

    private final List<Path> files;
    /** The first file is required; the others (a previous key during rotation) may be absent without a complaint. */
    private volatile Snapshot snapshot;

    KeyRing(List<Path> files, long now) {
        this.files = List.copyOf(files);
        this.snapshot = load(new Snapshot(List.of(), List.of(), Long.MIN_VALUE), now);
    }

    /** The keys in force; every key file is looked at again when the last look is a second old. */
    List<byte[]> keys(long now) {
        Snapshot s = snapshot;
        if (now >= s.checkedAt && now - s.checkedAt < CHECK_INTERVAL_MS) return s.keys;
        synchronized (this) {
            s = snapshot;
            if (now >= s.checkedAt && now - s.checkedAt < CHECK_INTERVAL_MS) return s.keys;
            snapshot = s = load(s, now);
            return s.keys;
        }
    }

    private Snapshot load(Snapshot before, long now) {
        List<Loaded> loaded = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            Loaded old = i < before.files.size() ? before.files.get(i) : null;
            Loaded current = read(file, old, i == 0);
            loaded.add(current);
            if (current.key != null) keys.add(current.key);
        }
        return new Snapshot(List.copyOf(loaded), List.copyOf(keys), now);
    }

    private static Loaded read(Path file, Loaded old, boolean required) {
        String stamp;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            stamp = a.lastModifiedTime().toMillis() + ":" + a.size() + ":" + a.fileKey();
        } catch (NoSuchFileException e) {
            stamp = "missing";
        } catch (IOException | SecurityException e) {
            stamp = "unreadable:" + e.getClass().getSimpleName();
        }
        if (old != null && old.stamp.equals(stamp)) return old;
        if (stamp.equals("missing")) {
            if (required) LOG.error("restgate key file {} does not exist: no assertion is trusted until it does", file);
            else LOG.info("restgate previous key file {} does not exist: only the current key is accepted", file);
            return new Loaded(file, stamp, null);
        }
        byte[] key;
        try {
            key = Files.readAllBytes(file);
        } catch (IOException | SecurityException e) {
            LOG.error("restgate key file {} cannot be read ({}): its key is not used", file, e.getClass().getSimpleName());
            return new Loaded(file, stamp, null);
        }
        if (key.length < MIN_KEY_BYTES) {
            LOG.error("restgate key file {} holds {} bytes, fewer than {}: its key is not used", file, key.length, MIN_KEY_BYTES);
            return new Loaded(file, stamp, null);
        }
        if (old != null) LOG.info("restgate key file {} changed: its new key is in force", file);
        return new Loaded(file, stamp, key);
    }
}
