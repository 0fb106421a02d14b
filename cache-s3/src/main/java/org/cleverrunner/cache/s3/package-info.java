/**
 * cache-s3: the {@code s3} {@link org.cleverrunner.spi.CacheStoreFactory}, job caches in an S3 bucket (Clever
 * Cloud's Cellar first), on the AWS SDK for Java v2.
 */
package org.cleverrunner.cache.s3;
