/**
 * docker-executor: reaches a Docker Engine by URI ({@link org.cleverrunner.docker.DockerConnector}: local socket,
 * tcp+TLS, or an HTTPS gateway with a bearer token); the gateway itself lives in
 * {@code org.cleverrunner.docker.gateway}.
 */
package org.cleverrunner.docker;
