package org.cleverrunner.docker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.cleverrunner.spi.Trace;

/** A trace that keeps what it is given, with GitLab's section markers, for assertions. Caps what it keeps. */
final class RecordingTrace implements Trace {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final List<String> sections = new ArrayList<>();
    private final long keepAtMost;
    private long total;

    RecordingTrace() {
        this(16 * 1024 * 1024);
    }

    RecordingTrace(long keepAtMost) {
        this.keepAtMost = keepAtMost;
    }

    @Override
    public synchronized void write(byte[] data, int from, int length) {
        total += length;
        long room = keepAtMost - bytes.size();
        if (room > 0) {
            bytes.write(data, from, (int) Math.min(room, length));
        }
    }

    @Override
    public synchronized void sectionStart(String name, String header) {
        sections.add(name);
        line("section_start:" + System.currentTimeMillis() / 1000 + ":" + name + "\r\u001b[0K" + header);
    }

    @Override
    public synchronized void sectionEnd(String name) {
        line("section_end:" + System.currentTimeMillis() / 1000 + ":" + name + "\r\u001b[0K");
    }

    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    synchronized List<String> sections() {
        return List.copyOf(sections);
    }

    synchronized long total() {
        return total;
    }
}
