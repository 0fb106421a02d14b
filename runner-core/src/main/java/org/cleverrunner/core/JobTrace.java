package org.cleverrunner.core;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.cleverrunner.coordinator.GitLabTokens;
import org.cleverrunner.coordinator.TraceBuffer;
import org.cleverrunner.core.internal.ByteStage;
import org.cleverrunner.core.internal.PhraseMasker;
import org.cleverrunner.core.internal.PrefixMasker;
import org.cleverrunner.core.internal.Utf8Replacement;
import org.cleverrunner.spi.Trace;

/**
 * A job's log on its way to the coordinator, filtered as GitLab Runner does: the values of masked variables, then
 * secret URL parameters, then known token prefixes are replaced with {@code [MASKED]}, also when split across writes;
 * then each byte that is not valid UTF-8 becomes U+FFFD (GitLab's {@code encoding.Replacement}; NUL and other valid
 * bytes pass unchanged); the output is capped at a limit (4 MiB by default, GitLab's {@code output_limit}) after which
 * one notice is written and the rest dropped. Section markers let GitLab fold each stage; a marker or a
 * {@link #line(String) line} of the runner's own always starts on a line of its own: when the job's last byte was not
 * a newline, one is written first, so a terminal or GitLab still shows that last line.
 *
 * <p>Streaming: only a bounded tail that may still become a secret or a token is held back (less than the longest
 * secret plus the longest marker), plus at most 3 bytes of a UTF-8 character split across writes, so a job printing
 * gigabytes uses constant memory. {@link #flush()} releases that tail; call it when a stage ends, not in the middle
 * of a command's output, since a secret cut by a flush can no longer be recognised (and a split character is then
 * replaced).
 *
 * <p>Thread-safe: several log-follow threads may write; each write is applied whole.
 */
public final class JobTrace implements Trace, AutoCloseable {

    /** GitLab's default {@code output_limit}: 4 MiB. */
    public static final long DEFAULT_LIMIT = 4L * 1024 * 1024;

    /** GitLab's token prefixes, masked in every job log: the one list the whole runner uses. */
    public static final List<String> DEFAULT_TOKEN_PREFIXES = GitLabTokens.PREFIXES;

    /** URL parameters whose value GitLab masks. */
    public static final List<String> URL_PARAMS = List.of("private_token", "authenticity_token", "rss_token",
            "x-amz-signature", "x-amz-credential", "x-amz-security-token");

    private static final String CLEAR = "\u001b[0K";
    private static final byte[] NEWLINE = {'\n'};

    private final Object lock = new Object();
    private final Clock clock;
    private final long limit;
    private final PhraseMasker phrases;
    private final ByteStage urls;
    private final ByteStage tokens;
    private final Utf8Replacement utf8;
    private final Limiter limiter;
    private boolean closed;
    /** The last byte written by the job was not a newline: a marker must start a line of its own. */
    private boolean lineOpen;

    private JobTrace(Builder builder) {
        this.clock = builder.clock;
        this.limit = builder.limit;
        this.limiter = new Limiter(builder.sink, builder.limit);
        this.utf8 = new Utf8Replacement(limiter);
        this.tokens = PrefixMasker.tokens(builder.tokenPrefixes, utf8);
        this.urls = PrefixMasker.urlParams(URL_PARAMS, tokens);
        this.phrases = new PhraseMasker(builder.secrets, urls);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void write(byte[] bytes, int from, int length) {
        Objects.checkFromIndexSize(from, length, bytes.length);
        synchronized (lock) {
            if (closed) {
                // late output from a log-follow thread after the job ended: counted, not kept
                limiter.dropped += length;
                return;
            }
            if (length > 0) {
                lineOpen = bytes[from + length - 1] != '\n';
            }
            phrases.write(bytes, from, length);
        }
    }

    public void write(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(bytes, 0, bytes.length);
    }

    @Override
    public void sectionStart(String name, String header) {
        StringBuilder text = new StringBuilder()
                .append("section_start:").append(clock.instant().getEpochSecond()).append(':')
                .append(sectionName(name)).append('\r').append(CLEAR);
        if (header != null) {
            text.append(CLEAR).append("\u001b[36;1m").append(header).append("\u001b[0;m\n");
        }
        writeOnOwnLine(text.toString());
    }

    @Override
    public void sectionEnd(String name) {
        writeOnOwnLine("section_end:" + clock.instant().getEpochSecond() + ":" + sectionName(name) + "\r" + CLEAR
                + "\n");
    }

    /** A line of the runner's own, on a line of its own. */
    @Override
    public void line(String text) {
        writeOnOwnLine(text + "\n");
    }

    /**
     * Writes the runner's text after a newline when the job's last line is still open. A section start without a
     * header leaves no line open: its marker is a prefix GitLab hides, whatever follows it is the line.
     */
    private void writeOnOwnLine(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        synchronized (lock) {
            if (closed) {
                limiter.dropped += bytes.length;
                return;
            }
            if (lineOpen) {
                phrases.write(NEWLINE, 0, 1);
            }
            phrases.write(bytes, 0, bytes.length);
            lineOpen = false;
        }
    }

    /** A section name as GitLab accepts it: lower case letters, digits, {@code _} and {@code -}. */
    public static String sectionName(String name) {
        if (name == null || name.isEmpty()) {
            return "section";
        }
        String lower = name.toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            out.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ? c : '_');
        }
        return out.toString();
    }

    /** Releases the bytes held back in case they started a secret. */
    public void flush() {
        synchronized (lock) {
            if (!closed) {
                phrases.flush();
            }
        }
    }

    /** Flushes; later writes are dropped (and counted in {@link #droppedBytes()}). Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (!closed) {
                phrases.flush();
                closed = true;
            }
        }
    }

    /** Bytes (after masking) handed to the sink, the limit notice included. */
    public long writtenBytes() {
        synchronized (lock) {
            return limiter.written;
        }
    }

    /** Bytes dropped: past the limit, or written after {@link #close()}. */
    public long droppedBytes() {
        synchronized (lock) {
            return limiter.dropped;
        }
    }

    /** Whether the limit was reached. */
    public boolean limitExceeded() {
        synchronized (lock) {
            return limiter.exceeded;
        }
    }

    public long limit() {
        return limit;
    }

    /** How many bytes are held back right now, waiting for the next write to decide whether they are secret. */
    public int heldBytes() {
        synchronized (lock) {
            return phrases.held() + urls.held() + tokens.held() + utf8.held();
        }
    }

    /** The most the secret masker ever held back at once; always less than the longest secret's length. */
    public int maxHeldSecretBytes() {
        synchronized (lock) {
            return phrases.maxHeld();
        }
    }

    /** The last stage: writes up to the limit, then the notice once, then counts what it drops. */
    private static final class Limiter implements ByteStage {
        private final TraceSink sink;
        private final long limit;
        private long written;
        private long accepted;
        private long dropped;
        private boolean exceeded;

        Limiter(TraceSink sink, long limit) {
            this.sink = sink;
            this.limit = limit;
        }

        @Override
        public void write(byte[] bytes, int from, int length) {
            if (exceeded) {
                dropped += length;
                return;
            }
            long room = limit - accepted;
            int kept = (int) Math.min(room, length);
            if (kept > 0) {
                sink.append(bytes, from, kept);
                accepted += kept;
                written += kept;
            }
            if (kept < length) {
                exceeded = true;
                dropped += length - kept;
                byte[] notice = ("\n\u001b[31;1mJob's log exceeded limit of " + limit + " bytes.\n"
                        + "Job execution will continue but no more output will be collected.\u001b[0;m\n")
                        .getBytes(StandardCharsets.UTF_8);
                sink.append(notice, 0, notice.length);
                written += notice.length;
            }
        }

        @Override
        public void flush() {
            // the sink is a buffer the uploader reads; nothing to push
        }
    }

    /** Settings of a {@link JobTrace}: a sink is required; secrets, limit and clock are optional. */
    public static final class Builder {
        private TraceSink sink;
        private final List<String> secrets = new ArrayList<>();
        private final List<String> tokenPrefixes = new ArrayList<>(DEFAULT_TOKEN_PREFIXES);
        private long limit = DEFAULT_LIMIT;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        public Builder sink(TraceSink sink) {
            this.sink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        public Builder sink(TraceBuffer buffer) {
            return sink(TraceSink.of(buffer));
        }

        /** Values to mask (masked variables' values); null and empty ones are ignored. */
        public Builder secrets(Collection<String> values) {
            for (String value : Objects.requireNonNull(values, "values")) {
                if (value != null && !value.isEmpty()) {
                    secrets.add(value);
                }
            }
            return this;
        }

        public Builder secret(String value) {
            return secrets(java.util.Collections.singletonList(value));
        }

        /** More token prefixes to mask, e.g. the job's {@code features.token_mask_prefixes}. */
        public Builder tokenPrefixes(Collection<String> prefixes) {
            for (String prefix : Objects.requireNonNull(prefixes, "prefixes")) {
                if (prefix != null && !prefix.isEmpty() && !tokenPrefixes.contains(prefix)) {
                    tokenPrefixes.add(prefix);
                }
            }
            return this;
        }

        /** The output limit in bytes (GitLab's {@code output_limit}); past it, output is dropped. */
        public Builder limit(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("trace limit must be positive, got " + bytes);
            }
            this.limit = bytes;
            return this;
        }

        /** The clock of section timestamps. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public JobTrace build() {
            if (sink == null) {
                throw new IllegalStateException("a JobTrace needs a sink");
            }
            return new JobTrace(this);
        }
    }
}
