/**
 * Examples written as a consumer of the SDK would write them: {@link org.cleverrunner.examples.StaticPoolProvisionerFactory}
 * plugs a provisioner of one's own into the runner with a services file, and
 * {@link org.cleverrunner.examples.EmbeddedRunner} runs the engine from a Java program.
 */
package org.cleverrunner.examples;
