package org.cleverrunner.coordinator;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The SDK's version, read from the properties Maven filters at build time. */
final class ClientVersion {

    static final String VERSION;
    static final String REVISION;

    static {
        Properties properties = new Properties();
        try (InputStream in = ClientVersion.class.getResourceAsStream("clever-runner-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // fall back to the defaults below: the version is informational only
        }
        VERSION = properties.getProperty("version", "dev");
        REVISION = properties.getProperty("revision", "unknown");
    }

    private ClientVersion() {
    }
}
