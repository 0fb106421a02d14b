package org.cleverrunner.cache.s3;

import org.cleverrunner.spi.RunnerSpiException;

/**
 * The one exception of the S3 cache store: invalid settings, a refused key or archive, a failed request (its message
 * names the bucket, the object and the HTTP status, never a secret key or a signature).
 */
public class S3CacheException extends RunnerSpiException {

    public S3CacheException(String message) {
        super(message);
    }

    public S3CacheException(String message, Throwable cause) {
        super(message, cause);
    }
}
