/**
 * Test doubles for clever-runner. {@link org.cleverrunner.testkit.FakeCoordinator} is a fake GitLab coordinator
 * (Rails + Workhorse semantics of the runner API v4) served over real HTTP on loopback; jobs are built with
 * {@link org.cleverrunner.testkit.Jobs#job(String)}. Everything in {@code org.cleverrunner.testkit.internal} is not API.
 */
package org.cleverrunner.testkit;
