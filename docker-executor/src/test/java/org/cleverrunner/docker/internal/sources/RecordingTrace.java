package org.cleverrunner.docker.internal.sources;

import org.cleverrunner.spi.Trace;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A trace that keeps everything written to it. */
final class RecordingTrace implements Trace {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(byte[] data, int from, int length) {
        bytes.write(data, from, length);
    }

    @Override
    public synchronized void sectionStart(String name, String header) {
        line("section_start:" + name + " " + header);
    }

    @Override
    public synchronized void sectionEnd(String name) {
        line("section_end:" + name);
    }

    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
