package org.cleverrunner.clevercloud.internal;

import java.util.List;

/** Implemented by the built-in authentications so the client can mask their credentials in excerpts. */
public interface SecretBearing {

    /** The revealed credential values, to mask; never logged. */
    List<String> secretValues();
}
