/**
 * A Clever Cloud API simulator over real HTTP on loopback: {@link org.cleverrunner.testkit.clevercloud.CleverCloudSimulator}.
 * Applications get a bare git repository (a {@code file://} URL in {@code deployment.url}/{@code deployment.httpUrl});
 * a push starts a deployment whose "VM" is whatever the test's {@link org.cleverrunner.testkit.clevercloud.VmLauncher}
 * starts.
 */
package org.cleverrunner.testkit.clevercloud;
