package org.cleverrunner.spi;

import java.util.List;

/** No provider of the asked type has the configured id; the message lists the ids that exist. */
public class UnknownProviderException extends RunnerSpiException {

    private final String id;
    private final List<String> available;

    public UnknownProviderException(String kind, String id, List<String> available) {
        super("no " + kind + " with id '" + id + "'; available: "
                + (available.isEmpty() ? "none (is the module on the classpath?)" : String.join(", ", available)));
        this.id = id;
        this.available = List.copyOf(available);
    }

    public String id() {
        return id;
    }

    public List<String> available() {
        return available;
    }
}
