package org.cleverrunner.clevercloud;

/** What a delete achieved: the resource was deleted, or it did not exist (404). */
public enum DeletionResult {
    DELETED,
    ALREADY_GONE
}
