/**
 * A client for the Clever Cloud API v2 ({@link org.cleverrunner.clevercloud.CleverCloudClient}): organisations,
 * products (instance types, flavors, zones), applications, their environment, instances and deployments, with
 * OAuth1 (PLAINTEXT, HMAC-SHA512), Bearer API-token and {@code token} authentication
 * ({@link org.cleverrunner.clevercloud.CleverCloudAuthentication}). Payloads are records that tolerate unknown
 * fields; every exception extends {@link org.cleverrunner.clevercloud.CleverCloudException}. Nothing under
 * {@code org.cleverrunner.clevercloud.internal} is API.
 */
package org.cleverrunner.clevercloud;
