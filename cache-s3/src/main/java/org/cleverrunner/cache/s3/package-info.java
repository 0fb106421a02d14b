/**
 * cache-s3: filled in by its own issue; the module exists so that the build and the BOM are complete.
 */
package org.cleverrunner.cache.s3;
