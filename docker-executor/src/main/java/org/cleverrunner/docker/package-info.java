/**
 * docker-executor: filled in by its own issue; the module exists so that the build and the BOM are complete.
 */
package org.cleverrunner.docker;
