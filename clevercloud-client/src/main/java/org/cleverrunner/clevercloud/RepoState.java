package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** The state of an application's git repository ({@code deployment.repoState}); push only once {@code CREATED}. Values the client does not know read as {@link #UNKNOWN}. */
public enum RepoState {
    CREATING,
    CREATED,
    NOT_NEEDED,
    DELETED,
    @JsonEnumDefaultValue
    UNKNOWN
}
