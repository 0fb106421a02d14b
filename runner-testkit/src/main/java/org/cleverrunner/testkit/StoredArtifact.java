package org.cleverrunner.testkit;

/**
 * An artifact uploaded to the fake.
 *
 * @param filename  the filename of the multipart {@code file} part
 * @param type      artifact_type (default {@code archive})
 * @param format    artifact_format (default {@code zip})
 * @param expireIn  expire_in, or null
 * @param bytes     the uploaded bytes
 */
public record StoredArtifact(String filename, String type, String format, String expireIn, byte[] bytes) {

    public long size() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "StoredArtifact[" + filename + ", type=" + type + ", format=" + format + ", expireIn=" + expireIn
                + ", size=" + bytes.length + "]";
    }
}
