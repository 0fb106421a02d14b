/**
 * Contract test kits for the SPI, in the manner of a TCK: extend {@link
 * org.cleverrunner.testkit.contract.ProvisionerContract} or {@link
 * org.cleverrunner.testkit.contract.CacheStoreContract} in a JUnit 5 test, implement the one factory method, and
 * every behaviour the engine relies on is checked against your implementation.
 */
package org.cleverrunner.testkit.contract;
