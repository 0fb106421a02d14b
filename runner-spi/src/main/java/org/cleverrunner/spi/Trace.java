package org.cleverrunner.spi;

/**
 * A job's log as the executor writes it. The runner behind it masks secrets (also across writes), caps the size
 * and sends it to the coordinator; the executor only writes. Section markers let GitLab fold each stage.
 */
public interface Trace {

    /** Raw output bytes, as the job printed them. */
    void write(byte[] bytes, int from, int length);

    /** A line of the runner's own, ended with a newline. */
    default void line(String text) {
        byte[] bytes = (text + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        write(bytes, 0, bytes.length);
    }

    /** Opens a collapsible section ({@code section_start:<epoch>:<name>\r\e[0K}) with a header line. */
    void sectionStart(String name, String header);

    /** Closes the section opened with this name. */
    void sectionEnd(String name);
}
