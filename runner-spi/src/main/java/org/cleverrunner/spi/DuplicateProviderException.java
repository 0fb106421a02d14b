package org.cleverrunner.spi;

import java.util.List;

/** Two providers on the class path claim the same id: the choice would be arbitrary, so it is refused. */
public class DuplicateProviderException extends RunnerSpiException {

    public DuplicateProviderException(String kind, String id, List<String> classes) {
        super("several " + kind + "s claim the id '" + id + "': " + String.join(", ", classes)
                + "; remove one from the class path or choose one explicitly");
    }
}
